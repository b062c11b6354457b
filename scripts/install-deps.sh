#!/usr/bin/env bash
# install-deps.sh - install every Debian package maillens needs to build and test.
#
# Usage: scripts/install-deps.sh [--test]
#   (no flag)  build dependencies only
#   --test     also the peers and servers the tests run (pflogsumm, postfix, ...)
# Runs apt-get as root, or through sudo when not root. Idempotent.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config
  libcli11-dev libfmt-dev libabsl-dev libsimdjson-dev
  zlib1g-dev libisal-dev libzstd-dev liblzma-dev libbz2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libre2-dev libsqlite3-dev libtomlplusplus-dev libcpp-httplib-dev libsystemd-dev
  libmicrohttpd-dev libssl-dev
)
TEST_PKGS=(
  openssl pflogsumm libdate-calc-perl
  gzip bzip2 xz-utils zstd
  clang libclang-rt-14-dev
  hyperfine time python3
  chromium
  sqlite3 tmux nftables ipset curl systemd-journal-remote
  prometheus prometheus-postfix-exporter fail2ban clickhouse-server clickhouse-client
  debootstrap lintian
)
# Node.js and npm for the browser test: Debian's packages, unless the machine
# already has a node/npm (another distribution's nodejs bundles npm and
# conflicts with Debian's npm package).
command -v node >/dev/null 2>&1 || TEST_PKGS+=(nodejs)
command -v npm >/dev/null 2>&1 || TEST_PKGS+=(npm)

want=("${BUILD_PKGS[@]}")
if [ "${1:-}" = "--test" ]; then want+=("${TEST_PKGS[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  # The servers among the test packages (prometheus, fail2ban, clickhouse)
  # must not start as system services on install: the tests start their own
  # instances, bound to 127.0.0.1. policy-rc.d exit 101 forbids starts.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: ok" >&2
