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
  zlib1g-dev libisal-dev libzstd-dev liblzma-dev libbz2-dev libxxhash-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libre2-dev libsqlite3-dev libtomlplusplus-dev libcpp-httplib-dev libsystemd-dev
  libmicrohttpd-dev libssl-dev
)
TEST_PKGS=(
  openssl pflogsumm libdate-calc-perl libconfig-simple-perl
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

# pflogsumm 1.3.0, the second oracle of the conformance test (report
# --compat 1.3): Debian unstable's package, fetched with a private sources
# list and private apt state (the system's sources stay untouched) from the
# mirror the system already uses, and unpacked into PFLOGSUMM13_DIR, never
# installed (it would replace the 1.1.5 that the default report equals).
PFLOGSUMM13_DIR=/opt/pflogsumm-1.3.0
PFLOGSUMM13_DEB=pflogsumm_1.3.0-1_all.deb
fetch_pflogsumm13() {
  [ -x "$PFLOGSUMM13_DIR/usr/bin/pflogsumm" ] && return 0
  local mirror d
  mirror=$( { grep -rhoE 'https?://[^ ]*debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null || true; } \
             | grep -v security | head -n1 | tr -d ' ' || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  d=$(mktemp -d)
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror%/} unstable main" >"$d/sources.list"
  local apt_private=(-o "Dir::Etc::SourceList=$d/sources.list" -o Dir::Etc::SourceParts=/dev/null
                     -o "Dir::State::Lists=$d/lists" -o "Dir::Cache=$d/cache" -o Dir::State::status=/dev/null)
  apt-get "${apt_private[@]}" update -qq 2>/dev/null
  (cd "$d" && apt-get "${apt_private[@]}" download pflogsumm=1.3.0-1 2>/dev/null)
  [ -f "$d/$PFLOGSUMM13_DEB" ] || { echo "install-deps: could not fetch $PFLOGSUMM13_DEB" >&2; rm -rf "$d"; return 1; }
  $SUDO mkdir -p "$PFLOGSUMM13_DIR"
  $SUDO dpkg-deb -x "$d/$PFLOGSUMM13_DEB" "$PFLOGSUMM13_DIR"
  rm -rf "$d"
  "$PFLOGSUMM13_DIR/usr/bin/pflogsumm" --version >/dev/null
}
if [ "${1:-}" = "--test" ]; then fetch_pflogsumm13; fi
echo "install-deps: ok" >&2
