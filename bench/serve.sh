#!/usr/bin/env bash
# serve.sh [LINES] - sustained follow throughput of `maillens serve`: the
# time it takes to read a generated log of LINES lines (default 2M) from
# the start, through the whole live pipeline (parser, assembler, alert
# windows, summary totals, guard), measured by polling its own
# lines-read counter; median of 3 runs. Also the time of one /metrics scrape.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-2000000}
ML=build/maillens
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
build/bench/maillens-loggen --lines "$LINES" --seed 5 -o "$tmp/mail.log"
n=$(wc -l < "$tmp/mail.log")
printf '[serve]\nqueue = false\n[guard]\nmode = "extra"\n' > "$tmp/cfg.toml"
times=()
for run in 1 2 3; do
  rm -f "$tmp/ckpt"
  $ML serve --config "$tmp/cfg.toml" --listen 127.0.0.1:0 --from-start --checkpoint "$tmp/ckpt" "$tmp/mail.log" 2> "$tmp/err" &
  pid=$!
  t0=$(date +%s.%N)
  port=""
  while [ -z "$port" ]; do port=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/err" | sed 's/.*://' || true); sleep 0.01; done
  while :; do
    got=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^maillens_serve_lines_read_total /{print $2}')
    [ "$got" = "$n" ] && break
    sleep 0.05
  done
  t1=$(date +%s.%N)
  scrape=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/metrics")
  kill $pid; wait $pid || true
  times+=("$(echo "$t1 - $t0" | bc -l)")
  echo "run $run: $(printf '%.3f' "${times[-1]}") s, scrape ${scrape} s"
done
med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)
echo "lines=$n median=$(printf '%.3f' "$med") s => $(echo "$n / $med" | bc) lines/s"
