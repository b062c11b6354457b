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
echo "promtool_test: ok"
