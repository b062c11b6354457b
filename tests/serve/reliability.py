#!/usr/bin/env python3
"""reliability.py - serve loses no line and counts none twice.

Usage: reliability.py MAILLENS LOGGEN [LINES]

A writer appends LINES (default 1,000,000) generated log lines to mail.log,
rotating every 100k lines, alternately by rename (mail.log -> mail.log.1, as
logrotate's default) and by copytruncate (copy to mail.log.1, truncate).
`maillens serve` follows it with a checkpoint (written every second); it is
killed with SIGKILL twice mid-stream (each time it stays down while the
writer goes on) and restarted. At the end every counter serve exposes equals
a one-shot computation over the same lines: lines read, and sent, deferred,
bounced, expired, rejected, received, auth failures (compared with
`maillens report` and `maillens check` on the concatenated log).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timedelta

MAILLENS, LOGGEN = sys.argv[1], sys.argv[2]
LINES = int(sys.argv[3]) if len(sys.argv) > 3 else 1000000
ROTATE_EVERY = max(1000, LINES // 10)
# The clock is pinned: the log starts on a fixed Monday, serve's and check's
# "now" is a day after its end (never today's date).
YEAR = 2026
START = datetime(2026, 11, 2, 0, 0, 0)
NOW = (START + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M:%S")


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def series(text):
    """Exposition text -> {"name{labels}": value text}."""
    return dict(line.rsplit(" ", 1) for line in text.splitlines() if line and not line.startswith("#"))


tmp = tempfile.mkdtemp(prefix="maillens-reliability-")
try:
    src = os.path.join(tmp, "source.log")
    # Three simulated days from the fixed Monday hold the whole count (the
    # 1,000,000th line is on Wednesday evening).
    start = START.strftime("%Y-%m-%d %H:%M:%S")
    subprocess.run([LOGGEN, "--lines", str(LINES), "--days", "3", "--seed", "11", "--start", start, "-o", src],
                   check=True)
    with open(src, "rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) != LINES:
        fail("the generator wrote %d lines, not %d" % (len(lines), LINES))

    logdir = os.path.join(tmp, "log")
    os.mkdir(logdir)
    log = os.path.join(logdir, "mail.log")
    open(log, "wb").close()
    config = os.path.join(tmp, "maillens.toml")
    with open(config, "w") as f:
        f.write('[serve]\nlisten = "127.0.0.1:0"\nfiles = ["%s"]\ncheckpoint = "%s"\ncheckpoint_interval = 1\n'
                'from_start = true\nqueue = false\nsummary_retention = "8d"\n'
                % (log, os.path.join(tmp, "checkpoint")))

    class Serve:
        def __init__(self):
            self.err = open(os.path.join(tmp, "serve.err"), "ab")
            self.p = subprocess.Popen([MAILLENS, "serve", "--config", config, "--year", str(YEAR), "--now", NOW],
                                      stderr=subprocess.PIPE)
            m = None
            seen = b""
            while m is None:  # notices about the catch-up may come first
                line = self.p.stderr.readline()
                if not line:
                    fail("serve did not start: %r" % seen)
                seen += line
                self.err.write(line)
                m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line.decode(errors="replace"))
            self.port = int(m.group(1))
            threading.Thread(target=self._drain, daemon=True).start()

        def _drain(self):
            for l in self.p.stderr:
                self.err.write(l)

        def get(self, path):
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path), timeout=10) as r:
                return r.read().decode()

        def lines_read(self):
            m = re.search(r"^maillens_serve_lines_read_total (\d+)", self.get("/metrics"), re.M)
            return int(m.group(1))

    def rotate(n):
        for i in range(9, 0, -1):  # mail.log.N -> mail.log.N+1
            p = "%s.%d" % (log, i)
            if os.path.exists(p):
                os.replace(p, "%s.%d" % (log, i + 1))
        if n % 2 == 1:
            os.replace(log, log + ".1")
            open(log, "wb").close()
            return "rename"
        shutil.copyfile(log, log + ".1")
        with open(log, "r+b") as f:
            f.truncate(0)
        return "copytruncate"

    serve = Serve()
    servers = [serve]
    kills = {int(LINES * 0.3): False, int(LINES * 0.65): False}
    written = 0
    rotations = []
    batch = 2000
    t0 = time.time()
    def write_batch():
        """Appends the next batch, rotating every ROTATE_EVERY lines."""
        global written
        chunk = lines[written:written + batch]
        with open(log, "ab") as f:
            f.write(b"\n".join(chunk) + b"\n")
        written += len(chunk)
        if written % ROTATE_EVERY == 0 and written < LINES:
            rotations.append(rotate(len(rotations) + 1))

    while written < LINES:
        write_batch()
        for at in kills:
            if not kills[at] and written >= at:
                kills[at] = True
                serve.p.send_signal(signal.SIGKILL)
                serve.p.wait()
                # Down while the writer goes on (a rotation may happen meanwhile).
                down_until = time.time() + 3
                while time.time() < down_until and written < LINES:
                    write_batch()
                    time.sleep(0.05)
                serve = Serve()
                servers.append(serve)
        time.sleep(0.05)  # about 40k lines/s: a rotation every 2.5 s, two while serve is down
    print("writer: %d lines in %.1f s, rotations: %s, 2 SIGKILL restarts" % (written, time.time() - t0,
                                                                         ", ".join(rotations)))

    deadline = time.time() + 120
    while time.time() < deadline:
        n = serve.lines_read()
        if n >= LINES:
            break
        time.sleep(0.2)
    time.sleep(1.5)  # anything beyond LINES would be a line counted twice
    n = serve.lines_read()
    if n != LINES:
        fail("serve read %d lines, the writer wrote %d (%+d)" % (n, LINES, n - LINES))
    live = json.loads(serve.get("/api/summary?since=0"))["counts"]
    live_metrics = series(serve.get("/metrics"))
    serve.p.send_signal(signal.SIGTERM)
    if serve.p.wait(timeout=20) != 0:
        fail("serve did not exit cleanly on SIGTERM")

    rep = json.loads(subprocess.run([MAILLENS, "report", "--format", "json", "--year", str(YEAR), src],
                                    capture_output=True, check=True).stdout)["grand_totals"]
    want = {"sent": rep["delivered"] + rep["forwarded"], "deferred": rep["deferrals"], "bounced": rep["bounced"],
            "rejected": rep["rejected"], "received": rep["received"]}
    now = NOW
    chk = json.loads(subprocess.run([MAILLENS, "check", "--format", "json", "--year", str(YEAR), "--window", "8d",
                                     "--now", now, src], capture_output=True).stdout)["counts"]
    want["auth_failures"] = chk["auth_failures"]
    for k in want:
        if chk[k] != want[k]:
            fail("one-shot check and report disagree on %s: %d vs %d" % (k, chk[k], want[k]))
    bad = {k: (live[k], v) for k, v in want.items() if live[k] != v}
    if bad:
        fail("serve's counters differ from the one-shot ones (serve, one-shot): %r" % bad)
    # Every /metrics series computed from the log (counters, histogram
    # buckets, sums; destination domains) equals `maillens metrics` on the
    # concatenated log: the checkpoint kept them exactly through two kills.
    once = series(subprocess.run([MAILLENS, "metrics", src], capture_output=True, check=True, text=True).stdout)
    own = ("maillens_serve_", "maillens_guard_", "postfix_up", "postfix_showq_")
    live_metrics = {k: v for k, v in live_metrics.items() if not k.startswith(own)}
    diff = {k: (live_metrics.get(k), once.get(k)) for k in set(live_metrics) | set(once)
            if live_metrics.get(k) != once.get(k)}
    if diff:
        fail("serve's /metrics differ from `maillens metrics` (serve, one-shot): %r" % dict(sorted(diff.items())[:10]))
    print("ok: %d lines, none lost, none twice; counters equal report's: %s; %d /metrics series equal "
          "maillens metrics'" % (n, ", ".join("%s=%d" % kv for kv in sorted(want.items())), len(once)))
finally:
    for sv in globals().get("servers", []):
        if sv.p.poll() is None:
            sv.p.kill()
    if os.environ.get("KEEP"):
        print("kept", tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
