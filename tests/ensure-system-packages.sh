#!/usr/bin/env bash
# Install the Debian packages the tests drive when they are missing:
# chromium (the browser tests) and hugo (the Hugo partials of docs/ rendered).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v hugo >/dev/null 2>&1 || missing+=(hugo)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "${missing[*]} missing and apt-get needs root; the tests that need them will be skipped" >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
