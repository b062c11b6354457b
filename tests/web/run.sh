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
here=$(cd "$(dirname "$0")" && pwd)
for tool in node npm /usr/bin/chromium; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (scripts/install-deps.sh --test)"; exit 1; }
done
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -d "$here/node_modules/playwright-core" ]; then
  (cd "$here" && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; })
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
exec node "$here/html_report_test.mjs" "$ml" "$shared/corpora/realpostfix-sample/maillog" \
  "$shared/corpora/postfix-logsums-pixelpark/mail.log.gz" "$work" "$artifacts"
