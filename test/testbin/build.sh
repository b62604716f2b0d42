#!/usr/bin/env bash
# Builds the real binaries the tests run (kube-apiserver, kubectl, etcd, helm, telemetrygen, otelcol)
# from their published Go modules, pinned in versions.env, into a cache outside the repo:
#   $KODER_TESTBIN_DIR (default ~/.cache/koder-trace/testbin)/<name>-<version>/
# (kube-apiserver and kubectl share the folder kubernetes-<version>).
# The real-cluster suites also need `kubernetes-node` (kubelet, kube-controller-manager,
# kube-scheduler, kube-proxy), `coredns` and `pause` (the pod sandbox's process); they are built only
# when named (`build.sh cluster` names all three), not by default.
# A binary already in the cache is not rebuilt, so a warm run is a no-op.
# Usage: build.sh [name ...]   (default: all)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
cache=${KODER_TESTBIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/koder-trace/testbin}
mkdir -p "$cache"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

log() { printf '[testbin] %s\n' "$*" >&2; }

# Runs "$@" with its output in a log file, printing a heartbeat so a long first build shows progress.
run_logged() {
  local what=$1 logfile=$2; shift 2
  local start=$SECONDS
  ("$@") >"$logfile" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    if kill -0 "$pid" 2>/dev/null && (( (SECONDS - start) % 30 < 5 )); then
      log "  … $what still building ($((SECONDS - start))s)"
    fi
  done
  if ! wait "$pid"; then
    log "FAILED: $what — last lines of $logfile:"
    tail -n 30 "$logfile" >&2
    return 1
  fi
  log "  built $what in $((SECONDS - start))s"
}

# ensure NAME VERSION BUILDER: builds into a temp folder and moves it into place only when whole.
ensure() {
  local name=$1 version=$2 builder=$3
  local dest="$cache/$name-$version${revisions[$name]:-}"
  if [[ -f "$dest/.complete" ]]; then return 0; fi
  log "building $name $version (first run only; cached in $dest)"
  local work
  work=$(mktemp -d "$cache/.build-$name-XXXXXX")
  if run_logged "$name $version" "$work/build.log" "$builder" "$version" "$work"; then
    rm -rf "$dest"; mkdir -p "$dest"
    mv "$work/out/"* "$dest/"
    touch "$dest/.complete"
    rm -rf "$work"
  else
    return 1
  fi
}

build_helm() {
  local v=$1 w=$2
  GOBIN="$w/out" go install "helm.sh/helm/v4/cmd/helm@$v"
}

build_telemetrygen() {
  local v=$1 w=$2
  GOBIN="$w/out" go install "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@$v"
}

# etcd's go.mod has relative replaces, so it is built from a wrapper module that requires it.
build_etcd() {
  local v=$1 w=$2
  mkdir -p "$w/mod" && cd "$w/mod"
  go mod init koder.dev/testbin/etcd
  go get "go.etcd.io/etcd/server/v3@$v"
  go build -o "$w/out/etcd" go.etcd.io/etcd/server/v3
}

# k8s.io/kubernetes replaces its staging modules with ./staging paths; a wrapper module points each at
# its published twin (v1.N.M -> v0.N.M) and copies the godebug line.
build_kubernetes() {
  local v=$1 w=$2
  local staging=v0.${v#v1.}
  mkdir -p "$w/mod" && cd "$w/mod"
  go mod init koder.dev/testbin/kubernetes
  local upstream
  upstream=$(go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  local godebug
  godebug=$(grep -E '^godebug ' "$upstream" || true)
  [[ -n "$godebug" ]] && echo "$godebug" >>go.mod
  grep -E '=> \./staging/' "$upstream" | awk -v s="$staging" '{print "replace " $1 " => " $1 " " s}' >>go.mod
  # Getting the two commands (not just the module) records go.sum entries for all they import.
  go get "k8s.io/kubernetes/cmd/kube-apiserver@$v" "k8s.io/kubernetes/cmd/kubectl@$v"
  local pkg=k8s.io/component-base/version
  local ldflags="-s -w -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$(cut -d. -f2 <<<"$v")"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$v"
  mkdir -p "$w/out"
  go build -ldflags "$ldflags" -o "$w/out/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
}

# The node and controller side of k8s.io/kubernetes, by the same wrapper-module recipe.
build_kubernetes_node() {
  local v=$1 w=$2
  local staging=v0.${v#v1.}
  mkdir -p "$w/mod" && cd "$w/mod"
  go mod init koder.dev/testbin/kubernetes-node
  local upstream
  upstream=$(go mod download -json "k8s.io/kubernetes@$v" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  local godebug
  godebug=$(grep -E '^godebug ' "$upstream" || true)
  [[ -n "$godebug" ]] && echo "$godebug" >>go.mod
  grep -E '=> \./staging/' "$upstream" | awk -v s="$staging" '{print "replace " $1 " => " $1 " " s}' >>go.mod
  local cmds=(kubelet kube-controller-manager kube-scheduler kube-proxy)
  local c pkgs=()
  for c in "${cmds[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  # Getting the commands (not just the module) records go.sum entries for all they import.
  go get "${pkgs[@]/%/@$v}"
  local pkg=k8s.io/component-base/version
  local ldflags="-s -w -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$(cut -d. -f2 <<<"$v")"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$v"
  mkdir -p "$w/out"
  go build -ldflags "$ldflags" -o "$w/out/" "${pkgs[@]}"
}

build_coredns() {
  local v=$1 w=$2
  GOBIN="$w/out" go install "github.com/coredns/coredns@$v"
}

# The pod sandbox's process (containerd's sandbox_image): sleeps, reaps children, exits on TERM/INT.
build_pause() {
  local v=$1 w=$2
  mkdir -p "$w/mod" && cd "$w/mod"
  go mod init koder.dev/testbin/pause
  cat >main.go <<'GO'
// pause: the process that holds a pod's namespaces. It reaps orphans and exits on SIGTERM or SIGINT.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
GO
  go build -trimpath -ldflags "-s -w" -o "$w/out/pause" .
}

# The reference collector, built by ocb: core OTLP receiver/exporters, debug/nop exporters, batch, and
# contrib's probabilistic sampler (the reference for our sampler). Contrib's file exporter and attributes
# processor were tried and left out: modules they pull in are not served at this version.
build_otelcol() {
  local v=$1 w=$2
  GOBIN="$w/tools" go install "go.opentelemetry.io/collector/cmd/builder@$v"
  cat >"$w/builder.yaml" <<YAML
dist:
  name: otelcol
  description: Koder Trace reference collector for tests
  output_path: $w/dist
receivers:
  - gomod: go.opentelemetry.io/collector/receiver/otlpreceiver $v
extensions:
  - gomod: github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage $v
exporters:
  - gomod: go.opentelemetry.io/collector/exporter/otlpexporter $v
  - gomod: go.opentelemetry.io/collector/exporter/otlphttpexporter $v
  - gomod: go.opentelemetry.io/collector/exporter/debugexporter $v
  - gomod: go.opentelemetry.io/collector/exporter/nopexporter $v
processors:
  - gomod: go.opentelemetry.io/collector/processor/batchprocessor $v
  - gomod: github.com/open-telemetry/opentelemetry-collector-contrib/processor/probabilisticsamplerprocessor $v
YAML
  "$w/tools/builder" --config "$w/builder.yaml"
  mkdir -p "$w/out" && mv "$w/dist/otelcol" "$w/out/otelcol"
}

# The tail sampling reference for the benchmarks (built only when named, by `make bench`): OTLP
# receiver, contrib's tail sampling processor and the nop exporter, at its own release.
build_otelcol_tail() {
  local v=$1 w=$2
  GOBIN="$w/tools" go install "go.opentelemetry.io/collector/cmd/builder@$v"
  cat >"$w/builder.yaml" <<YAML
dist:
  name: otelcol-tail
  description: Koder Trace tail sampling reference for benchmarks
  output_path: $w/dist
receivers:
  - gomod: go.opentelemetry.io/collector/receiver/otlpreceiver $v
exporters:
  - gomod: go.opentelemetry.io/collector/exporter/nopexporter $v
processors:
  - gomod: github.com/open-telemetry/opentelemetry-collector-contrib/processor/tailsamplingprocessor $v
YAML
  "$w/tools/builder" --config "$w/builder.yaml"
  mkdir -p "$w/out" && mv "$w/dist/otelcol-tail" "$w/out/otelcol-tail"
}

declare -A versions=(
  [helm]=$HELM_VERSION [telemetrygen]=$TELEMETRYGEN_VERSION [etcd]=$ETCD_VERSION
  [otelcol]=$OTELCOL_VERSION [otelcol-tail]=$OTELCOL_TAIL_VERSION [kubernetes]=$KUBERNETES_VERSION
  [kubernetes-node]=$KUBERNETES_VERSION [coredns]=$COREDNS_VERSION [pause]=$PAUSE_VERSION
)
# A recipe change that keeps the version (otelcol gained file_storage for the durable benchmark)
# gets a new cache folder through a suffix, so a warm cache is rebuilt once.
declare -A revisions=([otelcol]=-$OTELCOL_RECIPE)
declare -A builders=(
  [helm]=build_helm [telemetrygen]=build_telemetrygen [etcd]=build_etcd
  [otelcol]=build_otelcol [otelcol-tail]=build_otelcol_tail [kubernetes]=build_kubernetes
  [kubernetes-node]=build_kubernetes_node [coredns]=build_coredns [pause]=build_pause
)

names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(helm telemetrygen etcd otelcol kubernetes)
failed=()
expanded=()
for n in "${names[@]}"; do
  case $n in
    cluster) expanded+=(kubernetes etcd helm kubernetes-node coredns pause otelcol) ;;
    kubelet | kube-controller-manager | kube-scheduler | kube-proxy) expanded+=(kubernetes-node) ;;
    *) expanded+=("$n") ;;
  esac
done
names=("${expanded[@]}")
for n in "${names[@]}"; do
  [[ $n == kubectl || $n == kube-apiserver ]] && n=kubernetes  # built together
  [[ -n "${builders[$n]:-}" ]] || { log "unknown binary: $n"; exit 2; }
  ensure "$n" "${versions[$n]}" "${builders[$n]}" || failed+=("$n")
done
if [[ ${#failed[@]} -gt 0 ]]; then
  log "could not build: ${failed[*]} (see the log lines above)"
  exit 1
fi
log "all test binaries present in $cache"
