#!/usr/bin/env bash
# cli.sh - `maillens trace` on the command line: --format lines is the grep of
# the message and its hops, compressed input and stdin give the same output,
# usage errors exit 2, a missing file exits 1.
# Usage: cli.sh MAILLENS MAILLOG (the e2e sample: C3FD3A7263B re-queued as C93A5A7263E).
set -u
ml=$1 log=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }

"$ml" trace --qid C3FD3A7263B --format lines "$log" > "$tmp/lines"
grep -E 'C3FD3A7263B|C93A5A7263E' "$log" > "$tmp/grep"
# The lines output adds the smtpd connect lines of both sessions.
check "lines = grep of both queue IDs + the sessions' connect lines" \
  'grep -v "connect from" "$tmp/lines" | cmp -s - "$tmp/grep" && [[ $(grep -c "connect from" "$tmp/lines") == 2 ]]'
"$ml" trace --qid C3FD3A7263B "$log" > "$tmp/text"
check "text shows the hop indented" 'grep -q "^    message mx C93A5A7263E" "$tmp/text"'
gzip -c "$log" > "$tmp/maillog.gz"
"$ml" trace --qid C3FD3A7263B "$tmp/maillog.gz" > "$tmp/text.gz"
check "gzip input, same output" 'cmp -s "$tmp/text" "$tmp/text.gz"'
"$ml" trace --qid C3FD3A7263B < "$log" > "$tmp/text.stdin"
check "stdin, same output" 'cmp -s "$tmp/text" "$tmp/text.stdin"'
"$ml" trace --qid C3FD3A7263B --format json "$log" | python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin]
assert [o["queue_id"] for o in objs] == ["C3FD3A7263B", "C93A5A7263E"], objs
assert objs[0]["links"][0]["queue_id"] == "C93A5A7263E" and objs[1]["parent"]["queue_id"] == "C3FD3A7263B"
'; rc=$?
check "json: parent, hop and link" '[[ $rc == 0 ]]'
"$ml" trace --from '(' --regex "$log" > /dev/null 2>&1; rc=$?
check "bad regex exits 2" '[[ $rc == 2 ]]'
"$ml" trace --client 10.0.0.0/40 "$log" > /dev/null 2>&1; rc=$?
check "bad CIDR exits 2" '[[ $rc == 2 ]]'
"$ml" trace --since yesterdayish "$log" > /dev/null 2>&1; rc=$?
check "bad time exits 2" '[[ $rc == 2 ]]'
"$ml" trace --qid X "$tmp/missing" > /dev/null 2>&1; rc=$?
check "missing file exits 1 (doc/exit-codes.md)" '[[ $rc == 1 ]]'
exit $fail
