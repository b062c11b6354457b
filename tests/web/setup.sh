# setup.sh - sourced by the browser tests (run.sh, dashboard.sh): checks
# node, npm and Debian's chromium, and installs playwright-core from npm
# (package-lock.json) into tests/web/node_modules when it is missing; no
# browser is downloaded. Sets $here to tests/web.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for tool in node npm /usr/bin/chromium; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (scripts/install-deps.sh --test)"; exit 1; }
done
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -d "$here/node_modules/playwright-core" ]; then
  (cd "$here" && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; })
fi
