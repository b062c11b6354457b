#!/usr/bin/env bash
# demo.sh [LOGFILES...] - install what maillens needs, build it, and run
# `maillens report` on the given logs, or on the bundled real Postfix sample.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build > /dev/null
if [ $# -eq 0 ]; then set -- tests/data/realpostfix-sample/maillog; fi
exec build/maillens report "$@"
