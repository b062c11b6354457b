#!/usr/bin/env python3
"""check_test.py - `maillens check` as a monitoring plugin, for real.

Usage: check_test.py MAILLENS SHARED_DIR LOGGEN

- the built-in counts equal `maillens report`'s totals on real and generated
  logs, and equal the seeds' 5-minute grep script on the same window;
- the output follows the Nagios plugin guidelines (parsed strictly here);
- exit codes 0/1/2/3 for OK/WARNING/CRITICAL/UNKNOWN, including bad input;
- actions run for real: an exec hook, a webhook on a local HTTP server
  (127.0.0.1) and a mail through a sendmail stand-in, with hostile log
  content that must not inject anything.
"""
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from datetime import datetime, timezone

MAILLENS, SHARED, LOGGEN = sys.argv[1], sys.argv[2], sys.argv[3]
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def run(args, **kw):
    return subprocess.run([MAILLENS] + args, capture_output=True, text=True, errors="replace", **kw)


# 'label'=value[UOM];[warn];[crit];[min];[max]
PERF = re.compile(r"^'[^'=]+'=-?[0-9.]+(?:[a-zA-Z%]+)?(?:;-?[0-9.]*){0,4}$")


def parse_plugin(out, rc):
    """Parses plugin output strictly; returns (status, text, perf dict)."""
    lines = out.split("\n")
    first = lines[0]
    m = re.match(r"^MAILLENS (OK|WARNING|CRITICAL|UNKNOWN) - ([^|]*?)(?: \| (.*))?$", first)
    if not m:
        fail("not a plugin status line: %r" % first)
        return None, "", {}
    status, text, perf = m.group(1), m.group(2), m.group(3) or ""
    expected_rc = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}[status]
    if rc != expected_rc:
        fail("status %s but exit code %d" % (status, rc))
    values = {}
    for item in perf.split(" ") if perf else []:
        if not PERF.match(item):
            fail("bad perfdata item %r" % item)
            continue
        label, rest = item.split("=", 1)
        values[label.strip("'")] = float(rest.split(";")[0])
    for extra in lines[1:]:
        if "|" in extra or any(ord(c) < 0x20 or ord(c) == 0x7F for c in extra):
            fail("long output line with '|' or control characters: %r" % extra)
    return status, text, values


def epoch_of_last_line(path):
    """The time of the log's last line (traditional stamps, year 2026, UTC)."""
    last = open(path, "rb").read().rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("latin-1")
    return datetime.strptime("2026 " + last[:15], "%Y %b %d %H:%M:%S").replace(tzinfo=timezone.utc)


def counts_equal_report(log, label):
    rep = json.loads(run(["report", "--format", "json", "--year", "2026", log]).stdout)["grand_totals"]
    end = epoch_of_last_line(log)
    r = run(["check", "--format", "json", "--year", "2026", "--window", "30d",
             "--now", end.strftime("%Y-%m-%dT%H:%M:%SZ"), log])
    got = json.loads(r.stdout)["counts"]
    want = {"sent": rep["delivered"] + rep["forwarded"], "deferred": rep["deferrals"],
            "bounced": rep["bounced"], "rejected": rep["rejected"], "received": rep["received"]}
    for k, v in want.items():
        if got[k] != v:
            fail("%s: check %s=%d, report says %d" % (label, k, got[k], v))
    print("ok: %s counts equal report's (%s)" % (label, ", ".join("%s=%d" % kv for kv in sorted(want.items()))))


def seeds_script(log, now, minutes=5):
    """The seeds' cron script: grep the last N minutes' lines for status=sent, reject:, status=deferred."""
    stamps = set()
    for i in range(minutes):
        t = datetime.fromtimestamp(now.timestamp() - 60 * i, timezone.utc)
        stamps.add(t.strftime("%b ") + ("%2d" % t.day) + t.strftime(" %H:%M"))
    sent = rejected = deferred = 0
    for line in open(log, encoding="latin-1"):
        if line[:12] not in stamps:
            continue
        sent += "status=sent" in line
        rejected += "reject:" in line
        deferred += "status=deferred" in line
    return sent, rejected, deferred


with tempfile.TemporaryDirectory() as tmp:
    sample = os.path.join(REPO, "tests/data/realpostfix-sample/maillog")
    e2e = os.path.join(REPO, "tests/data/e2e-sample/maillog")
    gen = os.path.join(tmp, "gen.log")
    subprocess.run([LOGGEN, "--lines", "200000", "--days", "2", "--seed", "7", "--start", "2026-11-02 00:00:00",
                    "-o", gen], check=True)
    for log, label in ((sample, "real-Postfix sample"), (e2e, "e2e sample"), (gen, "generated 200k lines")):
        counts_equal_report(log, label)

    # The seeds' 5-minute script, minute-aligned so grep's minute stamps and the window agree.
    end = epoch_of_last_line(gen).replace(second=59)
    now = datetime.fromtimestamp(end.timestamp(), timezone.utc)
    r = run(["check", "--year", "2026", "--now", now.strftime("%Y-%m-%dT%H:%M:%SZ"), gen])
    status, text, perf = parse_plugin(r.stdout, r.returncode)
    # (now - 5m, now] = the 5 minutes whose stamps the script greps, as now ends at :59.
    sent, rejected, deferred = seeds_script(gen, now)
    if (perf.get("sent_5m"), perf.get("rejected_5m"), perf.get("deferred_5m")) != (sent, rejected, deferred):
        fail("seeds' script says sent/rejected/deferred %d/%d/%d, check says %s" % (sent, rejected, deferred, perf))
    elif status != "OK":
        fail("no rules but status %s" % status)
    else:
        print("ok: check equals the seeds' 5-minute script (%d sent, %d rejected, %d deferred)" %
              (sent, rejected, deferred))

    # Severities and exit codes on the real sample (it ends at 05:39:46).
    now_s = "2026-11-22T05:40:00Z"
    postqueue = os.path.join(REPO, "tests/data/e2e-sample/postqueue.json")
    rules = os.path.join(tmp, "rules.toml")

    def check_with(rule_text, extra=(), expect=None, log=sample):
        with open(rules, "w") as f:
            f.write(rule_text)
        r = run(["check", "--year", "2026", "--rules", rules, "--now", now_s] + list(extra) + [log])
        st, tx, pf = parse_plugin(r.stdout, r.returncode)
        if expect and st != expect:
            fail("rules %r: status %s, expected %s (%s)" % (rule_text, st, expect, r.stdout + r.stderr))
        return st, tx, pf, r

    check_with('[[alert]]\nname="rejects"\nexpr="rate(rejected, 5m) > 500"\nwarning=300\n', expect="OK")
    check_with('[[alert]]\nname="rejects"\nexpr="rate(rejected, 5m) > 500"\nwarning=30\n', expect="WARNING")
    st, tx, pf, _ = check_with('[[alert]]\nname="rejects"\nexpr="rate(rejected, 5m) > 35"\nwarning=30\n',
                               expect="CRITICAL")
    if pf.get("rejects") != 36:
        fail("perfdata rejects=%s, expected 36" % pf.get("rejects"))
    check_with('[[alert]]\nname="q"\nexpr="queue.deferred > 1000"\n', ["--postqueue", postqueue], "OK")
    check_with('[[alert]]\nname="q"\nexpr="queue.total > 1"\n', ["--postqueue", postqueue], "CRITICAL")
    check_with('[[alert]]\nname="q"\nexpr="queue.deferred > 1000"\n', ["--postqueue", os.path.join(tmp, "none")],
               "UNKNOWN")
    check_with('[[alert]]\nname="auth"\nexpr="auth_failures(ip, 10m) > 5"\n', expect="CRITICAL")
    check_with('[[alert]]\nname="x"\nexpr="rate(rejected, 5m) >"\n', expect="UNKNOWN")
    check_with('[[alert]\n', expect="UNKNOWN")
    # The shipped example rules parse and evaluate.
    r = run(["check", "--year", "2026", "--rules", os.path.join(REPO, "packaging/alerts.example.toml"),
             "--postqueue", postqueue, "--now", now_s, sample])
    st, _, pf = parse_plugin(r.stdout, r.returncode)
    if st not in ("OK", "WARNING", "CRITICAL") or "queue-deferred" not in pf:
        fail("example rules: %r" % (r.stdout + r.stderr))
    r = run(["check", "--now", now_s, os.path.join(tmp, "missing.log")])
    parse_plugin(r.stdout, r.returncode)
    if r.returncode != 3:
        fail("missing log: exit %d, expected 3 (UNKNOWN)" % r.returncode)
    r = run(["check", "--no-such-option"])
    if r.returncode != 3:
        fail("bad option: exit %d, expected 3 (UNKNOWN)" % r.returncode)
    print("ok: severities and exit codes")

    # Actions, with a hostile SASL username in the log.
    hostile_user = "evil\x1b]0;pwned\x07\rBcc: victim@example.org"
    hostile = os.path.join(tmp, "hostile.log")
    with open(hostile, "w", newline="") as f:
        for i in range(4):
            f.write("Nov 22 05:39:%02d mx postfix/submission/smtpd[77]: warning: unknown[192.0.2.66]: "
                    "SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=%s\n" % (i, hostile_user))
    got_hooks = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got_hooks.append((self.path, self.headers.get("Authorization"), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sendmail = os.path.join(tmp, "sendmail")
    mailbox = os.path.join(tmp, "mailbox")
    with open(sendmail, "w") as f:
        f.write('#!/bin/sh\necho "ARGS: $*" > "%s"\ncat >> "%s"\n' % (mailbox, mailbox))
    os.chmod(sendmail, 0o755)
    exec_out = os.path.join(tmp, "exec")
    hook_script = os.path.join(tmp, "hook.sh")
    with open(hook_script, "w") as f:
        f.write('#!/bin/sh\nenv | grep ^MAILLENS_ | sort > "%s.env"\ncat > "%s.json"\n' % (exec_out, exec_out))
    os.chmod(hook_script, 0o755)
    st, tx, pf, r = check_with(
        '[[alert]]\nname="auth-users"\nexpr="auth_failures(user, 10m) > 3"\nactions=["hook","web","mail"]\n'
        '[alert_action.hook]\ntype="exec"\ncommand=["%s"]\n'
        '[alert_action.web]\ntype="webhook"\nurl="http://127.0.0.1:%d/alerts"\nbearer_token="s3cret"\n'
        '[alert_action.mail]\ntype="mail"\nto="postmaster@example.test"\nsendmail="%s"\n'
        % (hook_script, server.server_port, sendmail), ["--run-actions"], "CRITICAL", log=hostile)
    server.shutdown()
    if any(ord(c) < 0x20 and c != "\n" for c in r.stdout):
        fail("control characters from the log reached check's output: %r" % r.stdout)
    env = open(exec_out + ".env").read()
    if "MAILLENS_ALERT=auth-users" not in env or "MAILLENS_VALUE=4" not in env or "MAILLENS_STATUS=firing" not in env:
        fail("exec hook env: %r" % env)
    if "\x1b" in env:
        fail("ESC in the hook's environment")
    payload = json.loads(open(exec_out + ".json").read())
    if payload["key"] != hostile_user or payload["value"] != 4 or payload["severity"] != "CRITICAL":
        fail("exec hook JSON: %r" % payload)
    if len(got_hooks) != 1:
        fail("webhook got %d posts" % len(got_hooks))
    else:
        path, auth, body = got_hooks[0]
        if path != "/alerts" or auth != "Bearer s3cret" or json.loads(body)["alert"] != "auth-users":
            fail("webhook request: %r %r %r" % (path, auth, body))
    mail = open(mailbox, encoding="latin-1").read()
    headers = mail.split("\n\n", 1)[0].split("\n")
    if headers[0] != "ARGS: -t -i" or not any(h.startswith("To: postmaster@example.test") for h in headers):
        fail("sendmail call: %r" % headers)
    if any(h.lower().startswith("bcc:") for h in headers) or "\x1b" in mail or "\r" in mail:
        fail("header injection through the alert mail: %r" % headers)
    subject = [h for h in headers if h.startswith("Subject: ")]
    if len(subject) != 1 or "auth-users" not in subject[0]:
        fail("mail subject: %r" % subject)
    print("ok: exec, webhook and mail actions; hostile username neutralised")

if failures:
    print("%d failure(s)" % len(failures))
    sys.exit(1)
print("all check tests passed")
