#!/usr/bin/env bash
# clickhouse.sh [SIZE] - `export --format clickhouse` end to end (parse +
# RowBinary + gzip + HTTP into one local clickhouse-server) against
# ClickHouse's own insert rate for the same rows: each table's rows read back
# as a RowBinary file and inserted with clickhouse-client into an empty copy
# of the table. Same server, same run; median of 3 of each. SIZE of the
# generated log: default 200M; COMPRESS=none sends uncompressed bodies.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-200M}
ML=build/maillens
. tests/export/clickhouse_server.sh
clickhouse_bins || { echo "clickhouse-server/client not installed"; exit 1; }
tmp=$(mktemp -d)
trap 'stop_clickhouses; rm -rf "$tmp"' EXIT
start_clickhouse "$tmp/ch" > /dev/null
q() { "$CH_CLIENT" --port "$CH_TCP" --query "$1"; }
build/bench/maillens-loggen --size "$SIZE" --seed 11 -o "$tmp/mail.log"
mb=$(( $(stat -c %s "$tmp/mail.log") / 1048576 ))
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ours=() theirs=()
for run in 1 2 3; do
  q "DROP DATABASE IF EXISTS b"
  t0=$(date +%s.%N)
  $ML export --quiet --format clickhouse --compress "${COMPRESS:-gzip}" --url "$CH_HTTP" --database b "$tmp/mail.log"
  t1=$(date +%s.%N)
  ours+=("$(echo "$t1 - $t0" | bc)")
  rows=0 t=0
  for k in messages deliveries rejects connections; do
    [ "$run" = 1 ] && q "SELECT * FROM b.$k FORMAT RowBinary" > "$tmp/$k.bin"
    q "DROP TABLE IF EXISTS b.${k}_copy"
    q "CREATE TABLE b.${k}_copy AS b.$k"
    t0=$(date +%s.%N)
    "$CH_CLIENT" --port "$CH_TCP" --query "INSERT INTO b.${k}_copy FORMAT RowBinary" < "$tmp/$k.bin"
    t1=$(date +%s.%N)
    t=$(echo "$t + $t1 - $t0" | bc)
    rows=$(( rows + $(q "SELECT count() FROM b.$k") ))
  done
  theirs+=("$t")
done
o=$(median "${ours[@]}") c=$(median "${theirs[@]}")
echo "log: $mb MB, $rows rows in 4 tables (ClickHouse $(q 'SELECT version()'))"
printf 'maillens export --format clickhouse (parse + ship): %.2f s  %.0f rows/s  %.0f MB/s of log\n' "$o" "$(echo "$rows / $o" | bc -l)" "$(echo "$mb / $o" | bc -l)"
printf 'clickhouse-client INSERT of the same rows (RowBinary files): %.2f s  %.0f rows/s\n' "$c" "$(echo "$rows / $c" | bc -l)"
printf 'ratio (clickhouse-client time / maillens time): %.2f\n' "$(echo "$c / $o" | bc -l)"
