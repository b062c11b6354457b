#!/usr/bin/env bash
# prometheus_test.sh MAILLENS SOURCE_DIR - serve under a real Prometheus.
#
# Starts `maillens serve` on 127.0.0.1 (a copy of the bundled real-Postfix
# log, a saved `postqueue -j`), checks its /metrics with promtool, the bearer
# token and /api/summary, then starts Prometheus (Debian's package; 127.0.0.1,
# 1 s scrape interval, temporary storage) scraping it and checks PromQL
# answers against the log: lines read, queued messages, and the rejected
# count equal to `maillens report`'s.
set -euo pipefail
MAILLENS=$1
SRC=$2
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v prometheus >/dev/null || fail "prometheus is not installed"

cp "$SRC/tests/data/realpostfix-sample/maillog" "$tmp/mail.log"
year=2026
# The clock is pinned to just after the sample's last line (2026-11-22
# 05:39:46 local time): /api/summary's window is the last day of that clock.
"$MAILLENS" serve --listen 127.0.0.1:0 --from-start --year $year --now 2026-11-22T06:00:00 --token s3cret \
  --postqueue "$SRC/tests/data/e2e-sample/postqueue.json" --checkpoint "$tmp/ckpt" "$tmp/mail.log" 2> "$tmp/serve.err" &
pids+=($!)
for i in $(seq 1 50); do grep -q 'listening on' "$tmp/serve.err" && break; sleep 0.1; done
port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$tmp/serve.err" | sed 's/.*://')
[ -n "$port" ] || fail "serve did not start: $(cat "$tmp/serve.err")"
lines=$(wc -l < "$tmp/mail.log")
for i in $(seq 1 50); do
  got=$(curl -s -H 'Authorization: Bearer s3cret' "http://127.0.0.1:$port/metrics" | awk '/^maillens_serve_lines_read_total /{print $2}')
  [ "$got" = "$lines" ] && break; sleep 0.1
done
[ "$got" = "$lines" ] || fail "serve read $got lines of $lines"

code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")
[ "$code" = 401 ] || fail "/metrics without the token answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong' "http://127.0.0.1:$port/metrics")
[ "$code" = 401 ] || fail "/metrics with a wrong token answered $code"
[ "$(curl -s "http://127.0.0.1:$port/healthz")" = ok ] || fail "/healthz"
curl -s -H 'Authorization: Bearer s3cret' "http://127.0.0.1:$port/metrics" > "$tmp/metrics.txt"
promtool check metrics < "$tmp/metrics.txt" || fail "promtool check metrics"
rejected=$("$MAILLENS" report --format json --year $year "$tmp/mail.log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["grand_totals"]["rejected"])')
summary=$(curl -s -H 'Authorization: Bearer s3cret' "http://127.0.0.1:$port/api/summary?since=0")
python3 - "$summary" "$rejected" <<'PY' || fail "/api/summary: $summary"
import json, sys
s = json.loads(sys.argv[1])
assert s["counts"]["rejected"] == int(sys.argv[2]), s
assert s["clock"] == "wall shifted by --now", s  # the windows are on serve's clock, and it says so
PY
# since= takes doc/time.md's grammar, relative to serve's pinned clock.
for since in 1d 2026-11-21 "Nov%2021%2006:00"; do
  s2=$(curl -s -H 'Authorization: Bearer s3cret' "http://127.0.0.1:$port/api/summary?since=$since")
  python3 - "$s2" "$rejected" <<'PY' || fail "/api/summary?since=$since: $s2"
import json, sys
assert json.loads(sys.argv[1])["counts"]["rejected"] == int(sys.argv[2])
PY
done
s3=$(curl -s -H 'Authorization: Bearer s3cret' "http://127.0.0.1:$port/api/summary?since=2026-11-23")
python3 -c 'import json,sys; assert json.loads(sys.argv[1])["counts"]["rejected"] == 0' "$s3" || fail "since=2026-11-23: $s3"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cret' "http://127.0.0.1:$port/api/summary?since=tomorrow")
[ "$code" = 400 ] || fail "since=tomorrow answered $code"
echo "ok: /metrics (promtool clean, token enforced), /healthz, /api/summary (since= in doc/time.md's grammar)"

# Prometheus scraping serve every second.
pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$tmp/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: maillens
    authorization:
      credentials: s3cret
    static_configs:
      - targets: ['127.0.0.1:$port']
YML
promtool check config "$tmp/prometheus.yml" >/dev/null || fail "promtool check config"
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
  --web.listen-address=127.0.0.1:$pport > "$tmp/prometheus.log" 2>&1 &
pids+=($!)
query() { curl -s --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" |
  python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'; }
val=""
for i in $(seq 1 60); do
  val=$(query maillens_serve_lines_read_total 2>/dev/null || true)
  [ -n "$val" ] && break; sleep 0.5
done
[ "$val" = "$lines" ] || fail "PromQL maillens_serve_lines_read_total = '$val', the log has $lines lines ($(tail -3 "$tmp/prometheus.log"))"
queued=$(wc -l < "$SRC/tests/data/e2e-sample/postqueue.json")
val=$(query 'sum(postfix_showq_queue_depth)')
[ "$val" = "$queued" ] || fail "PromQL sum(postfix_showq_queue_depth) = '$val', the snapshot has $queued messages"
val=$(query 'sum(postfix_showq_message_age_seconds_count)')
[ "$val" = "$queued" ] || fail "PromQL age histogram count = '$val'"
inserted=$(grep -c 'postfix/qmgr\[[0-9]*\]: [0-9A-Za-z]*: from=<.*, size=[0-9]*, nrcpt=' "$tmp/mail.log")
val=$(query 'postfix_qmgr_messages_inserted_recipients_count')
[ "$val" = "$inserted" ] || fail "PromQL qmgr recipients histogram count = '$val', the log has $inserted qmgr inserts"
val=$(query 'up{job="maillens"}')
[ "$val" = 1 ] || fail "target not up"
echo "ok: Prometheus scrapes serve; PromQL answers match the log ($lines lines) and the queue ($queued messages)"
