#!/usr/bin/env bash
# clickhouse_cluster_test.sh MAILLENS SOURCE_DIR LOGGEN - two ClickHouse shards
# behind Distributed tables (issue 16): the schema of `maillens clickhouse
# schema --cluster`, logs of two hosts exported through the Distributed
# tables, each host's rows on one shard, every record once (FINAL) after a
# resend, and the counts equal to the local exports.
# Exit 77 (ctest SKIP_RETURN_CODE) only when clickhouse-server is missing.
set -uo pipefail
ml=$1 src=$2 loggen=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/clickhouse_server.sh"
ch_test_setup

start_fleet || exit 1
url1=http://127.0.0.1:$h1 url2=http://127.0.0.1:$h2
ok "two shards: $url1 $url2"

"$ml" clickhouse schema --cluster fleet --database fleet --apply --url "$url1" --url "$url2"
check_eq "schema --cluster --apply on both servers: exit status" "$?" 0
for q in q1 q2; do
  check_eq "$q: tables" "$($q "SELECT name, engine FROM system.tables WHERE database = 'fleet' ORDER BY name" | tr '\t\n' ': ')" \
    "connections:Distributed connections_local:ReplacingMergeTree deliveries:Distributed deliveries_local:ReplacingMergeTree messages:Distributed messages_local:ReplacingMergeTree rejects:Distributed rejects_local:ReplacingMergeTree "
done

# Two hosts: the bundled real-Postfix sample (host mx, shard 1 by sipHash64) and a generated log of host relay3 (shard 2).
real=$src/tests/data/realpostfix-sample/maillog
"$loggen" --seed 7 --size 3M --host relay3 --start "2026-11-22 00:00:00" -o "$work/relay3.log"
count() { local k=$1; shift; "$ml" export --records "$k" --format jsonl "$@" | wc -l; }
# The export's INSERTs wait for the shards (insert_distributed_sync): an
# acknowledged batch is on its shard.
for f in "$real" "$work/relay3.log"; do
  "$ml" export --quiet --format clickhouse --url "$url1" --database fleet "$f"
  check_eq "export $(basename "$f") through the Distributed tables: exit status" "$?" 0
done
"$ml" export --quiet --format clickhouse --url "$url2" --database fleet "$real"
check_eq "the real sample sent again (through the other server): exit status" "$?" 0
for k in messages deliveries rejects connections; do
  want=$(( $(count "$k" "$real") + $(count "$k" "$work/relay3.log") ))
  check_eq "$k: every record once (FINAL on each shard, summed)" \
    "$(( $(q1 "SELECT count() FROM fleet.${k}_local FINAL") + $(q2 "SELECT count() FROM fleet.${k}_local FINAL") ))" "$want"
done
for h in mx relay3; do
  n1=$(q1 "SELECT count() FROM fleet.deliveries_local WHERE host = '$h'")
  n2=$(q2 "SELECT count() FROM fleet.deliveries_local WHERE host = '$h'")
  if [ "$n1" -gt 0 ] && [ "$n2" -gt 0 ]; then bad "host $h on both shards ($n1, $n2)"; else ok "host $h on one shard ($n1, $n2)"; fi
done
check_eq "the hosts on different shards (sipHash64(host) modulo 2)" \
  "$(q1 "SELECT count() FROM fleet.deliveries_local WHERE host = 'relay3'") $(q2 "SELECT count() FROM fleet.deliveries_local WHERE host = 'mx'")" "0 0"
check_eq "deliveries of relay3 through the Distributed table" \
  "$(q2 "SELECT count() FROM fleet.deliveries WHERE host = 'relay3'")" "$(count deliveries "$work/relay3.log")"
sent_local=$("$ml" export --records deliveries "$work/relay3.log" "$real" | grep -c '"status":"sent"')
check_eq "sent deliveries of both hosts through the Distributed table, each record once" \
  "$(q1 "SELECT count() FROM (SELECT DISTINCT host, row_key FROM fleet.deliveries WHERE status = 'sent')")" "$sent_local"

ch_test_end
