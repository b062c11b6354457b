#!/usr/bin/env bash
# run.sh - time maillens against pflogsumm, wc -l and zcat on a generated log.
#
# Usage:
#   bench/run.sh SIZE              e.g. bench/run.sh 100M, bench/run.sh 1G
#   bench/run.sh --rss SIZE1 SIZE2 maillens peak RSS at two sizes and their ratio
#   bench/run.sh --export SIZE     maillens export (each record kind, each format) against report
#
# The log comes from maillens-loggen (--size SIZE --seed $SEED) and is cached
# under bench/data/ together with its gzip copy; the cache key includes the
# generator binary's hash, so a changed generator regenerates the data. Each
# command runs RUNS times on a warm page cache; the table shows the median wall
# time, throughput in MB/s (10^6 bytes of uncompressed log per second), the
# ratio to `maillens report FILE`, and the median peak RSS (/usr/bin/time %M).
# pflogsumm is slow: on files over 200 MiB it is timed on a 100 MiB prefix
# (whole lines) and its time is scaled by size, which the table says.
#
# Environment:
#   MAILLENS  maillens binary   (default: build/maillens under the repo root)
#   LOGGEN    generator binary  (default: build/bench/maillens-loggen)
#   RUNS      runs per command  (default: 3)
#   SEED      generator seed    (default: 1)
# A placeholder binary works for a dry run of the timing logic:
#   MAILLENS=/bin/cat bench/run.sh 20M   (cat exits 1 on "report": warned, kept)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
DATA="$BENCH_DIR/data"
MAILLENS=${MAILLENS:-$ROOT/build/maillens}
LOGGEN=${LOGGEN:-$ROOT/build/bench/maillens-loggen}
RUNS=${RUNS:-3}
SEED=${SEED:-1}
PREFIX_BYTES=$((100 * 1024 * 1024))  # pflogsumm sample on big files
BIG_BYTES=$((200 * 1024 * 1024))     # "big" threshold for pflogsumm

die() { echo "run.sh: $*" >&2; exit 1; }
warn() { echo "run.sh: warning: $*" >&2; }
usage() { sed -n '3,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# need_binary NAME PATH HINT - fails clearly unless PATH is an executable file.
need_binary() {
  [[ -x "$2" && ! -d "$2" ]] || die "$1 not found or not executable: $2
  $3"
}

# ensure_time - /usr/bin/time is needed for peak RSS; install it if we can.
ensure_time() {
  [[ -x /usr/bin/time ]] && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "run.sh: installing package 'time' for /usr/bin/time" >&2
    apt-get install -y -qq time >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null; } ||
      die "could not install package 'time'"
  else
    die "/usr/bin/time missing: install the 'time' package (apt-get install time)"
  fi
}

# size_bytes SIZE - "100M" -> 104857600 (suffixes k, M, G are powers of 1024).
size_bytes() {
  local s=$1 n=${1%[kKmMgG]} mult=1
  [[ $s =~ ^[0-9]+[kKmMgG]?$ ]] || die "bad size '$s' (want e.g. 100M or 1G)"
  case $s in
    *[kK]) mult=1024 ;;
    *[mM]) mult=$((1024 * 1024)) ;;
    *[gG]) mult=$((1024 * 1024 * 1024)) ;;
  esac
  echo $((n * mult))
}

# dataset SIZE - prints the path of the cached log of that size, generating it if needed.
dataset() {
  local size=$1 tag file
  tag=$(sha256sum "$LOGGEN" | cut -c1-10)
  file="$DATA/maillog-$size-s$SEED-$tag.log"
  mkdir -p "$DATA"
  if [[ ! -s $file ]]; then
    rm -f "$DATA/maillog-$size-s$SEED-"*.log "$DATA/maillog-$size-s$SEED-"*.log.gz "$DATA/maillog-$size-s$SEED-"*.prefix
    echo "run.sh: generating $file" >&2
    "$LOGGEN" --size "$size" --seed "$SEED" -o "$file.tmp"
    mv "$file.tmp" "$file"
  fi
  echo "$file"
}

# gz_of FILE - prints FILE.gz, compressing once.
gz_of() {
  if [[ ! -s $1.gz ]]; then
    echo "run.sh: compressing $1" >&2
    gzip -c "$1" > "$1.gz.tmp"
    mv "$1.gz.tmp" "$1.gz"
  fi
  echo "$1.gz"
}

# prefix_of FILE - prints a file holding the whole lines in FILE's first 100 MiB.
prefix_of() {
  local p=${1%.log}.prefix n
  if [[ ! -s $p ]]; then
    n=$(head -c "$PREFIX_BYTES" "$1" | wc -l)
    head -n "$n" "$1" > "$p.tmp"
    mv "$p.tmp" "$p"
  fi
  echo "$p"
}

# median N... - the median of integers (mean of the middle two for an even count).
median() {
  printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 }
    END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%d\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# measure CMD... - runs CMD (stdout to /dev/null) RUNS times; sets T_US (median
# wall microseconds) and RSS_KB (median peak RSS in KiB).
measure() {
  local -a times=() rss=()
  local i t0 t1 status failed=0
  for ((i = 0; i < RUNS; i++)); do
    status=0
    t0=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$TMP/rss" "$@" > /dev/null 2> "$TMP/err" || status=$?
    t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000)))
    rss+=("$(tail -n 1 "$TMP/rss")")
    if ((status != 0 && !failed)); then
      failed=1
      warn "'$*' exited with status $status (timing kept); stderr: $(head -c 300 "$TMP/err" | tr '\n' ' ')"
    fi
  done
  T_US=$(median "${times[@]}")
  RSS_KB=$(median "${rss[@]}")
}

# row LABEL T_US RSS_KB BYTES - one table line; the ratio is against $BASE_US.
row() {
  awk -v label="$1" -v us="$2" -v kb="$3" -v bytes="$4" -v base="$BASE_US" 'BEGIN {
    s = us / 1e6; mbs = (s > 0) ? bytes / 1e6 / s : 0
    printf "%-44s %10.3f %10.1f %10.2fx %12.1f\n", label, s, mbs, (base > 0 ? us / base : 0), kb / 1024
  }'
}

# bench SIZE - the full comparison on one log size.
bench() {
  local size=$1 file gz bytes lines prefix pbytes
  file=$(dataset "$size")
  gz=$(gz_of "$file")
  bytes=$(stat -c %s "$file")
  lines=$(wc -l < "$file")
  cat "$file" "$gz" > /dev/null  # warm the page cache for every tool alike

  echo "maillens benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "log: $file"
  echo "     $bytes bytes, $lines lines; gzip: $(stat -c %s "$gz") bytes; generator: $LOGGEN --size $size --seed $SEED"
  echo "runs per command: $RUNS (median shown); MB/s = 10^6 bytes of uncompressed log per second"
  echo
  printf "%-44s %10s %10s %11s %12s\n" "tool" "seconds" "MB/s" "vs maillens" "peak RSS MB"

  measure "$MAILLENS" report "$file"
  BASE_US=$T_US
  row "maillens report FILE" "$T_US" "$RSS_KB" "$bytes"

  if command -v pflogsumm > /dev/null; then
    if ((bytes > BIG_BYTES)); then
      prefix=$(prefix_of "$file")
      pbytes=$(stat -c %s "$prefix")
      measure pflogsumm "$prefix"
      T_US=$(awk -v t="$T_US" -v b="$bytes" -v p="$pbytes" 'BEGIN { printf "%d", t * b / p }')
      row "pflogsumm FILE (scaled from 100 MiB prefix)*" "$T_US" "$RSS_KB" "$bytes"
      PFLOG_NOTE="* pflogsumm ran on the first $pbytes bytes (whole lines) of the log; its time is scaled by $bytes/$pbytes and its RSS is the prefix run's."
    else
      measure pflogsumm "$file"
      row "pflogsumm FILE" "$T_US" "$RSS_KB" "$bytes"
    fi
  else
    warn "pflogsumm not installed: skipped (apt-get install pflogsumm)"
  fi

  measure wc -l "$file"
  row "wc -l FILE" "$T_US" "$RSS_KB" "$bytes"
  measure zcat "$gz"
  row "zcat FILE.gz" "$T_US" "$RSS_KB" "$bytes"
  measure "$MAILLENS" report "$gz"
  row "maillens report FILE.gz" "$T_US" "$RSS_KB" "$bytes"
  if [[ -n ${PFLOG_NOTE:-} ]]; then echo; echo "$PFLOG_NOTE"; fi
}

# export_bench SIZE - `maillens export` of each record kind as JSON lines, and
# deliveries as CSV, all four kinds into SQLite, against `maillens report` on
# the same log in the same run (output to /dev/null; SQLite to a temp file).
export_bench() {
  local size=$1 file bytes k
  file=$(dataset "$size")
  bytes=$(stat -L -c %s "$file")
  cat "$file" > /dev/null
  echo "maillens export benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "log: $file ($bytes bytes, $(wc -l < "$file") lines); runs per command: $RUNS (median shown)"
  echo
  printf "%-44s %10s %10s %11s %12s\n" "command" "seconds" "MB/s" "vs report" "peak RSS MB"
  measure "$MAILLENS" report "$file"
  BASE_US=$T_US
  row "maillens report FILE" "$T_US" "$RSS_KB" "$bytes"
  for k in deliveries messages rejects connections; do
    measure "$MAILLENS" export --records "$k" --format jsonl "$file"
    row "export --records $k --format jsonl" "$T_US" "$RSS_KB" "$bytes"
  done
  measure "$MAILLENS" export --records deliveries --format csv "$file"
  row "export --records deliveries --format csv" "$T_US" "$RSS_KB" "$bytes"
  measure "$MAILLENS" export --format sqlite -o "$TMP/export.db" "$file"
  row "export --format sqlite -o FILE (all four)" "$T_US" "$RSS_KB" "$bytes"
  rm -f "$TMP/export.db"
}

# rss SIZE1 SIZE2 - maillens peak RSS at two sizes, and their ratio.
rss() {
  local a=$1 b=$2 fa fb ka kb
  fa=$(dataset "$a")
  fb=$(dataset "$b")
  cat "$fa" "$fb" > /dev/null
  measure "$MAILLENS" report "$fa"
  ka=$RSS_KB
  measure "$MAILLENS" report "$fb"
  kb=$RSS_KB
  awk -v a="$a" -v b="$b" -v ka="$ka" -v kb="$kb" 'BEGIN {
    printf "maillens report peak RSS (median of '"$RUNS"' runs)\n"
    printf "  %-6s %10.1f MB\n", a, ka / 1024
    printf "  %-6s %10.1f MB\n", b, kb / 1024
    printf "  ratio %s/%s: %.2f\n", b, a, (ka > 0 ? kb / ka : 0)
  }'
}

main() {
  [[ $# -ge 1 ]] || usage
  [[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"
  need_binary "maillens-loggen" "$LOGGEN" \
    "build it (cmake --build build --target maillens-loggen, or g++ -std=c++20 -O2 -o build/bench/maillens-loggen bench/loggen.cc) or set LOGGEN="
  need_binary "maillens" "$MAILLENS" "build it (cmake --build build) or set MAILLENS="
  ensure_time
  TMP=$(mktemp -d)
  trap 'rm -rf "$TMP"' EXIT
  if [[ $1 == --export ]]; then
    [[ $# -eq 2 ]] || usage
    size_bytes "$2" > /dev/null
    export_bench "$2"
  elif [[ $1 == --rss ]]; then
    [[ $# -eq 3 ]] || usage
    size_bytes "$2" > /dev/null
    size_bytes "$3" > /dev/null
    rss "$2" "$3"
  else
    [[ $# -eq 1 ]] || usage
    size_bytes "$1" > /dev/null
    bench "$1"
  fi
}

main "$@"
