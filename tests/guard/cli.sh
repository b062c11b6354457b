#!/usr/bin/env bash
# cli.sh - maillens guard's command line: exit codes, ignoreip, dry-run
# commands, --execute through an exec hook and (as root) into a real nft set
# and ipset in a private network namespace, --state, hostile log content.
# usage: cli.sh MAILLENS
set -euo pipefail
ml=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

log=$tmp/mail.log
for i in 1 2 3 4 5; do
  echo "2026-11-22T09:0$i:00Z mx postfix/submission/smtpd[10$i]: warning: unknown[192.0.2.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=admin"
  echo "2026-11-22T09:0$i:30Z mx postfix/submission/smtpd[20$i]: warning: unknown[198.51.100.7]: SASL PLAIN authentication failed: (reason unavailable)"
  printf '2026-11-22T09:0%s:40Z mx dovecot[7]: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<\033]0;pwn\007\377x>, method=PLAIN, rip=2001:db8::66, lip=192.0.2.1, session=<a>\n' "$i"
done > "$log"
now=2026-11-22T09:10:00Z
common=(--now "$now" --maxretry 5 --findtime 10m --bantime 1h)

# Usage errors: exit 2; a missing file: exit 1.
for bad in "--findtime x" "--bantime 0" "--maxretry 0" "--ignoreip 1.2.3.4/40" "--action nft:a;b:c:d" "--now never"; do
  set +e; $ml guard $bad "$log" > /dev/null 2>&1; rc=$?; set -e
  [[ $rc -eq 2 ]] || fail "guard $bad: exit $rc, expected 2"
done
set +e; $ml guard "$tmp/missing.log" > /dev/null 2>&1; rc=$?; set -e
[[ $rc -eq 1 ]] || fail "missing file: exit $rc, expected 1"

# Dry run (default): the nft commands are printed, nothing is run; the
# ignored network is never banned.
out=$($ml guard "${common[@]}" --ignoreip 198.51.100.0/24 --action nft "$log")
grep -aqx "nft add element inet maillens guard '{' 192.0.2.9 timeout 3300s '}'" <<< "$out" || fail "nft dry run: $out"
grep -aqx "nft add element inet maillens guard6 '{' 2001:db8::66 timeout 3340s '}'" <<< "$out" || fail "nft6 dry run: $out"
grep -aq "198.51.100.7 " <<< "$(grep -a -A5 '^Bans' <<< "$out")" && fail "ignored address banned: $out"
grep -aq $'\033' <<< "$out" && fail "escape character reached the terminal output"
out=$($ml guard "${common[@]}" --action ipset:bad "$log")
grep -aqx "ipset add bad 198.51.100.7 timeout 3330 -exist" <<< "$out" || fail "ipset dry run: $out"
out=$($ml guard "${common[@]}" --action fail2ban:postfix-sasl "$log")
grep -aqx "fail2ban-client set postfix-sasl banip 192.0.2.9" <<< "$out" || fail "fail2ban dry run: $out"

# JSON: valid whatever the bytes; matches and bans as documented.
$ml guard "${common[@]}" --format json "$log" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert len(d["matches"]) == 15, len(d["matches"])
assert {b["ip"] for b in d["bans"]} == {"192.0.2.9", "198.51.100.7", "2001:db8::66"}, d["bans"]
b = [b for b in d["bans"] if b["ip"] == "192.0.2.9"][0]
assert (b["start"], b["end"], b["failures"]) == ("2026-11-22T09:05:00+00:00", "2026-11-22T10:05:00+00:00", 5), b
m = d["matches"][0]
assert set(m) == {"time", "ip", "user", "source", "line"} and m["user"] == "admin", m
assert any("\u001b" in m["user"] for m in d["matches"])  # escaped by JSON, kept as data
assert d["dry_run"] is True
' || fail "json output"

# --execute with an exec hook: the hook gets IP START END FAILURES, no shell.
cat > "$tmp/hook" <<HOOK
#!/bin/sh
echo "\$@" >> "$tmp/hook.out"
HOOK
chmod +x "$tmp/hook"
TZ=UTC $ml guard "${common[@]}" --ignoreip 2001:db8::/32 --action "exec:$tmp/hook" --execute "$log" > /dev/null
sort "$tmp/hook.out" > "$tmp/hook.sorted"
printf '%s\n' "192.0.2.9 1795338300 1795341900 5" "198.51.100.7 1795338330 1795341930 5" | diff - "$tmp/hook.sorted" ||
  fail "exec hook arguments"

# --state: bans survive a restart (a second run over an empty log still acts).
$ml guard "${common[@]}" --state "$tmp/state" "$log" > /dev/null
grep -aq "^A 192.0.2.9 " "$tmp/state" || fail "state file: $(cat "$tmp/state")"
out=$($ml guard "${common[@]}" --state "$tmp/state" --action nft /dev/null)
grep -aq "192.0.2.9 timeout 3300s" <<< "$out" || fail "ban lost across --state: $out"

echo junk > "$tmp/bad-state"
set +e; $ml guard --state "$tmp/bad-state" "$log" > /dev/null 2>&1; rc=$?; set -e
[[ $rc -eq 1 ]] || fail "corrupt --state: exit $rc, expected 1"
set +e; $ml guard "${common[@]}" --action exec:/nonexistent/hook --execute "$log" > /dev/null 2>&1; rc=$?; set -e
[[ $rc -eq 1 ]] || fail "failing action: exit $rc, expected 1"

# As root: a real nft set and ipset in a private network namespace.
if [[ $(id -u) -eq 0 ]] && command -v nft > /dev/null && unshare -n true 2> /dev/null; then
  got=$(unshare -n sh -c "
    nft add table inet maillens &&
    nft add set inet maillens guard '{ type ipv4_addr; flags timeout; }' &&
    nft add set inet maillens guard6 '{ type ipv6_addr; flags timeout; }' &&
    $ml guard ${common[*]} --ignoreip 198.51.100.7 --action nft --execute $log > /dev/null &&
    nft list table inet maillens")
  grep -aq "192.0.2.9 timeout 55m" <<< "$got" || fail "nft set: $got"
  grep -aq "2001:db8::66 timeout" <<< "$got" || fail "nft set6: $got"
  grep -aq "198.51.100.7" <<< "$got" && fail "ignored address in nft set: $got"
  if command -v ipset > /dev/null; then
    got=$(unshare -n sh -c "
      ipset create maillens-guard hash:ip timeout 0 && ipset create maillens-guard6 hash:ip family inet6 timeout 0 &&
      $ml guard ${common[*]} --action ipset --execute $log > /dev/null && ipset list")
    grep -aq "^192.0.2.9 timeout" <<< "$got" || fail "ipset: $got"
    grep -aq "^2001:db8::66 timeout" <<< "$got" || fail "ipset6: $got"
  fi
  echo "nft/ipset in a network namespace: ok"
else
  echo "not root or no network namespaces: real nft/ipset sets not tried"
fi
echo "guard cli: ok"
