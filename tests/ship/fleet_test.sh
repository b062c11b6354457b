#!/usr/bin/env bash
# fleet_test.sh MAILLENS SOURCE_DIR LOGGEN - a fleet into a sharded
# ClickHouse (issue 16 item 6): two clickhouse-server shards behind
# Distributed tables (`maillens clickhouse schema --cluster`), two hosts'
# logs (the bundled real-Postfix sample, host mx, shard 1; a generated log,
# host relay3, shard 2) shipped live by two `serve --ship` processes, one
# through each server. Mid-ship the second shard is SIGKILLed for a while
# (INSERTs through the Distributed tables fail and wait in the spools) and
# one serve is SIGKILLed and restarted. Afterwards every delivery and reject
# of both logs is stored exactly once: count and checksum per table equal a
# one-shot export of the same logs into a plain database.
# Exit 77 (ctest SKIP_RETURN_CODE) only when clickhouse-server is missing.
set -uo pipefail
ml=$1 src=$2 loggen=$3
. "$src/tests/export/clickhouse_server.sh"
ch_test_setup
serve_pids=()
trap 'for p in "${serve_pids[@]}"; do kill -9 "$p" 2>/dev/null; done; ch_test_cleanup' EXIT

start_fleet || exit 1
shard2=$shard2_pid
"$ml" clickhouse schema --cluster fleet --database fleet --apply --url "http://127.0.0.1:$h1" --url "http://127.0.0.1:$h2" ||
  bad "schema --cluster --apply"

cp "$src/tests/data/realpostfix-sample/maillog" "$work/mx.full"
"$loggen" --seed 4 --size 3M --host relay3 --start "2026-11-22 00:00:00" -o "$work/relay3.full"
for h in mx relay3; do
  split -n l/3 -d "$work/$h.full" "$work/$h.part."
  : > "$work/$h.log"
  printf '[serve]\ncheckpoint_interval = 1\nqueue = false\n' > "$work/$h.toml"
done

# start_serve HOST HTTP_PORT - serve following HOST's log, shipping through that server.
declare -A port pid
start_serve() {
  local h=$1 via=$2 p=""
  "$ml" serve --config "$work/$h.toml" --listen 127.0.0.1:0 --from-start --year 2026 --now 2026-11-23T00:00:00 \
    --checkpoint "$work/$h.ckpt" --ship "clickhouse://127.0.0.1:$via/fleet" "$work/$h.log" 2> "$work/$h.err" &
  pid[$h]=$!
  serve_pids+=("$!")
  for _ in $(seq 1 100); do
    p=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/$h.err" | sed 's/.*://')
    [ -n "$p" ] && break
    sleep 0.1
  done
  [ -n "$p" ] || { bad "serve $h did not start: $(cat "$work/$h.err")"; exit 1; }
  port[$h]=$p
}
metric() { curl -s "http://127.0.0.1:${port[$1]}/metrics" | awk -v m="$2" '$1 == m {print $2}'; }
# settled HOST - serve read its whole log, checkpointed twice since, and its spool is empty.
settled() {
  local h=$1 n cp
  n=$(wc -l < "$work/$h.log" | tr -d ' ')
  for _ in $(seq 1 600); do [ "$(metric "$h" maillens_serve_lines_read_total)" = "$n" ] && break; sleep 0.1; done
  cp=$(metric "$h" maillens_serve_checkpoints_total)
  for _ in $(seq 1 600); do
    [ "$(metric "$h" maillens_serve_checkpoints_total)" -ge $((cp + 2)) ] && [ "$(metric "$h" maillens_ship_spool_batches)" = 0 ] && return 0
    sleep 0.1
  done
  return 1
}

start_serve mx "$h1"
start_serve relay3 "$h2"
for h in mx relay3; do cat "$work/$h.part.00" >> "$work/$h.log"; done
for h in mx relay3; do settled "$h" && ok "$h: first part shipped" || bad "$h: first part not shipped"; done

# Shard 2 down: INSERTs into the Distributed tables fail; both serves keep following.
kill -9 "$shard2"; wait "$shard2" 2>/dev/null
for h in mx relay3; do cat "$work/$h.part.01" >> "$work/$h.log"; done
for _ in $(seq 1 100); do [ "$(metric relay3 maillens_ship_errors_total)" -gt 0 ] && break; sleep 0.1; done
[ "$(metric relay3 maillens_ship_errors_total)" -gt 0 ] && ok "shard 2 down: relay3's INSERTs fail and wait in its spool" ||
  bad "no failed INSERT while shard 2 is down"
# relay3's serve is killed too, and started again.
kill -9 "${pid[relay3]}"; wait "${pid[relay3]}" 2>/dev/null
start_serve relay3 "$h2"
sleep 2
start_clickhouse "$work/s2" "$fleet_remote" "$h2" "$t2" || exit 1
for h in mx relay3; do cat "$work/$h.part.02" >> "$work/$h.log"; done
for h in mx relay3; do settled "$h" && ok "$h: everything shipped after the shard came back" || bad "$h: spool not drained"; done

# The oracle: both logs exported once into a plain database (on shard 1).
"$ml" export --quiet --format clickhouse --url "http://127.0.0.1:$h1" --database oneshot --year 2026 "$work/mx.full"
"$ml" export --quiet --format clickhouse --url "http://127.0.0.1:$h1" --database oneshot --year 2026 "$work/relay3.full"
both() { echo $(( $(q1 "$1") + $(q2 "$1") )); }
for k in deliveries rejects; do
  fields="host, time, queue_id, \`to\`, status, reason"
  [ "$k" = rejects ] && fields="host, time, queue_id, client_addr, reason, \`to\`"
  check_eq "$k: every record of both hosts once (FINAL per shard)" \
    "$(both "SELECT count() FROM fleet.${k}_local FINAL")" "$(q1 "SELECT count() FROM oneshot.$k")"
  # (sums modulo a prime: bash adds them; each host is on one shard, checked below)
  want=$(q1 "SELECT (sum(cityHash64($fields) % 1000000007)) % 1000000007 FROM oneshot.$k WHERE host = 'mx'")
  want=$(( want + $(q1 "SELECT (sum(cityHash64($fields) % 1000000007)) % 1000000007 FROM oneshot.$k WHERE host = 'relay3'") ))
  got=$(( $(q1 "SELECT (sum(cityHash64($fields) % 1000000007)) % 1000000007 FROM fleet.${k}_local FINAL") +
          $(q2 "SELECT (sum(cityHash64($fields) % 1000000007)) % 1000000007 FROM fleet.${k}_local FINAL") ))
  check_eq "$k: checksum of the lines' fields equals the one-shot export's" "$got" "$want"
  check_eq "$k: through the Distributed table, per host" \
    "$(q1 "SELECT host, count() FROM (SELECT DISTINCT host, row_key FROM fleet.$k) GROUP BY host ORDER BY host" | tr '\t\n' ': ')" \
    "$(q1 "SELECT host, count() FROM oneshot.$k GROUP BY host ORDER BY host" | tr '\t\n' ': ')"
done
check_eq "each host on its shard" \
  "$(q1 "SELECT count() FROM fleet.deliveries_local WHERE host = 'relay3'") $(q2 "SELECT count() FROM fleet.deliveries_local WHERE host = 'mx'")" "0 0"

ch_test_end
