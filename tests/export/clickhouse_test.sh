#!/usr/bin/env bash
# clickhouse_test.sh MAILLENS SOURCE_DIR - `maillens export --format clickhouse`
# into a real ClickHouse server.
#
# Starts a private clickhouse-server (no system service): bound to 127.0.0.1
# on free ports, with its config, data and logs in a temporary directory,
# removed at the end. Exports the bundled samples into it and checks with
# clickhouse-client: the tables and their types, row counts equal to the JSON
# lines export, sums and a hostile value that must come back unchanged, a
# second export appending to the existing tables, and a clear error (exit 2)
# for a server that is not there.
# Exit 77 (ctest SKIP_RETURN_CODE) only when clickhouse-server is missing.
set -uo pipefail
ml=$1 src=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/clickhouse_server.sh"
ch_test_setup

start_clickhouse "$work/ch" || exit 1
url=$CH_HTTP tcp_port=$CH_TCP client=$CH_CLIENT
ok "clickhouse-server $("$client" --port "$tcp_port" --query "SELECT version()") at $url"
q() { "$client" --port "$tcp_port" --query "$1"; }

# count KIND FILES... - rows of the JSON lines export of FILES.
count() { local k=$1; shift; "$ml" export --records "$k" --format jsonl "$@" | wc -l; }

e2e=$src/tests/data/e2e-sample/maillog
real=$src/tests/data/realpostfix-sample/maillog
"$ml" export --format clickhouse --url "$url" --database mltest "$e2e"
check_eq "export exit status" "$?" 0
check_eq "tables created" "$(q "SELECT name FROM system.tables WHERE database = 'mltest' ORDER BY name" | tr '\n' ' ')" \
  "connections deliveries messages rejects "
check_eq "ReplacingMergeTree engine" "$(q "SELECT DISTINCT engine FROM system.tables WHERE database = 'mltest'")" ReplacingMergeTree
check_eq "deliveries types" \
  "$(q "SELECT type FROM system.columns WHERE database = 'mltest' AND table = 'deliveries' AND name IN ('time', 'time_us', 'time_offset', 'from', 'size', 'delay', 'row_key') ORDER BY name" | tr '\n' ' ')" \
  "Nullable(Float64) Nullable(String) UInt64 Nullable(Int64) DateTime Int32 UInt32 "
for k in messages deliveries rejects connections; do
  check_eq "$k rows (e2e sample)" "$(q "SELECT count() FROM mltest.$k")" "$(count "$k" "$e2e")"
done
check_eq "sent deliveries" "$(q "SELECT count() FROM mltest.deliveries WHERE status = 'sent'")" \
  "$("$ml" export --records deliveries "$e2e" | grep -c '"status":"sent"')"
want_size=$("$ml" export --records messages "$e2e" | python3 -c 'import json,sys; print(sum(json.loads(l)["size"] or 0 for l in sys.stdin))')
check_eq "sum of message sizes" "$(q "SELECT sum(size) FROM mltest.messages")" "$want_size"
first=$("$ml" export --records deliveries "$e2e" | head -1 | python3 -c 'import json,sys,datetime; r=json.loads(sys.stdin.readline()); print(int(datetime.datetime.fromisoformat(r["time"]).timestamp()), r["queue_id"])')
check_eq "first delivery's time (epoch) and queue ID" \
  "$(q "SELECT toUnixTimestamp(time), queue_id FROM mltest.deliveries WHERE queue_id = '${first#* }' ORDER BY time LIMIT 1" | tr '\t' ' ')" "$first"

# A second export appends to the existing tables.
"$ml" export --format clickhouse --url "$url" --database mltest "$real"
check_eq "second export exit status" "$?" 0
for k in messages deliveries; do
  check_eq "$k rows after the second export" "$(q "SELECT count() FROM mltest.$k")" \
    "$(( $(count "$k" "$e2e") + $(count "$k" "$real") ))"
done

# At least once: the same log sent again (a retry, a restart) counts once with FINAL.
"$ml" export --quiet --format clickhouse --url "$url" --database mltest "$real"
for k in messages deliveries rejects connections; do
  check_eq "$k rows with FINAL after sending the real sample twice" "$(q "SELECT count() FROM mltest.$k FINAL")" \
    "$(( $(count "$k" "$e2e") + $(count "$k" "$real") ))"
done
check_eq "deliveries rows stored twice until merged" "$(q "SELECT count() FROM mltest.deliveries")" \
  "$(( $(count deliveries "$e2e") + 2 * $(count deliveries "$real") ))"
# Times: the log's UTC offset and microseconds (an RFC 3339 line) in their own columns.
printf '2026-11-22T10:00:00.250000+01:00 mx postfix/smtp[9]: 4AB3C1E2F: to=<a@example.org>, relay=r[192.0.2.7]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (ok)\n' > "$work/rfc.log"
"$ml" export --quiet --format clickhouse --records deliveries --url "$url" --database stamps "$work/rfc.log"
check_eq "RFC 3339 delivery: epoch, microseconds, offset" \
  "$(q "SELECT toUnixTimestamp(time), time_us, time_offset FROM stamps.deliveries" | tr '\t' ' ')" "1795338000 250000 3600"
# A table of an older maillens (no row_key) is refused with a message, exit 2.
q "CREATE DATABASE old"
q "CREATE TABLE old.rejects (\`time\` DateTime, host String) ENGINE = MergeTree() ORDER BY time"
"$ml" export --format clickhouse --records rejects --url "$url" --database old "$real" 2> "$work/err"
check_eq "table without row_key: exit status" "$?" 2
grep -q "has no row_key column" "$work/err" && ok "table without row_key: message" || bad "old table: $(cat "$work/err")"

# Hostile text (quotes, backslashes, control characters, invalid UTF-8) comes back as the JSON export has it.
printf 'Nov 22 10:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1 <a"b\\c\x01\xff@x.test>: Relay access denied; from=<=1+2@evil.test> to=<a"b\\c\x01\xff@x.test> proto=ESMTP helo=<h\tx>\n' > "$work/hostile.log"
"$ml" export --format clickhouse --records rejects --url "$url" --database hostile "$work/hostile.log"
check_eq "one table for --records rejects" "$(q "SELECT count() FROM system.tables WHERE database = 'hostile'")" 1
got=$(q "SELECT \`to\`, \`from\`, helo FROM hostile.rejects FORMAT JSONEachRow")
want=$("$ml" export --records rejects "$work/hostile.log" | python3 -c 'import json,sys; r=json.loads(sys.stdin.readline()); print(json.dumps({"to": r["to"], "from": r["from"], "helo": r["helo"]}))')
check_eq "hostile values round-trip" "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]) == json.loads(sys.argv[2]))' "$got" "$want")" True

# forget and prune on the export tables (issue 17), each in a database of the real sample.
# mutations_done - waits for the ALTER TABLE ... DELETE mutations (asynchronous).
mutations_done() {
  for _ in $(seq 1 150); do
    [ "$(q "SELECT count() FROM system.mutations WHERE is_done = 0")" = 0 ] && return 0
    sleep 0.2
  done
  return 1
}
# naming KIND WHO - rows of the JSON lines export naming WHO (an address: from/to/orig_to/sasl_user/reason; an IP: client_addr/client/reason).
naming() {
  "$ml" export --records "$1" --format jsonl "$real" | python3 -c '
import json, re, sys
who = sys.argv[1]
ip = re.compile(r"(?<![0-9A-Fa-f.:])" + re.escape(who) + r"(?![0-9A-Fa-f:]|\.[0-9])")
n = 0
for line in sys.stdin:
    r = json.loads(line)
    if "." not in who:
        hit = (r.get("sasl_user") or "").lower() == who
    elif "@" in who:
        hit = any((r.get(c) or "").lower() == who for c in ("from", "to", "orig_to", "sasl_user")) or who in (r.get("reason") or "").lower()
    else:
        hit = r.get("client_addr") == who or "[" + who + "]" in (r.get("client") or "") or bool(ip.search(r.get("reason") or ""))
    n += hit
print(n)' "$2"
}
for who in carol@virt.example.test 127.0.1.8 webmaster; do
  "$ml" export --quiet --format clickhouse --url "$url" --database privacy "$real"
  declare -A left=()
  for k in messages deliveries rejects connections; do
    left[$k]=$(( $(q "SELECT count() FROM privacy.$k") - $(naming "$k" "$who") ))
  done
  "$ml" forget "$who" --clickhouse "$url" --database privacy > "$work/forget.sql" 2> "$work/err"
  check_eq "forget $who --clickhouse: exit status" "$?" 0
  mutations_done && ok "forget $who: mutations done" || bad "forget $who: mutations still running"
  for k in messages deliveries rejects connections; do
    check_eq "forget $who: $k rows left" "$(q "SELECT count() FROM privacy.$k")" "${left[$k]}"
  done
  [ "$who" = webmaster ] || q "DROP DATABASE privacy"
done
cut=$(q "SELECT toUnixTimestamp(min(time)) + 3 FROM privacy.deliveries")
declare -A kept=()
kept[deliveries]=$(q "SELECT count() FROM privacy.deliveries WHERE toUnixTimestamp(time) >= $cut")
kept[rejects]=$(q "SELECT count() FROM privacy.rejects WHERE toUnixTimestamp(time) >= $cut")
kept[messages]=$(q "SELECT count() FROM privacy.messages WHERE toUnixTimestamp(last_seen) >= $cut")
kept[connections]=$(q "SELECT count() FROM privacy.connections WHERE NOT (toUnixTimestamp(ifNull(disconnect_time, connect_time)) < $cut)")
"$ml" prune --older-than "$cut" --clickhouse "$url" --database privacy > /dev/null 2> "$work/err"
check_eq "prune --clickhouse: exit status" "$?" 0
mutations_done && ok "prune: mutations done" || bad "prune: mutations still running"
for k in messages deliveries rejects connections; do
  check_eq "prune: $k rows left" "$(q "SELECT count() FROM privacy.$k")" "${kept[$k]}"
done
"$ml" prune --older-than "$cut" --clickhouse "$url" --database nosuchdb > /dev/null 2> "$work/err"
check_eq "prune of a database without tables: exit status" "$?" 0
grep -q "no maillens table" "$work/err" && ok "prune: nothing to delete said" || bad "prune nosuchdb: $(cat "$work/err")"

# Errors: no server there; a bad database name.
"$ml" export --format clickhouse --url "http://127.0.0.1:$(free_port)" "$e2e" 2> "$work/err"
rc=$?
check_eq "unreachable server: exit status" "$rc" 2
grep -q "ClickHouse at" "$work/err" && ok "unreachable server: message" || bad "unreachable server: message: $(cat "$work/err")"
"$ml" export --format clickhouse --url "$url" --database 'x; DROP TABLE y' "$e2e" 2> /dev/null
check_eq "bad database name: exit status" "$?" 2

ch_test_end
