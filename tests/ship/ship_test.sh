#!/usr/bin/env bash
# ship_test.sh MAILLENS SOURCE_DIR LOGGEN - `serve --ship` into a real
# ClickHouse (issue 16): records go out as the log grows; ClickHouse killed
# mid-ship (serve keeps following and serving, batches wait in the spool);
# serve killed with SIGKILL and restarted; ClickHouse back: the spool
# drains, and every delivery and reject of the whole log is stored exactly
# once (count and a checksum of its fields equal a one-shot export of the
# same log). A spool record damaged on disk is skipped and counted, and
# serve still starts.
# Exit 77 (ctest SKIP_RETURN_CODE) only when clickhouse-server is missing.
set -uo pipefail
ml=$1 src=$2 loggen=$3
. "$src/tests/export/clickhouse_server.sh"
ch_test_setup

read -r hp tp <<< "$(ch_ports 2)"
start_clickhouse "$work/ch" "" "$hp" "$tp" || exit 1
ch_pid=$CH_PID
q() { "$CH_CLIENT" --port "$tp" --query "$1"; }

# A generated day of one host, cut into four parts appended one after another.
"$loggen" --seed 3 --size 4M --host shipmx --start "2026-11-22 00:00:00" -o "$work/full.log"
total=$(wc -l < "$work/full.log")
split -n l/4 -d "$work/full.log" "$work/part."
: > "$work/mail.log"
printf '[serve]\ncheckpoint_interval = 1\nqueue = false\n' > "$work/serve.toml"

start_serve() {
  "$ml" serve --config "$work/serve.toml" --listen 127.0.0.1:0 --from-start --year 2026 --now 2026-11-23T00:00:00 \
    --checkpoint "$work/ckpt" --ship "clickhouse://127.0.0.1:$hp/shipped" "$work/mail.log" 2> "$work/serve.err" &
  serve_pid=$!
  port=""
  for _ in $(seq 1 100); do
    port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/serve.err" | sed 's/.*://')
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { bad "serve did not start: $(cat "$work/serve.err")"; exit 1; }
}
metric() { curl -s "http://127.0.0.1:$port/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
# wait_for METRIC VALUE [TRIES] - polls /metrics (0.1 s steps).
wait_for() {
  local got
  for _ in $(seq 1 "${3:-300}"); do
    got=$(metric "$1")
    [ "$got" = "$2" ] && return 0
    sleep 0.1
  done
  echo "  ($1 is '$got', want '$2')"
  return 1
}
lines_in() { wc -l < "$work/mail.log" | tr -d ' '; }

start_serve
cat "$work/part.00" >> "$work/mail.log"
wait_for maillens_serve_lines_read_total "$(lines_in)" && ok "part 1 read"
for _ in $(seq 1 300); do
  [ "$(metric maillens_ship_batches_total)" -gt 0 ] && [ "$(metric maillens_ship_spool_batches)" = 0 ] && break
  sleep 0.1
done
[ "$(metric maillens_ship_batches_total)" -gt 0 ] && [ "$(metric maillens_ship_spool_batches)" = 0 ] &&
  ok "part 1 shipped ($(metric 'maillens_ship_rows_total{table="deliveries"}') deliveries)" || bad "part 1 not shipped"
check_eq "part 1's deliveries in ClickHouse" "$(q "SELECT count() FROM shipped.deliveries FINAL")" \
  "$(metric 'maillens_ship_rows_total{table="deliveries"}')"

# ClickHouse goes away: serve keeps following and answering; batches wait in the spool.
kill -9 "$ch_pid"
wait "$ch_pid" 2>/dev/null
cat "$work/part.01" >> "$work/mail.log"
wait_for maillens_serve_lines_read_total "$(lines_in)" && ok "part 2 read while ClickHouse is down"
for _ in $(seq 1 100); do [ "$(metric maillens_ship_spool_batches)" -gt 0 ] && break; sleep 0.1; done
[ "$(metric maillens_ship_spool_batches)" -gt 0 ] && ok "batches wait in the spool ($(metric maillens_ship_spool_batches))" ||
  bad "nothing in the spool while ClickHouse is down"
for _ in $(seq 1 100); do [ "$(metric maillens_ship_errors_total)" -gt 0 ] && break; sleep 0.1; done
check_eq "ship_up while ClickHouse is down" "$(metric maillens_ship_up)" 0

# serve killed too, then started again (from its checkpoint) while ClickHouse is still down.
kill -9 "$serve_pid"
wait "$serve_pid" 2>/dev/null
cat "$work/part.02" >> "$work/mail.log"
start_serve
wait_for maillens_serve_lines_read_total "$(( $(lines_in) ))" 600 || true
ok "serve restarted after SIGKILL"
echo "  lines read: $(metric maillens_serve_lines_read_total) of $(lines_in)"

# ClickHouse back (same data, same ports); the rest of the log arrives.
start_clickhouse "$work/ch" "" "$hp" "$tp" || exit 1
ch_pid=$CH_PID
cat "$work/part.03" >> "$work/mail.log"
wait_for maillens_serve_lines_read_total "$(lines_in)" 600 || true
# Drained: two checkpoints after the last line (each spools what came
# before it), and nothing waiting.
cp=$(metric maillens_serve_checkpoints_total)
drained=""
for _ in $(seq 1 600); do
  if [ "$(metric maillens_serve_checkpoints_total)" -ge $((cp + 2)) ] && [ "$(metric maillens_ship_spool_batches)" = 0 ]; then
    drained=1
    break
  fi
  sleep 0.1
done
[ -n "$drained" ] && ok "spool drained after ClickHouse came back" || bad "spool not drained"
check_eq "ship_up after recovery" "$(metric maillens_ship_up)" 1
echo "  lines read: $(metric maillens_serve_lines_read_total) of $(lines_in)"
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null; serve_pid=""
check_eq "every line of the log arrived" "$(lines_in)" "$total"

# The oracle: a one-shot export of the whole log into another database.
"$ml" export --quiet --format clickhouse --url "http://127.0.0.1:$hp" --database oneshot --year 2026 "$work/full.log"
for k in deliveries rejects; do
  fields="host, time, queue_id, \`to\`, status, reason"
  [ "$k" = rejects ] && fields="host, time, queue_id, client_addr, reason, \`to\`"
  check_eq "$k: count equals the one-shot export's" \
    "$(q "SELECT count() FROM shipped.$k FINAL")" "$(q "SELECT count() FROM oneshot.$k")"
  check_eq "$k: checksum of the lines' fields equals the one-shot export's" \
    "$(q "SELECT sum(cityHash64($fields)) FROM shipped.$k FINAL")" "$(q "SELECT sum(cityHash64($fields)) FROM oneshot.$k")"
done

# Messages and sessions in flight when serve was killed are assembled from
# their later lines after the restart (doc/clickhouse.md), so their rows may
# differ from the one-shot export's; but every message and every closed
# session is there.
# (serve releases a removed message a minute of log time later, so one
# removed in the minute before serve is killed or stopped has no row; the
# one-shot export releases every message at its end.)
l=$(tail -1 "$work/part.01"); kill_at=$(date -d "${l:0:6} 2026 ${l:7:8}" +%s)
old_removed="SELECT DISTINCT host, queue_id FROM oneshot.messages WHERE removed = 1 AND
  last_seen < (SELECT max(time) - 120 FROM oneshot.deliveries) AND
  NOT (toUnixTimestamp(last_seen) BETWEEN $kill_at - 120 AND $kill_at + 120)"
n_old=$(q "SELECT count() FROM ($old_removed)")
[ "$n_old" -gt 500 ] && ok "removed messages to compare: $n_old" || bad "too few messages to compare: $n_old"
check_eq "messages: every removed message of the one-shot export shipped" \
  "$(q "SELECT count() FROM ($old_removed) WHERE (host, queue_id) NOT IN (SELECT host, queue_id FROM shipped.messages)")" 0
check_eq "connections: the same closed sessions as the one-shot export" \
  "$(q "SELECT count(DISTINCT host, daemon, pid, client_addr, disconnect_time) FROM shipped.connections WHERE disconnect_time IS NOT NULL")" \
  "$(q "SELECT count(DISTINCT host, daemon, pid, client_addr, disconnect_time) FROM oneshot.connections WHERE disconnect_time IS NOT NULL")"

# A damaged spool record: skipped and counted, never a reason not to start.
kill -9 "$ch_pid" 2>/dev/null; wait "$ch_pid" 2>/dev/null
start_serve
printf 'Nov 22 23:59:59 shipmx postfix/smtpd[9]: NOQUEUE: reject: RCPT from x[192.0.2.9]: 554 5.7.1 <a@b.test>: Relay access denied; from=<s@x.test> to=<a@b.test> proto=ESMTP helo=<h>\n' >> "$work/mail.log"
for _ in $(seq 1 100); do [ "$(metric maillens_ship_spool_batches)" -gt 0 ] && break; sleep 0.1; done
waiting=$(metric maillens_ship_spool_batches)
kill -9 "$serve_pid"; wait "$serve_pid" 2>/dev/null; serve_pid=""
seg=$(ls "$work/ckpt.spool"/*.seg | tail -1)
size=$(stat -c %s "$seg")
printf 'X' | dd of="$seg" bs=1 seek=$((size - 3)) conv=notrunc 2> /dev/null
start_serve
wait_for maillens_ship_spool_corrupt_records_total 1 50 && ok "damaged spool record skipped and counted" ||
  bad "damaged spool record not counted: $(cat "$work/serve.err")"
left=$(metric maillens_ship_spool_batches)
[ "$waiting" -ge 1 ] && [ "$left" -le $((waiting - 1)) ] && ok "the damaged batch is not waiting to be sent ($waiting -> $left)" ||
  bad "batches waiting: $waiting before, $left after the damage"

ch_test_end
