#!/usr/bin/env bash
# run.sh MAILLENS SHARED_DIR [ARTIFACT_DIR] - the HTML report in headless
# Debian chromium (html_report_test.mjs) on the real-Postfix sample and the
# pixelpark corpus log. Screenshots go to ARTIFACT_DIR (default: next to the
# maillens binary, test-artifacts/html-report/, i.e. under the build dir). Needs chromium and nodejs/npm (scripts/install-deps.sh
# --test); playwright-core comes from npm (package-lock.json), no browser is
# downloaded.
set -euo pipefail
ml=$(readlink -f "$1") shared=$2
artifacts=${3:-$(dirname "$ml")/test-artifacts/html-report}
source "$(dirname "$0")/setup.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
exec node "$here/html_report_test.mjs" "$ml" "$shared/corpora/realpostfix-sample/maillog" \
  "$shared/corpora/postfix-logsums-pixelpark/mail.log.gz" "$work" "$artifacts"
