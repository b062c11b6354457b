#!/usr/bin/env python3
"""journal_test.py MAILLENS LOG - `serve --journal` on real journal files.

Turns every line of LOG (a real Postfix + Dovecot log) into a journal entry
(_SYSTEMD_UNIT postfix@-.service or dovecot.service, SYSLOG_IDENTIFIER,
SYSLOG_PID, MESSAGE, realtime stamps), adds entries of another unit
(cron.service, which must not be counted) and one whose MESSAGE holds a
newline (binary export field), and writes them with systemd-journal-remote
(Debian package systemd-journal-remote) as journal files in three parts:
  A before serve starts; serve reads it and is killed with SIGKILL;
  B while the restarted serve runs (a new journal file appears);
  C while serve is down again (SIGKILL), then a last restart.
At the end every /metrics series computed from the log equals `maillens
metrics` on the same lines written as a plain log: no entry lost, none
counted twice, other units ignored. Listens on 127.0.0.1 only.
Exit 77 (skip) only when systemd-journal-remote is not installed.
"""
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timezone

MAILLENS, LOG = sys.argv[1:3]
REMOTE = "/lib/systemd/systemd-journal-remote"
BOOT = "0123456789abcdef0123456789abcdef"
BASE_USEC = int(time.time() * 1e6) - 86400 * 1000000  # the boot: a day ago


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def entries(log_path):
    """(unit, identifier, pid, message) per line of a syslog file."""
    out = []
    for raw in open(log_path, "rb").read().decode("utf-8", "replace").splitlines():
        m = re.match(r"^\w{3} [ \d]\d \d\d:\d\d:\d\d (\S+) ([^\s\[:]+)(?:\[(\d+)\])?: (.*)$", raw)
        if not m:
            continue
        ident = m.group(2)
        unit = "dovecot.service" if ident.startswith("dovecot") else "postfix@-.service"
        out.append((unit, ident, m.group(3), m.group(4)))
    return out


def export_entry(f, usec, unit, ident, pid, message):
    # One boot: the monotonic clock runs on across files (sd-journal orders
    # entries of one boot by it).
    fields = [("__REALTIME_TIMESTAMP", str(usec)), ("__MONOTONIC_TIMESTAMP", str(usec - BASE_USEC)), ("_BOOT_ID", BOOT),
              ("_HOSTNAME", "mx"), ("_SYSTEMD_UNIT", unit), ("_PID", "4242"), ("SYSLOG_IDENTIFIER", ident)]
    if pid:
        fields.append(("SYSLOG_PID", pid))
    for k, v in fields:
        f.write(("%s=%s\n" % (k, v)).encode())
    data = message.encode()
    if b"\n" in data:  # export format: binary field (name, LF, 64-bit LE length, bytes, LF)
        f.write(b"MESSAGE\n" + struct.pack("<Q", len(data)) + data + b"\n")
    else:
        f.write(b"MESSAGE=" + data + b"\n")
    f.write(b"\n")


def line_of(usec, ident, pid, message):
    """The line serve makes of an entry (src/follow/journal_source.h)."""
    t = datetime.fromtimestamp(usec // 1000000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    msg = message.replace("\n", " ").replace("\r", " ")
    return "%s.%06d+00:00 mx %s[%s]: %s" % (t, usec % 1000000, ident, pid or "4242", msg)  # else _PID


def series(text):
    return dict(l.rsplit(" ", 1) for l in text.splitlines() if l and not l.startswith("#"))


def main():
    if not os.access(REMOTE, os.X_OK):
        print("SKIP: %s missing (apt-get install systemd-journal-remote)" % REMOTE)
        sys.exit(77)
    lines = entries(LOG)
    # Extras: other units, and a message with an embedded newline.
    extra = [("cron.service", "CRON", "99", "(root) CMD (run-parts /etc/cron.hourly)"),
             ("postfix@-.service", "postfix/smtpd", "31337",
              "connect from evil.example[192.0.2.66]\nNov 22 05:38:35 mx postfix/smtpd[1]: disconnect from fake[192.0.2.1]")]
    lines = lines[:100] + [extra[0]] + lines[100:400] + [extra[1], extra[0]] + lines[400:]
    stamped = [(BASE_USEC + 1000 + i * 1000, e) for i, e in enumerate(lines)]
    parts = [stamped[:len(stamped) * 2 // 5], stamped[len(stamped) * 2 // 5:len(stamped) * 7 // 10],
             stamped[len(stamped) * 7 // 10:]]
    wanted = [s for s in stamped if s[1][0] != "cron.service"]

    tmp = tempfile.mkdtemp(prefix="maillens-journal-")
    procs = []
    try:
        jdir = os.path.join(tmp, "journal")
        os.mkdir(jdir)

        def write_part(k):
            src = os.path.join(tmp, "part%d.export" % k)
            with open(src, "wb") as f:
                for usec, (unit, ident, pid, msg) in parts[k]:
                    export_entry(f, usec, unit, ident, pid, msg)
            # Written elsewhere, then renamed in: serve never sees a half-written file.
            staging = os.path.join(tmp, "part%d.journal" % k)
            r = subprocess.run([REMOTE, "-o", staging, src], capture_output=True, text=True)
            if r.returncode != 0:
                fail("systemd-journal-remote: %s" % r.stderr)
            os.replace(staging, os.path.join(jdir, "part%d.journal" % k))

        config = os.path.join(tmp, "maillens.toml")
        with open(config, "w") as f:
            f.write('[serve]\nlisten = "127.0.0.1:0"\njournal = true\njournal_directory = "%s"\n'
                    'journal_units = ["postfix@-.service", "dovecot.service"]\n'
                    'checkpoint = "%s"\ncheckpoint_interval = 1\nfrom_start = true\nqueue = false\n'
                    % (jdir, os.path.join(tmp, "checkpoint")))

        class Serve:
            def __init__(self):
                self.p = subprocess.Popen([MAILLENS, "serve", "--config", config], stderr=subprocess.PIPE)
                procs.append(self.p)
                line = self.p.stderr.readline().decode(errors="replace")
                m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
                if not m:
                    fail("serve did not start: %r" % line)
                self.port = int(m.group(1))
                threading.Thread(target=lambda: [None for _ in self.p.stderr], daemon=True).start()

            def metrics(self):
                with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.port, timeout=10) as r:
                    return r.read().decode()

            def wait_lines(self, n, timeout=60):
                deadline = time.time() + timeout
                got = -1
                while time.time() < deadline:
                    got = int(series(self.metrics()).get("maillens_lines_read_total", "0"))
                    if got >= n:
                        break
                    time.sleep(0.2)
                time.sleep(1.5)  # a late extra line would be one counted twice
                got = int(series(self.metrics()).get("maillens_lines_read_total", "0"))
                if got != n:
                    fail("serve counted %d lines, expected %d" % (got, n))

        def expected(upto):
            return sum(1 for s in stamped[:upto] if s[1][0] != "cron.service")

        write_part(0)
        serve = Serve()
        serve.wait_lines(expected(len(parts[0])))
        time.sleep(1.2)  # let a checkpoint cover part A, then kill -9
        serve.p.send_signal(signal.SIGKILL)
        serve.p.wait()

        serve = Serve()
        write_part(1)  # appears while serve runs
        serve.wait_lines(expected(len(parts[0]) + len(parts[1])))
        serve.p.send_signal(signal.SIGKILL)  # possibly before the next checkpoint: it re-reads from the last
        serve.p.wait()

        write_part(2)  # while serve is down
        serve = Serve()
        serve.wait_lines(len(wanted))
        live = series(serve.metrics())
        serve.p.send_signal(signal.SIGTERM)
        if serve.p.wait(timeout=20) != 0:
            fail("serve did not exit cleanly on SIGTERM")

        plain = os.path.join(tmp, "plain.log")
        with open(plain, "w") as f:
            for usec, (unit, ident, pid, msg) in wanted:
                f.write(line_of(usec, ident, pid, msg) + "\n")
        once = series(subprocess.run([MAILLENS, "metrics", plain], capture_output=True, check=True,
                                     text=True).stdout)
        own = ("maillens_serve_", "maillens_guard_", "postfix_up", "postfix_showq_")
        live = {k: v for k, v in live.items() if not k.startswith(own)}
        diff = {k: (live.get(k), once.get(k)) for k in set(live) | set(once) if live.get(k) != once.get(k)}
        if diff:
            fail("serve --journal /metrics differ from `maillens metrics` (serve, one-shot): %r"
                 % dict(sorted(diff.items())[:10]))
        connects = int(once.get("postfix_smtpd_connects_total", "0"))
        if connects == 0:
            fail("no smtpd connects counted: the comparison proves nothing")
        print("ok: %d journal entries in 3 files (2 SIGKILL restarts, one file added live), cron ignored, "
              "multi-line message one line; %d /metrics series equal maillens metrics'" % (len(wanted), len(once)))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
