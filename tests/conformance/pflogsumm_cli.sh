#!/usr/bin/env bash
# pflogsumm_cli.sh MAILLENS SHARED_DIR - pflogsumm's command line: the binary
# called through a `pflogsumm` symlink and `maillens pflogsumm ARGS` take
# pflogsumm 1.1.5's options (underscore and dash forms, Getopt::Long
# abbreviations, deprecated --no_*_detail) and print the same report as
# `maillens report` with the same options.
set -uo pipefail
ml=$1 shared=$2
log="$shared/corpora/realpostfix-sample/maillog"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C TZ=UTC
ln -s "$(readlink -f "$ml")" "$work/pflogsumm"
fails=0
check() {
  local name=$1; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
full=(-e --smtpd-stats --detail 99999 -h 99999 -u 99999)
"$ml" report "${full[@]}" "$log" > "$work/report.txt"
"$work/pflogsumm" -e --smtpd_stats --detail 99999 -h 99999 -u 99999 "$log" > "$work/symlink.txt"
check "symlink pflogsumm with underscores = maillens report" cmp -s "$work/report.txt" "$work/symlink.txt"
"$ml" pflogsumm "$log" -e --smtpd-stats --detail=99999 -h=99999 -u 99999 > "$work/sub.txt"
check "maillens pflogsumm (options after files, =values)" cmp -s "$work/report.txt" "$work/sub.txt"
"$ml" pflogsumm -e --smtpd_st --det 99999 -h 99999 -u 99999 "$log" > "$work/abbrev.txt"
check "Getopt::Long abbreviations" cmp -s "$work/report.txt" "$work/abbrev.txt"
"$ml" report -e --smtpd_stats --detail 99999 -h 99999 -u 99999 "$log" > "$work/report_us.txt"
check "maillens report takes --smtpd_stats" cmp -s "$work/report.txt" "$work/report_us.txt"
"$ml" pflogsumm --no_bounce_detail "$log" > "$work/nb.txt" 2> "$work/nb.err"
check "--no_bounce_detail: deprecation warning" grep -q 'no_bounce_detail" is deprecated, use "bounce-detail=0" instead' "$work/nb.err"
check "--no_bounce_detail: no bounce section" bash -c "! grep -q 'message bounce detail' '$work/nb.txt'"
"$ml" pflogsumm -h 0 -u 0 "$log" > "$work/h0.txt"
check "-h 0 -u 0: no host/domain or user sections" bash -c "! grep -q 'Host/Domain Summary\|Senders by' '$work/h0.txt'"
"$ml" pflogsumm --detail 2 "$log" > "$work/d2.txt"
check "--detail 2: top 2" grep -q '^top 2 Senders by message count$' "$work/d2.txt"
"$ml" pflogsumm --no-such-option "$log" > /dev/null 2> "$work/bad.err"
check "unknown option: exit 2 and usage" bash -c "[ $? = 2 ] && grep -q '^usage: pflogsumm' '$work/bad.err'"
check "--help prints usage" bash -c "'$work/pflogsumm' --help | grep -q 'verp-mung'"
"$ml" pflogsumm --verp-mung=2 --rej-add-from -i -m --verbose-msg-detail --iso-date-time --zero-fill \
  --problems-first -q --no-no-msg-size --smtpd-warning-detail 1 "$log" > "$work/all.txt"
check "every option accepted" test -s "$work/all.txt"
for v in "--verp-mung" "--verp-mung=2" "--verp_mung=2"; do
  "$ml" report $v "$log" > "$work/v1.txt" && "$ml" pflogsumm $v "$log" > "$work/v2.txt"
  check "report $v = pflogsumm $v" cmp -s "$work/v1.txt" "$work/v2.txt"
done
if command -v pflogsumm >/dev/null; then
  /usr/sbin/pflogsumm -e --smtpd_stats --detail 99999 -h 99999 -u 99999 "$log" > "$work/pf.txt"
  check "same lines as pflogsumm 1.1.5 (any order)" cmp -s <(sort "$work/pf.txt") <(sort "$work/symlink.txt")
fi
echo "pflogsumm command line: $fails failed"
[ "$fails" = 0 ]
