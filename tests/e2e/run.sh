#!/usr/bin/env bash
# tests/e2e/run.sh - end-to-end test of maillens against a real Postfix + Dovecot.
#
# What it does, in order:
#   1. installs (apt-get, non-interactive, only what is missing) postfix, swaks,
#      dovecot-core, pflogsumm, libdate-calc-perl (and iproute2 for ip/ss),
#      with debconf preseeded ("No configuration") and a temporary
#      policy-rc.d, so that the packages neither configure nor start a system
#      Postfix or Dovecot;
#   2. re-executes itself inside a loopback-only network namespace
#      (`unshare -n -m`) when the kernel allows it; otherwise it stays in the
#      host namespace and uses 127.0.0.1 with non-standard ports only;
#   3. builds a throw-away private Postfix instance in a temp dir (its own
#      config_directory, queue_directory, data_directory, maillog_file logging
#      through postlogd, listeners on 127.0.0.1 only), a Dovecot used only as
#      the SASL backend (auth socket for Postfix, passwd-file users), a
#      loopback smtp-sink that accepts mail (relay.test), one that answers 5xx
#      (after-queue bounces, bounce.test) and a closed loopback port
#      (deferrals, deferred.test);
#   4. runs a seeded scenario (tests/e2e/scenario.py) that makes real Postfix
#      events happen and writes a truth file (every message, its recipients,
#      the expected outcome per recipient, and expected pflogsumm-style Grand
#      Totals derived from it);
#   5. asserts that `$MAILLENS report --format json LOG` and pflogsumm's Grand
#      Totals both equal the truth, and that maillens left no line unparsed
#      (tests/e2e/check.py);
#   6. prints a census of the events produced and the elapsed time.
# Every process it starts is stopped by PID from an EXIT trap, also on failure.
# No traffic leaves 127.0.0.0/8: all routes are [127.0.0.1]:port, DNS is off in
# the SMTP client, peer-name lookups are off in smtpd, and default_transport is
# the error transport.
#
# Usage: tests/e2e/run.sh [--keep] [--record DIR]
#   --keep        keep the temporary work dir (configs, logs, queue) afterwards
#   --record DIR  copy the run's maillog, dovecot.log, truth.json, postqueue -j
#                 snapshots (postqueue.json, postqueue-final.json), qshape.txt,
#                 pflogsumm.txt and census.txt into DIR
# Environment:
#   MAILLENS               maillens binary (default: <repo>/build/maillens)
#   E2E_ALLOW_NO_MAILLENS  1 = skip (loudly) the maillens checks when the
#                          binary is missing; otherwise a missing binary fails
#   E2E_SEED               scenario seed (default 4242)
#   E2E_NETNS              auto (default) | no  (no = never use unshare)
#   E2E_PORT_BASE          first port of the private range (default 42500)
#   E2E_SKIP_INSTALL       1 = do not call apt-get (packages must be present)
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$E2E_DIR/../.." && pwd)
MAILLENS=${MAILLENS:-$REPO_ROOT/build/maillens}
E2E_SEED=${E2E_SEED:-4242}
E2E_NETNS=${E2E_NETNS:-auto}
E2E_PORT_BASE=${E2E_PORT_BASE:-42500}
E2E_T0=${E2E_T0:-$(date +%s.%N)}   # kept across the re-exec into the namespace
export E2E_T0

KEEP=0
RECORD_DIR=""

# Ports, all on 127.0.0.1. The content-filter re-injection listener is the
# conventional 10026; every other port is derived from E2E_PORT_BASE.
PORT_SMTP=$((E2E_PORT_BASE + 25))       # public-facing smtpd
PORT_SUBMISSION=$((E2E_PORT_BASE + 87)) # smtpd with SASL AUTH (Dovecot)
PORT_REINJECT=10026                     # smtpd after the content filter hop
PORT_SINK_OK=$((E2E_PORT_BASE + 30))    # smtp-sink accepting everything
PORT_SINK_5XX=$((E2E_PORT_BASE + 31))   # smtp-sink rejecting RCPT with 5xx
PORT_CLOSED=$((E2E_PORT_BASE + 99))     # nothing listens: deferrals

# Queue timing: seconds, so that deferral, retry and expiry fit in a minute.
QUEUE_LIFETIME=20

PACKAGES=(postfix swaks dovecot-core pflogsumm libdate-calc-perl iproute2)

# Runtime state filled in below; the EXIT trap reads it.
WORK=""
SINK_PIDS=()
SCENARIO_PID=""
POSTFIX_STARTED=0
DOVECOT_STARTED=0
POLICY_RC_CREATED=0

# ---------------------------------------------------------------- helpers ---

# Print a progress line with the time elapsed since the start.
log() {
  local now
  now=$(date +%s.%N)
  printf '[e2e %6.1fs] %s\n' "$(awk -v a="$now" -v b="$E2E_T0" 'BEGIN{print a-b}')" "$*" >&2
}

# Print an error and exit non-zero (the EXIT trap cleans up).
die() {
  printf '\n[e2e] FAIL: %s\n' "$*" >&2
  exit 1
}

# Print usage text.
usage() {
  sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

# Parse command-line options into KEEP and RECORD_DIR.
parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --keep) KEEP=1 ;;
      --record)
        [ $# -ge 2 ] || die "--record needs a directory"
        RECORD_DIR=$2
        shift ;;
      --record=*) RECORD_DIR=${1#--record=} ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; die "unknown argument: $1" ;;
    esac
    shift
  done
  if [ -n "$RECORD_DIR" ]; then
    mkdir -p "$RECORD_DIR"
    RECORD_DIR=$(cd "$RECORD_DIR" && pwd)
  fi
}

# ----------------------------------------------------------- installation ---

# Install the missing packages without starting any system service.
install_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "packages present: ${PACKAGES[*]}"
    return
  fi
  [ "${E2E_SKIP_INSTALL:-0}" = 1 ] && die "missing packages and E2E_SKIP_INSTALL=1: ${missing[*]}"
  [ "$(id -u)" -eq 0 ] || die "must run as root to install: ${missing[*]}"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # No system main.cf: the package neither configures nor starts a postfix.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  # Forbid service starts from maintainer scripts (invoke-rc.d and
  # deb-systemd-invoke both honour policy-rc.d); removed again right after.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    POLICY_RC_CREATED=1
  fi
  local aptlog
  aptlog=$(mktemp /tmp/maillens-e2e-apt.XXXXXX)
  if ! { apt-get update -qq && \
         apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$aptlog" 2>&1; then
    cat "$aptlog" >&2
    rm -f "$aptlog"
    die "apt-get could not install: ${missing[*]}"
  fi
  rm -f "$aptlog"
  if [ "$POLICY_RC_CREATED" = 1 ]; then
    rm -f /usr/sbin/policy-rc.d
    POLICY_RC_CREATED=0
  fi
}

# Warn if a system postfix/dovecot is running. We never touch it; it cannot
# be mistaken for the instance under test, which has its own config dir,
# queue dir, pid file and ports.
check_no_system_services() {
  local unit pid
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    for unit in postfix dovecot; do
      if systemctl is-active --quiet "$unit" 2>/dev/null; then
        log "WARNING: system service $unit is active (not the instance under test)"
      fi
    done
  fi
  pid=$({ tr -d ' ' < /var/spool/postfix/pid/master.pid; } 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    log "WARNING: a system postfix master (pid $pid) is running (not the instance under test)"
  fi
}

# ------------------------------------------------------------- isolation ---

# Re-exec inside a loopback-only network namespace when possible.
maybe_enter_netns() {
  if [ -n "${E2E_IN_NETNS:-}" ]; then
    ip link set lo up || die "cannot bring up lo inside the namespace"
    ISOLATION=netns
    return
  fi
  ISOLATION=loopback
  if [ "$E2E_NETNS" != no ] && command -v unshare >/dev/null && command -v ip >/dev/null \
     && unshare -n -m true 2>/dev/null; then
    log "entering a private network namespace (unshare -n -m)"
    local args=()
    [ "$KEEP" = 1 ] && args+=(--keep)
    [ -n "$RECORD_DIR" ] && args+=(--record "$RECORD_DIR")
    exec env E2E_IN_NETNS=1 E2E_SKIP_INSTALL=1 unshare -n -m -- bash "$0" "${args[@]}"
  fi
  log "no network namespace (E2E_NETNS=$E2E_NETNS or unshare unavailable): using 127.0.0.1 with private ports"
}

# Fail if one of our ports is already taken (only matters outside a netns).
check_ports_free() {
  local p
  for p in "$PORT_SMTP" "$PORT_SUBMISSION" "$PORT_REINJECT" "$PORT_SINK_OK" \
           "$PORT_SINK_5XX" "$PORT_CLOSED"; do
    if ss -Hltn "sport = :$p" | grep -q .; then
      die "port $p is in use; set E2E_PORT_BASE to another range"
    fi
  done
}

# ---------------------------------------------------------- configuration ---

# Create the work dir layout and every config file of the private instance.
write_configs() {
  WORK=$(mktemp -d /tmp/maillens-e2e.XXXXXX)
  chmod 755 "$WORK"
  ETC=$WORK/etc
  SPOOL=$WORK/spool
  MAILLOG=$WORK/maillog
  OUT=$WORK/out
  mkdir -p "$ETC" "$SPOOL" "$WORK/data" "$WORK/mail" "$WORK/dovecot/run" \
           "$WORK/dovecot/state" "$OUT"
  # local(8) writes alias-file mailboxes as default_privs (nobody).
  chown nobody:nogroup "$WORK/mail"
  chown postfix:postfix "$WORK/data"

  cat > "$ETC/main.cf" <<EOF
# private throw-away instance written by tests/e2e/run.sh
compatibility_level = 3.6
queue_directory = $SPOOL
data_directory = $WORK/data
mail_spool_directory = $WORK/mail
maillog_file = $MAILLOG
maillog_file_prefixes = $WORK
myhostname = mx.example.test
mydomain = example.test
myorigin = \$mydomain
mydestination = \$myhostname, \$mydomain, localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
biff = no
append_dot_mydomain = no
readme_directory = no
smtpd_banner = \$myhostname ESMTP
# no DNS, no reverse lookups: nothing may leave 127.0.0.0/8
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtp_connect_timeout = 5s
default_transport = error:5.7.1 outbound mail is disabled in the e2e test
relay_transport = error:5.7.1 relay without a transport entry in the e2e test
relay_domains = relay.test bounce.test deferred.test
transport_maps = hash:$ETC/transport
# local users are aliases to mailbox files (no system accounts needed)
alias_maps = hash:$ETC/aliases
alias_database = hash:$ETC/aliases
local_recipient_maps = \$alias_maps
allow_mail_to_files = alias
default_privs = nobody
header_checks = regexp:$ETC/header_checks
smtpd_helo_required = yes
smtpd_delay_reject = yes
smtpd_client_restrictions = check_client_access hash:$ETC/client_access
smtpd_helo_restrictions = check_helo_access hash:$ETC/helo_access
smtpd_sender_restrictions = check_sender_access hash:$ETC/sender_access
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated,
    reject_unauth_destination
smtpd_recipient_restrictions =
    warn_if_reject check_recipient_access hash:$ETC/warn_recipient_access
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_auth_enable = no
smtpd_sasl_security_options = noanonymous
# second-scale queue: retries every few seconds, expiry after ${QUEUE_LIFETIME}s
queue_run_delay = 8s
minimal_backoff_time = 8s
maximal_backoff_time = 16s
maximal_queue_lifetime = ${QUEUE_LIFETIME}s
bounce_queue_lifetime = ${QUEUE_LIFETIME}s
delay_warning_time = 0h
# the built-in templates print \$maximal_queue_lifetime_days etc., which are 0
# with second-scale lifetimes and make bounce(8) log warnings
bounce_template_file = $ETC/bounce.cf
EOF

  cat > "$ETC/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$PORT_SMTP inet n - n - - smtpd
127.0.0.1:$PORT_SUBMISSION inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=
  -o smtpd_helo_restrictions=
  -o smtpd_sender_restrictions=
  -o smtpd_recipient_restrictions=
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
# re-injection after the content filter: plain syslog_name (postfix/smtpd), so
# pflogsumm counts the hop as a second "received"
127.0.0.1:$PORT_REINJECT inet n - n - 4 smtpd
  -o content_filter=
  -o receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters
  -o smtpd_client_restrictions=
  -o smtpd_helo_restrictions=
  -o smtpd_sender_restrictions=
  -o smtpd_recipient_restrictions=
  -o smtpd_relay_restrictions=permit_mynetworks,reject
  -o mynetworks=127.0.0.0/8
  -o smtpd_authorized_xforward_hosts=127.0.0.0/8
scan      unix  -       -       n       -       4       smtp
  -o smtp_send_xforward_command=yes
  -o disable_mime_output_conversion=yes
pickup    unix  n       -       n       5       1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF

  # Local users: each one is an alias to a mailbox file.
  {
    local u
    for u in alice bob carol dave erin frank postmaster; do
      echo "$u: $WORK/mail/$u"
    done
    echo "mailer-daemon: postmaster"
    echo "team: alice, bob, carol"          # alias expansion: 3 local deliveries
    echo "fwd: fwd-target@relay.test"       # local(8) logs "forwarded as"
    echo "trap: $WORK/mail/trap"            # warn_if_reject target
  } > "$ETC/aliases"

  cat > "$ETC/transport" <<EOF
relay.test     smtp:[127.0.0.1]:$PORT_SINK_OK
bounce.test    smtp:[127.0.0.1]:$PORT_SINK_5XX
deferred.test  smtp:[127.0.0.1]:$PORT_CLOSED
EOF
  cat > "$ETC/client_access" <<'EOF'
127.0.0.66     REJECT client blocked by e2e policy (client_access)
EOF
  cat > "$ETC/helo_access" <<'EOF'
spam.bot.test  REJECT go away spambot (helo_access)
EOF
  cat > "$ETC/sender_access" <<'EOF'
bad.test       REJECT sender domain blacklisted (sender_access)
filtered.test  FILTER scan:[127.0.0.1]:10026
EOF
  cat > "$ETC/warn_recipient_access" <<'EOF'
trap@example.test  REJECT spam trap hit (warn_if_reject)
EOF
  cat > "$ETC/header_checks" <<'EOF'
/^Subject:.*\[e2e-hold\]/     HOLD held for review (header_checks)
/^Subject:.*\[e2e-discard\]/  DISCARD discarded (header_checks)
EOF
  cat > "$ETC/bounce.cf" <<'EOF'
failure_template = <<EOT
Charset: us-ascii
From: MAILER-DAEMON (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
Postmaster-Subject: Postmaster Copy: Undelivered Mail

This is the mail system at host $myhostname.

Your message could not be delivered to one or more recipients.
The mail system
EOT
delay_template = <<EOT
Charset: us-ascii
From: MAILER-DAEMON (Mail Delivery System)
Subject: Delayed Mail (still being retried)
Postmaster-Subject: Postmaster Warning: Delayed Mail

This is the mail system at host $myhostname.

Your message could not yet be delivered; it is still being retried.
The mail system
EOT
success_template = <<EOT
Charset: us-ascii
From: MAILER-DAEMON (Mail Delivery System)
Subject: Successful Mail Delivery Report

This is the mail system at host $myhostname.

Your message was successfully delivered.
The mail system
EOT
verify_template = <<EOT
Charset: us-ascii
From: MAILER-DAEMON (Mail Delivery System)
Subject: Mail Delivery Status Report

This is the mail system at host $myhostname.

Enclosed is the mail delivery report that you requested.
The mail system
EOT
EOF

  local m
  for m in transport client_access helo_access sender_access warn_recipient_access; do
    postmap -c "$ETC" "hash:$ETC/$m"
  done
  postalias -c "$ETC" "hash:$ETC/aliases"

  # Dovecot: SASL backend only (no IMAP/POP3 listeners at all).
  DOVECOT_CONF=$WORK/dovecot/dovecot.conf
  DOVECOT_LOG=$WORK/dovecot.log
  cat > "$WORK/dovecot/users" <<'EOF'
alice:{PLAIN}alice-secret
bob:{PLAIN}bob-secret
frank:{PLAIN}frank-secret
EOF
  chown root:dovecot "$WORK/dovecot/users"
  chmod 640 "$WORK/dovecot/users"
  cat > "$DOVECOT_CONF" <<EOF
protocols = none
listen = 127.0.0.1
base_dir = $WORK/dovecot/run
state_dir = $WORK/dovecot/state
log_path = $DOVECOT_LOG
log_timestamp = "%b %d %H:%M:%S "
auth_verbose = yes
auth_mechanisms = plain login
# no 2 s delay after each failed password
auth_failure_delay = 0
ssl = no
default_internal_user = dovecot
default_login_user = dovenull
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $WORK/dovecot/users
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$WORK/mail/%n
}
# anvil's per-IP auth penalty (2..15 s growing delay) would make the failed
# logins slow: no penalty socket, no penalty
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  unix_listener $SPOOL/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF
}

# ---------------------------------------------------------------- services ---

# Wait until something listens on 127.0.0.1:PORT (without connecting to it).
wait_port() {
  local port=$1 what=$2 _
  for _ in $(seq 1 100); do
    if ss -Hltn "src 127.0.0.1:$port" | grep -q .; then return 0; fi
    sleep 0.1
  done
  die "$what did not start listening on 127.0.0.1:$port"
}

# Start the loopback smtp-sinks: one accepting, one answering 5xx to RCPT.
start_sinks() {
  smtp-sink -u nobody -h sink-ok.relay.test "127.0.0.1:$PORT_SINK_OK" 16 &
  SINK_PIDS+=($!)
  smtp-sink -u nobody -h sink-5xx.bounce.test -f rcpt "127.0.0.1:$PORT_SINK_5XX" 16 &
  SINK_PIDS+=($!)
  wait_port "$PORT_SINK_OK" "smtp-sink (accepting)"
  wait_port "$PORT_SINK_5XX" "smtp-sink (5xx)"
}

# Start Postfix (private instance) and Dovecot (SASL only).
start_postfix_dovecot() {
  postfix -c "$ETC" check 2>&1 | sed 's/^/[postfix check] /' >&2 || true
  POSTFIX_STARTED=1
  postfix -c "$ETC" start 2>/dev/null || die "postfix did not start (see $MAILLOG)"
  POSTFIX_MASTER_PID=$(tr -d ' ' < "$SPOOL/pid/master.pid")
  kill -0 "$POSTFIX_MASTER_PID" || die "postfix master is not running"
  # The instance under test is the one whose pid file is in our queue dir.
  [ "$(readlink "/proc/$POSTFIX_MASTER_PID/exe")" = /usr/lib/postfix/sbin/master ] \
    || die "pid $POSTFIX_MASTER_PID is not a postfix master"
  DOVECOT_STARTED=1
  dovecot -c "$DOVECOT_CONF" || die "dovecot did not start (see $DOVECOT_LOG)"
  local _
  for _ in $(seq 1 100); do
    [ -S "$SPOOL/private/auth" ] && [ -s "$WORK/dovecot/run/master.pid" ] && break
    sleep 0.1
  done
  [ -S "$SPOOL/private/auth" ] || die "dovecot auth socket did not appear (see $DOVECOT_LOG)"
  DOVECOT_MASTER_PID=$(cat "$WORK/dovecot/run/master.pid" 2>/dev/null) \
    || die "dovecot wrote no master.pid"
  wait_port "$PORT_SMTP" "postfix smtpd"
  log "postfix $(postconf -c "$ETC" -h mail_version) (master pid $POSTFIX_MASTER_PID), dovecot $(dovecot --version | cut -d' ' -f1) (pid $DOVECOT_MASTER_PID), sinks ${SINK_PIDS[*]}"
}

# Kill a process and the children it left, by PID; wait for them to go.
kill_tree() {
  local pid=$1 kids=() _
  kill -0 "$pid" 2>/dev/null || return 0
  mapfile -t kids < <(ps -o pid= --ppid "$pid" 2>/dev/null | tr -d ' ')
  kill "$pid" "${kids[@]}" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" "${kids[@]}" 2>/dev/null || true
}

# EXIT trap: stop every process we started (by PID), then tidy the work dir.
cleanup() {
  local rc=$? pid kids
  set +e
  [ "$rc" -eq 0 ] || log "exit status $rc: stopping the processes this run started"
  if [ "$POLICY_RC_CREATED" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  # the scenario driver first (and the swaks/postqueue it may be running)
  [ -n "$SCENARIO_PID" ] && kill_tree "$SCENARIO_PID"
  if [ "$POSTFIX_STARTED" = 1 ] && [ -n "$WORK" ]; then
    pid=$({ tr -d ' ' < "$SPOOL/pid/master.pid"; } 2>/dev/null)
    kids=""
    [ -n "$pid" ] && kids=$(ps -o pid= --ppid "$pid" 2>/dev/null)
    postfix -c "$ETC" stop >/dev/null 2>&1
    if [ -n "$pid" ]; then
      kill_tree "$pid"
      for k in $kids; do kill -9 "$k" 2>/dev/null; done
    fi
  fi
  if [ "$DOVECOT_STARTED" = 1 ] && [ -n "$WORK" ]; then
    pid=$(cat "$WORK/dovecot/run/master.pid" 2>/dev/null)
    [ -n "$pid" ] && kill_tree "$pid"
  fi
  for pid in "${SINK_PIDS[@]}"; do kill_tree "$pid"; done
  if [ -n "$WORK" ]; then
    if [ "$KEEP" = 1 ]; then
      log "work dir kept: $WORK"
    else
      rm -rf "$WORK"
    fi
  fi
  exit "$rc"
}

# --------------------------------------------------------------- scenario ---

# Run the seeded scenario; it writes $OUT/truth.json and the queue snapshots.
run_scenario() {
  log "scenario (seed $E2E_SEED, queue lifetime ${QUEUE_LIFETIME}s)"
  # in the background + wait, so that a signal runs the EXIT trap at once
  python3 "$E2E_DIR/scenario.py" \
    --seed "$E2E_SEED" --work "$WORK" --etc "$ETC" --maillog "$MAILLOG" \
    --out "$OUT" --isolation "$ISOLATION" --lifetime "$QUEUE_LIFETIME" \
    --port-smtp "$PORT_SMTP" --port-submission "$PORT_SUBMISSION" \
    --port-reinject "$PORT_REINJECT" --port-sink-ok "$PORT_SINK_OK" \
    --port-sink-5xx "$PORT_SINK_5XX" --port-closed "$PORT_CLOSED" &
  SCENARIO_PID=$!
  local rc=0
  wait "$SCENARIO_PID" || rc=$?
  SCENARIO_PID=""
  [ "$rc" -eq 0 ] || die "scenario failed (exit $rc)"
}

# Stop Postfix so that the log is complete before it is analysed.
stop_postfix() {
  postfix -c "$ETC" stop >/dev/null 2>&1 || true
  kill_tree "$POSTFIX_MASTER_PID"
  POSTFIX_STARTED=0
  # postlogd writes its last lines asynchronously; give it a moment
  sleep 0.5
}

# Copy the run's artefacts into --record DIR.
record_run() {
  [ -n "$RECORD_DIR" ] || return 0
  cp "$MAILLOG" "$RECORD_DIR/maillog"
  cp "$DOVECOT_LOG" "$RECORD_DIR/dovecot.log"
  cp "$OUT/truth.json" "$OUT/postqueue.json" "$OUT/postqueue-final.json" \
     "$OUT/qshape.txt" "$OUT/pflogsumm.txt" "$OUT/census.txt" "$RECORD_DIR/"
  chmod 644 "$RECORD_DIR"/*
  log "recorded run into $RECORD_DIR"
}

# Print the elapsed time since the start in seconds.
elapsed() {
  awk -v a="$(date +%s.%N)" -v b="$E2E_T0" 'BEGIN{printf "%.0f", a-b}'
}

# ------------------------------------------------------------------- main ---

main() {
  parse_args "$@"
  trap cleanup EXIT
  trap 'log "interrupted by a signal; stopping everything"; exit 130' INT TERM
  install_packages
  check_no_system_services
  maybe_enter_netns
  command -v python3 >/dev/null || die "python3 is required"
  check_ports_free
  write_configs
  start_sinks
  start_postfix_dovecot
  run_scenario
  stop_postfix
  pflogsumm "$MAILLOG" > "$OUT/pflogsumm.txt" 2>"$OUT/pflogsumm.err" \
    || die "pflogsumm failed: $(cat "$OUT/pflogsumm.err")"
  python3 "$E2E_DIR/check.py" census "$MAILLOG" > "$OUT/census.txt"
  record_run

  echo "== events produced (maillog census, isolation: $ISOLATION) =="
  cat "$OUT/census.txt"
  echo
  echo "== grand totals =="
  local rc=0
  python3 "$E2E_DIR/check.py" assert --truth "$OUT/truth.json" \
    --pflogsumm "$OUT/pflogsumm.txt" --maillens "$MAILLENS" --log "$MAILLOG" \
    --out "$OUT" || rc=$?
  echo
  echo "elapsed: $(elapsed)s"
  [ -f "$OUT/result.txt" ] || die "check.py did not produce a result (exit $rc)"
  if [ "$rc" -ne 0 ]; then
    cat "$OUT/result.txt"
    die "assertions failed (see FAILED lines above)"
  fi
  cat "$OUT/result.txt"
}

main "$@"
