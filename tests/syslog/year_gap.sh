#!/usr/bin/env bash
# year_gap.sh - traditional stamps after a long gap (issue 13 item 2): with
# --year 2021, Mar 28 -> Oct 31 -> Dec 31 -> Jan 01 is 2021, 2021, 2021, 2022
# in trace and export (years never go backwards). TZ pinned to UTC.
# Usage: year_gap.sh MAILLENS
set -u
ml=$1
export TZ=UTC
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
m() {  # m STAMP QID: one delivered message
  printf '%s mx postfix/qmgr[3]: %s: from=<s@example.com>, size=100, nrcpt=1 (queue active)\n' "$1" "$2"
  printf '%s mx postfix/smtp[4]: %s: to=<r@example.net>, relay=example.net[198.51.100.1]:25, delay=0.5, delays=0.1/0.1/0.1/0.2, dsn=2.0.0, status=sent (250 ok)\n' "$1" "$2"
  printf '%s mx postfix/qmgr[3]: %s: removed\n' "$1" "$2"
}
{ m "Mar 28 10:00:00" 1A1A1A1A1A; m "Oct 31 10:00:00" 2B2B2B2B2B; m "Dec 31 23:59:59" 3C3C3C3C3C
  m "Jan  1 00:00:01" 4D4D4D4D4D; } > "$tmp/maillog"

"$ml" trace --year 2021 --qid 2B2B2B2B2B --format json "$tmp/maillog" > "$tmp/t2" 2>&1
check "trace: Oct 31 after the gap is 2021" 'grep -q "2021-10-31" "$tmp/t2" && ! grep -q "2020-" "$tmp/t2"'
"$ml" trace --year 2021 --qid 4D4D4D4D4D --format json "$tmp/maillog" > "$tmp/t4" 2>&1
check "trace: Jan 01 after Dec 31 is 2022" 'grep -q "2022-01-01" "$tmp/t4"'
"$ml" export --year 2021 --format csv "$tmp/maillog" > "$tmp/e.csv" 2>&1
check "export: the four dates" 'grep -q 2021-03-28 "$tmp/e.csv" && grep -q 2021-10-31 "$tmp/e.csv" &&
  grep -q 2021-12-31 "$tmp/e.csv" && grep -q 2022-01-01 "$tmp/e.csv" && ! grep -q "2020-" "$tmp/e.csv"'
[[ $fail == 0 ]] || { echo "--- trace"; cat "$tmp/t2" "$tmp/t4"; echo "--- export"; cat "$tmp/e.csv"; }
exit $fail
