#!/usr/bin/env bash
# demo.sh [LOGFILES...] - install what maillens needs, build it, and run
# `maillens report` on the given logs, or on the bundled real Postfix sample.
# With maillens already on PATH it runs that one and installs nothing
# (MAILLENS_DEMO_BUILD=1 builds anyway).
set -euo pipefail
# The user's relative paths are relative to where they ran the demo.
args=()
for a in "$@"; do
  case $a in /*|-*) args+=("$a") ;; *) args+=("$PWD/$a") ;; esac
done
cd "$(dirname "$0")/.."
if [ ${#args[@]} -eq 0 ]; then args=(tests/data/realpostfix-sample/maillog); fi
set -- "${args[@]}"
# An installed maillens (the .deb, or cmake --install) is used as it is: no
# compiler is installed on a mail server unless there is no maillens at all.
if [ -z "${MAILLENS_DEMO_BUILD:-}" ] && command -v maillens >/dev/null 2>&1; then
  exec maillens report "$@"
fi
echo "demo: maillens is not installed: installing build tools and building it in ./build" >&2
scripts/install-deps.sh
scripts/build.sh build > /dev/null
exec build/maillens report "$@"
