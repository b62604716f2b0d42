#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the browser tests (driven by playwright-core; no
# browser is ever downloaded). Installs it with apt-get when missing and this user may; otherwise
# says so, and the browser suite skips with that reason (under CI=true it fails instead).
set -euo pipefail
for c in chromium chromium-browser; do
  if command -v "$c" >/dev/null 2>&1; then exit 0; fi
done
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "[browser] installing Debian's chromium for the browser tests (once; a few minutes) …" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  echo "[browser] $(chromium --version)" >&2
  exit 0
fi
echo "[browser] chromium is not installed and cannot be installed here (needs root and apt-get):" \
  "install Debian's chromium package to run the browser tests" >&2
exit 1
