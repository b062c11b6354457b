#!/usr/bin/env bash
# run_cli_tests.sh MAILLENS SHARED_DIR - the maillens command as a user meets it:
# bad input (binary junk, NUL bytes, a 5 MB line, invalid UTF-8, truncated
# archives, empty files, missing and unreadable paths) is reported on stderr
# with the file name, the rest of the input is still processed, exit codes are
# the documented ones; compression is found by magic bytes; rotated sets are
# read oldest first; stdin works; JSON is valid; years are right.
set -uo pipefail
ml=$1 shared=$2
sample=$shared/corpora/realpostfix-sample/maillog
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
# check NAME CONDITION...: runs the condition, reports.
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
# jq-less JSON field read: grand total KEY of a JSON report on stdin.
gt() { python3 -c "import json,sys; print(json.load(sys.stdin)['grand_totals']['$1'])"; }

ref_delivered=$("$ml" report --format json "$sample" | gt delivered)
check "sample report has deliveries" test "$ref_delivered" -gt 0

# --- compression by magic bytes, not by name --------------------------------
for z in gzip bzip2 xz zstd; do
  "$z" -c "$sample" > "$work/sample.$z.data"      # a misleading name
  got=$("$ml" report --format json "$work/sample.$z.data" | gt delivered)
  check "$z detected by magic bytes" test "$got" = "$ref_delivered"
done
cat <(gzip -c <(head -800 "$sample")) <(gzip -c <(tail -n +801 "$sample")) > "$work/multi.gz"
check "multi-member gzip" test "$("$ml" report --format json "$work/multi.gz" | gt delivered)" = "$ref_delivered"
check "stdin" test "$("$ml" report --format json < "$sample" | gt delivered)" = "$ref_delivered"
check "stdin as -" test "$(gzip -c "$sample" | "$ml" report --format json - | gt delivered)" = "$ref_delivered"

# --- rotated sets in any order ----------------------------------------------
mkdir -p "$work/rot"
head -600 "$sample" | gzip > "$work/rot/mail.log.2.gz"
sed -n '601,1200p' "$sample" > "$work/rot/mail.log.1"
tail -n +1201 "$sample" > "$work/rot/mail.log"
got=$("$ml" report --format json "$work/rot/mail.log" "$work/rot/mail.log.2.gz" "$work/rot/mail.log.1" | gt delivered)
check "rotated set given newest first" test "$got" = "$ref_delivered"
mkdir -p "$work/dated"
head -900 "$sample" | xz > "$work/dated/maillog-20261120.xz"
tail -n +901 "$sample" > "$work/dated/maillog-20261121"
got=$("$ml" report --format json "$work/dated/maillog-20261121" "$work/dated/maillog-20261120.xz" | gt delivered)
check "dateext set in any order" test "$got" = "$ref_delivered"

# --- bad input: reported, rest processed, exit codes ---------------------------
head -c 200000 /dev/urandom > "$work/junk.bin"
printf 'Nov 22 05:38:34 mx postfix/smtpd[1]: \0\0\0 NUL bytes\n' > "$work/nul.log"
{ head -c 5000000 /dev/zero | tr '\0' 'x'; echo; } > "$work/long.log"
printf 'Nov 22 05:38:34 mx postfix/smtpd[1]: connect from h\xff\xfe\xc0\xaf[192.0.2.1]\n' > "$work/utf8.log"
: > "$work/empty.log"
gzip -c "$sample" | head -c 8000 > "$work/truncated.gz"
"$ml" report --format json "$work/junk.bin" "$work/nul.log" "$work/long.log" "$work/utf8.log" "$work/empty.log" \
  "$sample" > "$work/out.json" 2> "$work/err.txt"
rc=$?
check "junk/NUL/long/UTF-8/empty: exit 0 (nothing lost but junk)" test "$rc" = 0
check "  ... valid JSON" python3 -c "import json; json.load(open('$work/out.json'))"
check "  ... the good file still counted" test "$(gt delivered < "$work/out.json")" = "$ref_delivered"
check "  ... 5 MB line reported with file and offset" grep -q "long.log: byte 0: line .* skipped" "$work/err.txt"

timeout 60 "$ml" report "$work/truncated.gz" "$sample" > /dev/null 2> "$work/err.txt"
rc=$?
check "truncated gzip: exit 1" test "$rc" = 1
check "  ... reported with file name" grep -q "truncated.gz: byte [0-9]*: truncated gzip archive" "$work/err.txt"

for z in bzip2 xz zstd; do
  "$z" -c "$sample" | head -c 6000 > "$work/truncated.$z"
  timeout 60 "$ml" report "$work/truncated.$z" > /dev/null 2> "$work/err.txt"
  rc=$?
  check "truncated $z: exit 1 and reported" bash -c "[ $rc = 1 ] && grep -q 'truncated.$z: byte [0-9]*: .*$z' '$work/err.txt'"
done

"$ml" report --format json "$work/does-not-exist.log" "$sample" > "$work/out.json" 2> "$work/err.txt"
rc=$?
check "missing file: exit 1" test "$rc" = 1
check "  ... named on stderr" grep -q "does-not-exist.log: no such file" "$work/err.txt"
check "  ... the rest processed" test "$(gt delivered < "$work/out.json")" = "$ref_delivered"
if [ "$(id -u)" != 0 ]; then
  cp "$sample" "$work/unreadable.log" && chmod 000 "$work/unreadable.log"
  "$ml" report "$work/unreadable.log" > /dev/null 2>&1
  check "unreadable file: exit 1" test "$?" = 1
fi
"$ml" report "$work" > /dev/null 2> "$work/err.txt"
check "directory: exit 1" test "$?" = 1
"$ml" report --format yaml "$sample" > /dev/null 2>&1
check "bad option value: exit 2" test "$?" = 2
"$ml" report --no-such-option > /dev/null 2>&1
check "unknown option: exit 2" test "$?" = 2
"$ml" report -d someday "$sample" > /dev/null 2>&1
check "bad -d: exit 2" test "$?" = 2
"$ml" report -d abcd-ef-gh "$sample" > /dev/null 2>&1
check "-d with letters in a date: exit 2, no crash" test "$?" = 2
"$ml" report -d 2026-13-45 "$sample" > /dev/null 2>&1
check "-d with an impossible date: exit 2" test "$?" = 2
check "--help" bash -c "\"$ml\" report --help > /dev/null"

# --- attacker-controlled text never reaches the terminal raw --------------------
printf 'Nov 22 05:38:34 mx postfix/smtpd[1]: \033]0;pwned\007 hello\n' > "$work/esc.log"
"$ml" report --unparsed "$work/unparsed.txt" "$work/esc.log" > "$work/out.txt" 2>&1
check "no ESC in report output" bash -c "! grep -q $'\033' '$work/out.txt'"
check "--unparsed writes the raw line" grep -q 'pwned' "$work/unparsed.txt"

# --- years ----------------------------------------------------------------------
pp=$shared/corpora/postfix-logsums-pixelpark/mail.log.gz
first=$("$ml" report --format json "$pp" | python3 -c "import json,sys; print(json.load(sys.stdin)['per_day'][0]['date'])")
check "RFC 3339 year kept (pixelpark: 2023-03-14)" test "$first" = 2023-03-14
printf 'Dec 31 23:59:00 mx postfix/smtpd[1]: 1A2B3C4D5E: client=a[192.0.2.1]\nJan  1 00:01:00 mx postfix/smtpd[1]: 2A2B3C4D5E: client=a[192.0.2.1]\n' > "$work/newyear.log"
touch -d '2027-01-01 12:00' "$work/newyear.log"
days=$("$ml" report --format json "$work/newyear.log" | python3 -c "import json,sys; print(' '.join(d['date'] for d in json.load(sys.stdin)['per_day']))")
check "Dec -> Jan rollover from the file's mtime" test "$days" = "2026-12-31 2027-01-01"
days=$("$ml" report --format json --year 2019 "$work/newyear.log" | python3 -c "import json,sys; print(' '.join(d['date'] for d in json.load(sys.stdin)['per_day']))")
check "--year sets the first line's year" test "$days" = "2019-12-31 2020-01-01"
check "-d filters by date" test "$("$ml" report --format json -d 2026-12-31 "$work/newyear.log" | gt received)" = 1

# --- unparsed lines are counted per program ---------------------------------------
printf 'Nov 22 05:38:34 mx postfix/smtpd[1]: something new in Postfix 9\nNov 22 05:38:35 mx opendkim[2]: ABC: DKIM-Signature added\n' > "$work/unknown.log"
"$ml" report --format json "$work/unknown.log" > "$work/out.json"
check "unparsed counted per program" python3 -c "
import json; j=json.load(open('$work/out.json'))
assert j['unparsed']['by_program'] == {'postfix/smtpd': 1}, j['unparsed']
assert j['other_programs'] == {'opendkim': 1}, j['other_programs']"
check "real Postfix 3.7 sample: zero unparsed" test "$("$ml" report --format json "$sample" | python3 -c "import json,sys; print(json.load(sys.stdin)['unparsed']['total'])")" = 0

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
