#!/usr/bin/env bash
# run.sh MAILLENS SHARED_DIR LOGGEN [1.3] - the pflogsumm conformance test: every
# corpus in SHARED_DIR/corpora, the minimal difference logs, and generated logs
# (multi-day traditional, RFC 3339, long queue IDs), compared figure by figure
# with Debian's pflogsumm 1.1.5 (pflogsumm_compare.py), or with "1.3" with
# pflogsumm 1.3.0 against `maillens report --compat 1.3` (pflogsumm13_compare.py).
set -euo pipefail
maillens=$1 shared=$2 loggen=${3:-} oracle=${4:-1.1.5}
here=$(cd "$(dirname "$0")" && pwd)
compare=pflogsumm_compare.py
if [ "$oracle" = 1.3 ]; then
  compare=pflogsumm13_compare.py
  [ -x /opt/pflogsumm-1.3.0/usr/bin/pflogsumm ] ||
    { echo "pflogsumm 1.3.0 is not unpacked in /opt/pflogsumm-1.3.0 (scripts/install-deps.sh --test)"; exit 1; }
else
  command -v pflogsumm >/dev/null || { echo "pflogsumm is not installed (scripts/install-deps.sh --test)"; exit 1; }
fi
extra=()
if [ -n "$loggen" ] && [ -x "$loggen" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  "$loggen" --size 8M --seed 7 --days 3 -o "$work/gen-traditional.log"
  "$loggen" --size 4M --seed 8 --days 2 --rfc3339 -o "$work/gen-rfc3339.log"
  "$loggen" --size 4M --seed 9 --long-queue-ids -o "$work/gen-longqid.log"
  for f in "$work"/*.log; do extra+=(--extra "$(basename "$f" .log)=$f"); done
else
  echo "note: log generator not built; generated logs skipped" >&2
  exit 1
fi
exec python3 "$here/$compare" --maillens "$maillens" --corpora "$shared/corpora" "${extra[@]}"
