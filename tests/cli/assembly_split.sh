#!/usr/bin/env bash
# assembly_split.sh MAILLENS - issue 13.1: a message whose qmgr from= line is
# more than an hour after client=, or whose lines surround a stray line of
# another host hours ahead, is one message: report senders and bytes received
# equal pflogsumm's (the oracle), trace prints one message with its delivery,
# export writes one row per message.
set -uo pipefail
ml=$1
logs=$(cd "$(dirname "$0")/../conformance/logs" && pwd)
command -v pflogsumm >/dev/null || { echo "pflogsumm is not installed (scripts/install-deps.sh --test)"; exit 1; }
pass=0 fail=0
check() { local name=$1; shift; if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi; }
# pf LOG LABEL: pflogsumm's grand total LABEL; ml_gt LOG LABEL: maillens report's.
pf() { pflogsumm "$1" 2>/dev/null | awk -v l="$2" '{v=$1; $1=""; sub(/^ +/, ""); if ($0 == l) {print v; exit}}'; }
ml_gt() { "$ml" report "$1" 2>/dev/null | awk -v l="$2" '{v=$1; $1=""; sub(/^ +/, ""); if ($0 == l) {print v; exit}}'; }
for log in late_qmgr stray_host; do
  f=$logs/$log.log
  for label in senders "bytes received" "sending hosts/domains"; do
    p=$(pf "$f" "$label") m=$(ml_gt "$f" "$label")
    check "$log: $label = pflogsumm's ($p)" test -n "$p" -a "$p" = "$m"
  done
  rows=$("$ml" export --records messages "$f" | wc -l)
  msgs=$(grep -c 'client=' "$f")
  check "$log: export writes one row per message ($msgs)" test "$rows" = "$msgs"
  check "$log: every exported row has its sender and size" \
    test "$("$ml" export --records messages "$f" | grep -c '"size":null\|"from":null')" = 0
done
t=$("$ml" trace --qid 163CB3EE5E7F "$logs/late_qmgr.log")
check "trace: one message" test "$(grep -c '^message ' <<<"$t")" = 1
check "trace: with its sender and size" grep -q 'from <s@example.com>, size 12321' <<<"$t"
check "trace: with its delivery" grep -q 'a.foo@example.net: delivered' <<<"$t"
check "trace: no 'no delivery seen'" test "$(grep -c 'no delivery seen' <<<"$t")" = 0
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
