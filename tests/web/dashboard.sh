#!/usr/bin/env bash
# dashboard.sh MAILLENS SOURCE_DIR [ARTIFACT_DIR] - serve's dashboard in
# headless Debian chromium (dashboard_test.mjs) on a live `serve` fed by a
# growing copy of the bundled real-Postfix log. Screenshots go to
# ARTIFACT_DIR (default: next to the maillens binary,
# test-artifacts/dashboard/, i.e. under the build dir).
set -euo pipefail
ml=$(readlink -f "$1") src=$2
artifacts=${3:-$(dirname "$ml")/test-artifacts/dashboard}
source "$(dirname "$0")/setup.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
TZ=UTC LC_ALL=C node "$here/dashboard_test.mjs" "$ml" "$src" "$work" "$artifacts"
