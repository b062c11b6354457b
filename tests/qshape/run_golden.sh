#!/usr/bin/env bash
# run_golden.sh - `maillens qshape` against real qshape output recorded on the same queue.
#
# Usage: run_golden.sh MAILLENS SHARED_DIR REPO_DIR
# Each recorded qshape.txt holds sections "# qshape ARGS [(comment)]" followed
# by qshape's table; the postqueue -j snapshot beside it was taken at the same
# moment. For each section we run `maillens qshape ARGS --input SNAPSHOT --now T`
# (qshape's -c DIR dropped) and require byte-identical tables. T is the
# snapshot's reference time, derived as documented in doc/qshape.md:
#   realpostfix-sample: run.log's "snapshot" (05:38:51 UTC) and "final
#     snapshot" (05:39:46 UTC) lines on 2026-11-22.
#   e2e-sample: not recorded; any T from the newest arrival to the oldest
#     arrival + 299 s gives the same table (all ages in the first 5-minute
#     bucket), and both ends of that window are checked.
# Real qshape is never run: it needs a live queue, and no Postfix is started here.
set -uo pipefail
M=$1
SHARED=$2
REPO=$3
fail=0
checked=0

# compare SNAPSHOT QSHAPE_TXT NOW: every section of QSHAPE_TXT against our output.
compare() {
  local snap=$1 golden=$2 now=$3
  local tmp
  tmp=$(mktemp -d)
  awk -v dir="$tmp" '
    /^# qshape/ { n++; f = dir "/" n; hdr = $0; sub(/^# qshape */, "", hdr); sub(/ *\(.*\) *$/, "", hdr);
                  print hdr > (f ".args"); close(f ".args"); next }
    /^$/ { next }
    { print > (f ".want") }' "$golden"
  for a in "$tmp"/*.args; do
    local base=${a%.args}
    # shellcheck disable=SC2207
    local args=($(sed -E 's/(^| )-c +[^ ]+//' "$a"))
    "$M" qshape "${args[@]}" --input "$snap" --now "$now" >"$base.got" 2>"$base.err"
    local rc=$?
    checked=$((checked + 1))
    if [ $rc -ne 0 ] || ! cmp -s "$base.want" "$base.got"; then
      echo "FAIL: $golden: qshape $(cat "$a") (--now $now, exit $rc)"
      diff "$base.want" "$base.got" | head -20
      cat "$base.err"
      fail=1
    fi
  done
  rm -rf "$tmp"
}

RP=$SHARED/corpora/realpostfix-sample
if [ -f "$RP/postqueue.json" ] && [ -f "$RP/qshape.txt" ]; then
  compare "$RP/postqueue.json" "$RP/qshape.txt" 2026-11-22T05:38:51Z
  compare "$RP/postqueue-final.json" "$RP/qshape-final.txt" 2026-11-22T05:39:46Z
else
  echo "note: $RP not present, realpostfix-sample skipped"
fi

E2E=$REPO/tests/data/e2e-sample
newest=$(grep -o '"arrival_time": *[0-9]*' "$E2E/postqueue.json" | grep -o '[0-9]*$' | sort -n | tail -1)
oldest=$(grep -o '"arrival_time": *[0-9]*' "$E2E/postqueue.json" | grep -o '[0-9]*$' | sort -n | head -1)
compare "$E2E/postqueue.json" "$E2E/qshape.txt" "$newest"
compare "$E2E/postqueue.json" "$E2E/qshape.txt" $((oldest + 299))

echo "qshape golden: $checked tables compared"
[ "$checked" -gt 0 ] || fail=1
exit $fail
