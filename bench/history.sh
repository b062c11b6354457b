#!/usr/bin/env bash
# history.sh [SIZE] - the history store (doc/history.md), measured in one run:
#  1. `history import` of a generated log of SIZE (default 1G) against
#     `report --format json` of the same file: median of 3 each, alternating;
#  2. the store's size for one day of a ~1M-line/day generated log;
#  3. /api/history latency over 14 days of per-minute rows (20,160 minutes,
#     all columns) and /api/history/top over the same range: serve on the
#     imported store, median of 20 requests each (curl's time_total).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1G}
ML=build/maillens
GEN=build/bench/maillens-loggen
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
export TZ=UTC
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }

# 1. import vs report.
$GEN --size "$SIZE" --days 7 --seed 3 --start "2026-11-02 00:00:00" -o "$tmp/big.log"
bytes=$(stat -c %s "$tmp/big.log"); lines=$(wc -l < "$tmp/big.log")
rep=(); imp=()
for run in 1 2 3; do
  rep+=("$(secs $ML report --year 2026 --format json "$tmp/big.log")")
  rm -f "$tmp/big.db"*
  imp+=("$(secs $ML history import --quiet --year 2026 --db "$tmp/big.db" "$tmp/big.log")")
  echo "run $run: report ${rep[-1]} s, history import ${imp[-1]} s"
done
r=$(printf '%s\n' "${rep[@]}" | med); i=$(printf '%s\n' "${imp[@]}" | med)
echo "log: $bytes bytes, $lines lines"
printf 'report median %.2f s (%.0f MB/s), import median %.2f s (%.0f MB/s): import = %.2fx report speed\n' \
  "$r" "$(echo "$bytes / $r / 1000000" | bc -l)" "$i" "$(echo "$bytes / $i / 1000000" | bc -l)" "$(echo "$r / $i" | bc -l)"

# 2. size per day, ~1M lines a day.
$GEN --lines 1000000 --days 1 --seed 4 --start "2026-11-02 00:00:00" -o "$tmp/day.log"
$ML history import --quiet --year 2026 --db "$tmp/day.db" "$tmp/day.log"
sqlite3 "$tmp/day.db" "PRAGMA wal_checkpoint(TRUNCATE); VACUUM;" > /dev/null
echo "one day of $(wc -l < "$tmp/day.log") lines: store $(stat -c %s "$tmp/day.db") bytes;" \
     "rows: $(sqlite3 "$tmp/day.db" 'SELECT (SELECT COUNT(*) FROM minutes) || " minutes, " || (SELECT COUNT(*) FROM hours) || " hour rows"')"

# 3. API latency on 14 days of minutes.
$GEN --lines 2000000 --days 14 --seed 6 --start "2026-11-02 00:00:00" -o "$tmp/14d.log"
$ML history import --quiet --year 2026 --db "$tmp/14d.db" "$tmp/14d.log"
echo "14 days: $(sqlite3 "$tmp/14d.db" 'SELECT COUNT(*) FROM minutes') minute rows, $(sqlite3 "$tmp/14d.db" 'SELECT COUNT(*) FROM hours') hour rows"
: > "$tmp/empty.log"
$ML serve --no-queue --listen 127.0.0.1:0 --history "$tmp/14d.db" --now 2026-11-16T00:00:00 "$tmp/empty.log" 2> "$tmp/err" &
port=""
while [ -z "$port" ]; do port=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/err" | sed 's/.*://' || true); sleep 0.05; done
for q in "history?step=minute&from=2026-11-02&until=2026-11-16" "history?step=hour&from=2026-11-02&until=2026-11-16" \
         "history/top?dim=rcpt_domain&measure=bounced&from=2026-11-02&until=2026-11-16&limit=20" \
         "history/top?dim=client_net&measure=rejected&from=2026-11-02&until=2026-11-16&limit=20"; do
  ts=(); for n in $(seq 20); do ts+=("$(curl -s -o "$tmp/body" -w '%{time_total}' "http://127.0.0.1:$port/api/$q")"); done
  echo "/api/$q: median $(printf '%s\n' "${ts[@]}" | med) s, $(stat -c %s "$tmp/body") bytes"
done
