#!/usr/bin/env bash
# promtool_test.sh MAILLENS - `promtool check metrics` is clean on `maillens metrics`
# output for the bundled samples, and the counters match the sample's lines.
set -euo pipefail
maillens=$1
data=$(cd "$(dirname "$0")/../data" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for log in "$data/realpostfix-sample/maillog"; do
  "$maillens" metrics "$log" > "$tmp/out.prom"
  promtool check metrics < "$tmp/out.prom"
  # Lines read equals the log's line count.
  want=$(wc -l < "$log")
  got=$(awk '$1 == "maillens_lines_read_total" {print $2}' "$tmp/out.prom")
  [ "$got" = "$want" ] || { echo "lines_read $got != $want"; exit 1; }
  # smtpd connects equal the smtpd "connect from" lines (any service name).
  want=$(grep -cE 'postfix(/[a-z0-9_-]+)*/smtpd\[[0-9]+\]: connect from ' "$log" || true)
  got=$(awk '$1 == "postfix_smtpd_connects_total" {print $2}' "$tmp/out.prom")
  [ "$got" = "$want" ] || { echo "smtpd_connects $got != $want"; exit 1; }
done
# --syslog-name: a multi-instance Postfix logging as "mta" counts only with it.
printf 'Nov 22 05:38:35 mx mta/smtpd[1]: connect from a.example[192.0.2.1]\n' > "$tmp/mta.log"
got=$("$maillens" metrics "$tmp/mta.log" | awk '$1 == "postfix_smtpd_connects_total" {print $2}')
[ "$got" = 0 ] || { echo "mta lines counted without --syslog-name: $got"; exit 1; }
got=$("$maillens" metrics --syslog-name mta "$tmp/mta.log" | awk '$1 == "postfix_smtpd_connects_total" {print $2}')
[ "$got" = 1 ] || { echo "--syslog-name mta: smtpd_connects $got != 1"; exit 1; }
echo "promtool_test: ok"
