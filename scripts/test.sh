#!/usr/bin/env bash
# test.sh - the project's test command (README.md; .ci/run calls it).
#
# Installs every package the tests need, builds maillens, and runs every test:
#  1. Release build: unit tests, fuzz-corpus replay, CLI behaviour on bad input,
#     pflogsumm 1.1.5 conformance on ../shared/corpora and generated logs;
#  2. the same tests built with AddressSanitizer + UBSan;
#  3. the end-to-end test against a real Postfix and Dovecot (tests/e2e/run.sh).
# Needs root or sudo (apt-get). Exit status is non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
scripts/install-deps.sh --test

echo "== release build and tests"
scripts/build.sh build
ctest --test-dir build --output-on-failure -j2

echo "== ASan + UBSan build and tests"
scripts/build.sh build-asan -DMAILLENS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j2

if [ -x tests/e2e/run.sh ]; then
  echo "== end-to-end: real Postfix and Dovecot"
  MAILLENS=$PWD/build/maillens tests/e2e/run.sh
fi
echo "all tests passed in $((SECONDS - start)) s"
