#!/bin/bash
# systemd_unit_test.sh - checks packaging/maillens.service with
# `systemd-analyze verify` (directives, sandboxing options, ExecStart), the
# unit's ExecStart pointed at the freshly built binary. Skipped (exit 77)
# only when systemd-analyze is not installed.
# Usage: systemd_unit_test.sh MAILLENS SOURCE_DIR
set -euo pipefail
maillens=$(realpath "$1"); src=$2
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing: skipped"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
sed "s|^ExecStart=/usr/bin/maillens |ExecStart=$maillens |" "$src/packaging/maillens.service" > "$tmp/maillens.service"
grep -q "^ExecStart=$maillens serve " "$tmp/maillens.service" || { echo "FAIL: ExecStart not found"; exit 1; }
# --man=no: the man page is not installed in a build tree.
out=$(systemd-analyze verify --man=no "$tmp/maillens.service" 2>&1) || { echo "FAIL: $out"; exit 1; }
# verify only warns about some unknown directives: any output is a failure.
[ -z "$out" ] || { echo "FAIL: systemd-analyze said: $out"; exit 1; }
# The served binary must accept the unit's options.
"$maillens" serve --help | grep -q -- "--checkpoint" || { echo "FAIL: serve has no --checkpoint"; exit 1; }
"$maillens" serve --help | grep -q -- "--config" || { echo "FAIL: serve has no --config"; exit 1; }
echo "PASS: maillens.service verifies"
