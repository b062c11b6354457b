#!/usr/bin/env bash
# tmux_test.sh MAILLENS - `maillens watch` in a real terminal (tmux): it
# follows a log as lines are appended, counts them in the current minute,
# switches panels on keys, keeps hostile log content from reaching the
# terminal (no title change), and restores the terminal on q. Also the plain
# fallback when stdout is not a terminal.
set -euo pipefail
MAILLENS=$1
command -v tmux >/dev/null || { echo "tmux is missing"; exit 1; }
tmp=$(mktemp -d)
sock="$tmp/tmux.sock"
cleanup() { tmux -S "$sock" kill-server 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- screen:"; tmux -S "$sock" capture-pane -p -t w 2>/dev/null || true; exit 1; }
log="$tmp/mail.log"
: > "$log"
# row KIND N: the KIND row's last-60-minutes total is N (robust to a minute
# boundary passing between appending and looking).
row() { grep -Eq "^$1 .* $2 *\$" <<<"$screen"; }
stamp() { LC_ALL=C date '+%b %e %H:%M:%S'; }
append() {
  local s; s=$(stamp)
  for i in 1 2 3; do
    echo "$s mx postfix/smtp[10]: 4A1B2C3D0$i: to=<u$i@ok.test>, relay=mx.ok.test[192.0.2.10]:25, delay=1, delays=0.1/0/0.4/0.5, dsn=2.0.0, status=sent (250 ok)"
  done
  for i in 1 2; do
    echo "$s mx postfix/smtp[11]: 5B1B2C3D0$i: to=<v$i@slow.test>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to mx.slow.test[192.0.2.20]:25: Connection timed out)"
  done
  printf '%s mx postfix/smtpd[12]: NOQUEUE: reject: RCPT from evil\033]0;pwned\007[192.0.2.66]: 554 5.7.1 <x@ok.test>: Relay access denied\033[2J; from=<s@spam.test> to=<x@ok.test> proto=ESMTP helo=<h>\n' "$s"
}

tmux -S "$sock" new-session -d -s w -x 120 -y 40 "env TERM=xterm-256color NO_COLOR= $MAILLENS watch --no-queue --interval 0.2 '$log'; echo WATCH-EXITED-\$?; sleep 30"
sleep 1
append >> "$log"
ok=0
for i in $(seq 1 50); do
  screen=$(tmux -S "$sock" capture-pane -p -t w)
  if row sent 3 && row rejected 1; then ok=1; break; fi
  sleep 0.2
done
[ $ok = 1 ] || fail "the appended lines are not counted"
row deferred 2 || fail "deferrals not counted"
grep -q 'slow.test' <<<"$screen" || fail "top deferral destination missing on the summary panel"
title=$(tmux -S "$sock" display -p -t w '#{pane_title}')
[ "$title" != "pwned" ] || fail "log content changed the terminal title"
echo "ok: follows, counts per minute, no title injection (title: $title)"

tmux -S "$sock" send-keys -t w 3
sleep 0.6
screen=$(tmux -S "$sock" capture-pane -p -t w)
grep -q 'latest problems' <<<"$screen" || fail "key 3 did not show the problems panel"
grep -q 'Relay access denied' <<<"$screen" || fail "the reject is not among the latest problems"
grep -q 'top deferral' <<<"$screen" && fail "problems panel still shows deferrals"
tmux -S "$sock" send-keys -t w 2
sleep 0.6
screen=$(tmux -S "$sock" capture-pane -p -t w)
grep -q 'top deferral destinations' <<<"$screen" || fail "key 2 did not show the deferrals panel"
grep -q 'latest problems' <<<"$screen" && fail "deferrals panel still shows problems"
echo "ok: keys switch panels"

# Rotation while watching: the new file's lines are counted too.
mv "$log" "$log.1"
append > "$log"
ok=0
for i in $(seq 1 50); do
  screen=$(tmux -S "$sock" capture-pane -p -t w)
  if row sent 6; then ok=1; break; fi
  sleep 0.2
done
[ $ok = 1 ] || fail "lines after a rename rotation not counted"
echo "ok: follows through a rename rotation"

tmux -S "$sock" send-keys -t w q
sleep 0.8
screen=$(tmux -S "$sock" capture-pane -p -t w)
grep -q 'WATCH-EXITED-0' <<<"$screen" || fail "q did not quit with status 0"
grep -q 'per minute' <<<"$screen" && fail "the alternate screen was not left"
echo "ok: q quits and restores the terminal"

# Not a terminal: plain frames, no escape sequences at all.
out="$tmp/plain.txt"
timeout 2 "$MAILLENS" watch --no-queue --from-start --interval 0.5 "$log" > "$out" || true
grep -q 'maillens watch' "$out" || fail "no plain frame when stdout is not a terminal"
if LC_ALL=C grep -q $'\033' "$out"; then fail "escape sequences in plain output"; fi
"$MAILLENS" watch --once --no-queue "$log.1" "$log" > "$out"
LC_ALL=C grep -q $'\033' "$out" && fail "escape sequences in --once output"
grep -q 'pwned' "$out" || fail "--once lost the hostile reject"
echo "ok: plain fallback and --once"
echo "all watch tests passed"
