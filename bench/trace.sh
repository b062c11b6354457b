#!/usr/bin/env bash
# trace.sh - time `maillens trace --qid Q` against `maillens report` on the same
# generated log (issue 5: trace within 1.5x of report).
#
# Usage: bench/trace.sh [SIZE]   (default 1G)
#
# The log is maillens-loggen --size SIZE --seed $SEED, cached under bench/data/
# with run.sh's naming (so both scripts share it). The traced queue ID is the
# one of the first "queue active" line after the middle of the file. report and
# trace run alternately RUNS times on a warm page cache; the script prints
# each run's wall time, the medians and the ratio trace/report.
# Environment: MAILLENS, LOGGEN, RUNS (default 3), SEED (default 1).
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
MAILLENS=${MAILLENS:-$ROOT/build/maillens}
LOGGEN=${LOGGEN:-$ROOT/build/bench/maillens-loggen}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
size=${1:-1G}
[[ -x $MAILLENS && -x $LOGGEN ]] || { echo "trace.sh: build maillens and maillens-loggen first" >&2; exit 1; }

tag=$(sha256sum "$LOGGEN" | cut -c1-10)
file="$BENCH_DIR/data/maillog-$size-s$SEED-$tag.log"
mkdir -p "$BENCH_DIR/data"
if [[ ! -s $file ]]; then
  echo "trace.sh: generating $file" >&2
  "$LOGGEN" --size "$size" --seed "$SEED" -o "$file.tmp"
  mv "$file.tmp" "$file"
fi
bytes=$(stat -c %s "$file")
qid=$(set +o pipefail; tail -c +$((bytes / 2)) "$file" | grep -m1 -o '[0-9A-F]\{8,\}: from=<[^>]*>, size=' | cut -d: -f1)
echo "log: $file ($bytes bytes), queue ID: $qid"
cat "$file" > /dev/null  # warm the page cache

# seconds CMD... - wall time of one run (output discarded).
seconds() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > /dev/null
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

report=() trace=()
for ((i = 1; i <= RUNS; i++)); do
  report+=("$(seconds "$MAILLENS" report "$file")")
  trace+=("$(seconds "$MAILLENS" trace --qid "$qid" "$file")")
  echo "run $i: report ${report[-1]} s, trace ${trace[-1]} s"
done
mr=$(median "${report[@]}") mt=$(median "${trace[@]}")
echo "median of $RUNS: report $mr s ($(echo "$bytes / $mr / 1000000" | bc) MB/s), trace --qid $mt s," \
  "ratio trace/report $(echo "scale=2; $mt / $mr" | bc)"
echo "trace output:"
"$MAILLENS" trace --qid "$qid" "$file" | head -5
