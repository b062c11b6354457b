#!/usr/bin/env bash
# serve_small_things.sh MAILLENS - serve's and guard's small things (issue 18
# item 4): `postqueue -j` is never run with --no-queue or queue = false, and at
# most once per --queue-interval otherwise (a queue alert rule is evaluated
# every second; /metrics is scraped often); --web.listen-address is accepted
# as serve's --listen; / is a page linking /metrics and the API; guard --no-matches hides the lines but keeps the count.
# A fake postqueue on PATH counts its runs. Servers bind 127.0.0.1 only.
set -uo pipefail
ml=$(readlink -f "$1")
work=$(mktemp -d)
trap 'kill "$pid" 2> /dev/null; rm -rf "$work"' EXIT
pid=
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

mkdir "$work/bin"
cat > "$work/bin/postqueue" <<EOS
#!/bin/sh
echo run >> "$work/postqueue.runs"
EOS
chmod +x "$work/bin/postqueue"
printf '2026-11-22T09:00:00Z mx postfix/smtpd[1]: connect from a[192.0.2.1]\n' > "$work/mail.log"
cat > "$work/rules.toml" <<'EOS'
[[alert]]
name = "queue_big"
expr = "queue.total > 100"
EOS
printf '[serve]\nqueue = false\n' > "$work/noqueue.toml"
cat "$work/rules.toml" >> "$work/noqueue.toml"

# serve_for SECONDS ARGS...: runs serve, scrapes /metrics every 0.2 s, stops it.
serve_for() {
  local secs=$1; shift
  : > "$work/postqueue.runs"
  PATH="$work/bin:$PATH" "$ml" serve --checkpoint "$work/cp.$RANDOM" --now 2026-11-22T09:00:00Z "$@" \
    "$work/mail.log" 2> "$work/err" & pid=$!
  local port="" i
  for i in $(seq 50); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/err")
    [ -n "$port" ] && break; sleep 0.1
  done
  curl -s -o "$work/index.html" -w '%{http_code} %{content_type}' "http://127.0.0.1:$port/" > "$work/index.status"
  local end=$((SECONDS + secs))
  while [ "$SECONDS" -lt "$end" ]; do
    curl -s -o /dev/null "http://127.0.0.1:$port/metrics"; sleep 0.2
  done
  kill "$pid"; wait "$pid" 2> /dev/null; pid=
  runs=$(wc -l < "$work/postqueue.runs")
  listened=$port
}

serve_for 4 --config "$work/rules.toml" --listen 127.0.0.1:0 --no-queue
[ -n "$listened" ] && [ "$runs" = 0 ] && ok "--no-queue: postqueue -j never run (queue rule, scrapes)" \
  || bad "--no-queue: postqueue -j run $runs times (port '$listened')"
grep -q "queue.\* alert rules see 0" "$work/err" && ok "  ... says its queue rules see 0" || bad "  ... says its queue rules see 0"
serve_for 4 --config "$work/noqueue.toml" --listen 127.0.0.1:0
[ -n "$listened" ] && [ "$runs" = 0 ] && ok "queue = false: postqueue -j never run" \
  || bad "queue = false: postqueue -j run $runs times"
serve_for 5 --config "$work/rules.toml" --listen 127.0.0.1:0 --queue-interval 1h
# one run for /metrics' snapshot and one for the alert rules' in the hour
[ -n "$listened" ] && [ "$runs" -ge 1 ] && [ "$runs" -le 2 ] && ok "--queue-interval 1h: postqueue -j run $runs times in 5 s" \
  || bad "--queue-interval 1h: postqueue -j run $runs times in 5 s (want 1 or 2)"
serve_for 2 --web.listen-address 127.0.0.1:0 --no-queue
[ -n "$listened" ] && ok "--web.listen-address accepted (listened on $listened)" || bad "--web.listen-address"
grep -q '^200 text/html' "$work/index.status" && grep -q 'href="/metrics"' "$work/index.html" \
  && grep -q 'href="/api/summary"' "$work/index.html" && grep -qF "$work/mail.log" "$work/index.html" \
  && ok "/ is a page linking /metrics and /api/summary, naming the followed file" \
  || bad "/ page: $(cat "$work/index.status") $(head -c 300 "$work/index.html")"
"$ml" serve --web.listen-address 127.0.0.1:99999 "$work/mail.log" > /dev/null 2> "$work/err"
[ $? = 2 ] && grep -q "bad listen address" "$work/err" && ok "  ... and checked like --listen" || bad "  ... and checked like --listen"

# guard --no-matches: no lines, same count
for i in 1 2 3; do
  echo "2026-11-22T09:0$i:00Z mx postfix/submission/smtpd[10$i]: warning: unknown[192.0.2.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6"
done > "$work/auth.log"
g=(guard --now 2026-11-22T09:10:00Z --maxretry 5 --findtime 10m "$work/auth.log")
"$ml" "${g[@]}" > "$work/with.txt"
"$ml" "${g[@]}" --no-matches > "$work/without.txt"
grep -q "Matches: 3 " "$work/with.txt" && grep -q "Matches: 3 " "$work/without.txt" \
  && ok "guard --no-matches keeps the count (Matches: 3)" || bad "guard --no-matches keeps the count: $(head -1 "$work/without.txt")"
! grep -q "SASL LOGIN" "$work/without.txt" && grep -q "SASL LOGIN" "$work/with.txt" \
  && ok "  ... and hides the lines" || bad "  ... and hides the lines"
"$ml" "${g[@]}" --no-matches --format json | python3 -c "
import json,sys; j=json.load(sys.stdin); assert j['match_count']==3 and j['matches']==[], j" \
  && ok "  ... JSON: match_count 3, matches []" || bad "  ... JSON: match_count 3, matches []"
"$ml" guard "$work/missing.log" > "$work/out" 2> "$work/err"
[ $? = 1 ] && [ ! -s "$work/out" ] && grep -q "no input could be read" "$work/err" \
  && ok "guard, missing input: exit 1, no all-zero answer" || bad "guard, missing input: exit 1, no all-zero answer"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
