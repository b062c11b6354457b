#!/usr/bin/env bash
# guard.sh - lines/s of `maillens guard` (modes extra, auth, aggressive),
# `maillens report` and fail2ban-regex on the same generated log.
#
# Usage: bench/guard.sh [LINES]   (default 5000000)
# Each command runs RUNS (3) times on a warm page cache; the median wall time
# is printed with lines/s. fail2ban-regex (about 70k lines/s) runs on the
# first 200,000 lines of the same file only; its lines/s is for that prefix.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MAILLENS=${MAILLENS:-$ROOT/build/maillens}
LOGGEN=${LOGGEN:-$ROOT/build/bench/maillens-loggen}
RUNS=${RUNS:-3}
LINES=${1:-5000000}
DATA="$ROOT/bench/data"
mkdir -p "$DATA"
log="$DATA/guard-$LINES.log"
[[ -s "$log" ]] || "$LOGGEN" --lines "$LINES" --seed 3 -o "$log"
head -n 200000 "$log" > "$DATA/guard-prefix.log"
cat "$log" > /dev/null  # warm the page cache

# median_time CMD... - median wall seconds of RUNS runs.
median_time() {
  local ts=()
  for ((i = 0; i < RUNS; i++)); do
    local s e
    s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s.%N)
    ts+=("$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f", b - a }')")
  done
  printf '%s\n' "${ts[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}

row() {  # row NAME LINES CMD...
  local name=$1 n=$2; shift 2
  local t; t=$(median_time "$@")
  printf '| %-40s | %8.3f s | %12.0f lines/s |\n' "$name" "$t" "$(awk -v n="$n" -v t="$t" 'BEGIN { print n / t }')"
}

echo "| command ($LINES lines, median of $RUNS) | time | speed |"
echo "| --- | --- | --- |"
row "maillens guard (mode extra)" "$LINES" "$MAILLENS" guard --no-matches "$log"
row "maillens guard --mode auth" "$LINES" "$MAILLENS" guard --no-matches --mode auth "$log"
row "maillens guard --mode aggressive" "$LINES" "$MAILLENS" guard --no-matches --mode aggressive "$log"
row "maillens report" "$LINES" "$MAILLENS" report "$log"
if command -v fail2ban-regex > /dev/null; then
  row "fail2ban-regex postfix[mode=auth] (200k)" 200000 fail2ban-regex "$DATA/guard-prefix.log" "postfix[mode=auth]"
  row "maillens guard --mode auth (same 200k)" 200000 "$MAILLENS" guard --no-matches --mode auth "$DATA/guard-prefix.log"
fi
