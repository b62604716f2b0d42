#!/usr/bin/env bash
# Makes sure the Debian packages the images and the real-cluster suites need are installed:
#   images:  mmdebstrap, umoci, skopeo (scripts/build-images.sh; no container engine)
#   cluster: containerd, runc, containernetworking-plugins, iptables (test/harness/cluster.ts)
# Installs the missing ones with apt-get when this user may (root); otherwise says which are missing
# and exits 1, and the suites that need them skip with that reason (under CI=true they fail instead).
# Installing containerd starts nothing: the cluster harness runs its own containerd with its own
# config, root and socket, and stops it again.
# Usage: ensure-cluster-tools.sh [images] [cluster]   (default: both)
set -euo pipefail
sets=("$@")
[[ ${#sets[@]} -gt 0 ]] || sets=(images cluster)
declare -A command_of=(
  [mmdebstrap]=mmdebstrap [umoci]=umoci [skopeo]=skopeo
  [containerd]=containerd [runc]=runc [containernetworking-plugins]=/usr/lib/cni/bridge [iptables]=iptables
)
wanted=()
for s in "${sets[@]}"; do
  case $s in
    images) wanted+=(mmdebstrap umoci skopeo) ;;
    cluster) wanted+=(containerd runc containernetworking-plugins iptables) ;;
    *) echo "ensure-cluster-tools: unknown set $s (images, cluster)" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${wanted[@]}"; do
  c=${command_of[$p]}
  if [[ $c == /* ]]; then [[ -x $c ]] || missing+=("$p"); else command -v "$c" >/dev/null 2>&1 || missing+=("$p"); fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "[cluster-tools] installing Debian packages: ${missing[*]} (once) …" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # policy-rc.d: no service is started by the install (the harness runs its own containerd).
  policy=/usr/sbin/policy-rc.d created_policy=false
  if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=true; fi
  status=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
  $created_policy && rm -f "$policy"
  exit $status
fi
echo "[cluster-tools] missing Debian packages: ${missing[*]}; they cannot be installed here (needs root" \
  "and apt-get): install them to build images and run the real-cluster suites" >&2
exit 1
