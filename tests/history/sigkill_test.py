#!/usr/bin/env python3
"""sigkill_test.py - the history store survives two SIGKILLs of serve with no
minute lost or doubled.

Usage: sigkill_test.py MAILLENS LOGGEN POSTQUEUE_JSON

A writer appends a generated 2-day log (fixed seed and start) to mail.log in
chunks. `serve --history --checkpoint` (checkpoint every second, clock pinned
with --now, --year 2026, the queue from a saved `postqueue -j`) follows it:
  run 1 kills itself with SIGKILL right after its Nth history transaction,
        before writing the checkpoint (MAILLENS_TEST_KILL_AFTER_HISTORY_APPLY,
        N drawn from the seed): the store is one transaction ahead;
  run 2 must undo that transaction at start (said on stderr) and is killed
        with SIGKILL at a random moment;
  run 3 reads to the end and stops with SIGTERM.
At the end every per-minute row of the store (the count columns) equals a
one-shot `history import` of the whole log into a fresh store, row for row;
minutes.queue_size holds the snapshot's size; /api/history agrees, and it
and /api/history/top want /metrics' token (401 without or with another).
"""
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

MAILLENS, LOGGEN, POSTQUEUE = sys.argv[1], sys.argv[2], sys.argv[3]
ENV = dict(os.environ, TZ="UTC")
MEASURES = ["received", "delivered", "deferred", "bounced", "expired", "rejected", "held", "auth_failures"]
rng = random.Random(20261208)
TOKEN = "history-test-token"


def get(port, path, token=TOKEN):
    """GET with the bearer token (or another one); (status, body)."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def minutes(db):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT minute, " + ", ".join(MEASURES) + " FROM minutes WHERE " +
                       " OR ".join(m + " != 0" for m in MEASURES) + " ORDER BY minute").fetchall()
    con.close()
    return rows


tmp = tempfile.mkdtemp(prefix="maillens-history-sigkill-")
procs = []
try:
    src = os.path.join(tmp, "source.log")
    subprocess.run([LOGGEN, "--days", "2", "--lines", "120000", "--seed", "23", "--start", "2026-11-02 00:00:00",
                    "-o", src], check=True)
    with open(src, "rb") as f:
        data = f.read()
    # Chunks end at line ends (serve reads whole lines only; a torn line is
    # completed by the next chunk either way).
    chunks, pos = [], 0
    while pos < len(data):
        end = data.find(b"\n", min(len(data) - 1, pos + rng.randint(200000, 600000)))
        end = len(data) if end < 0 else end + 1
        chunks.append(data[pos:end])
        pos = end
    log = os.path.join(tmp, "mail.log")
    open(log, "wb").close()
    pauses = [rng.uniform(0.05, 0.35) for _ in chunks]

    def writer():
        with open(log, "ab") as f:
            for c, p in zip(chunks, pauses):
                f.write(c)
                f.flush()
                time.sleep(p)

    conf = os.path.join(tmp, "serve.toml")
    with open(conf, "w") as f:
        f.write("[serve]\ncheckpoint_interval = 1\n")
    db, ckpt = os.path.join(tmp, "history.sqlite"), os.path.join(tmp, "checkpoint")

    def start(run, env_extra=None):
        err = open(os.path.join(tmp, f"serve{run}.err"), "w")
        p = subprocess.Popen([MAILLENS, "serve", "--config", conf, "--from-start", "--listen", "127.0.0.1:0",
                              "--checkpoint", ckpt, "--history", db, "--postqueue", POSTQUEUE, "--year", "2026",
                              "--now", "2026-11-05T00:00:00", "--token", TOKEN, log],
                             env=dict(ENV, **(env_extra or {})), stdout=subprocess.DEVNULL, stderr=err)
        procs.append(p)
        return p

    def stderr_of(run):
        with open(os.path.join(tmp, f"serve{run}.err")) as f:
            return f.read()

    def port_of(run):
        for _ in range(100):
            for line in stderr_of(run).splitlines():
                if "listening on http://127.0.0.1:" in line:
                    return int(line.rsplit(":", 1)[1])
            time.sleep(0.05)
        fail(f"run {run} did not listen: {stderr_of(run)}")

    w = threading.Thread(target=writer)
    w.start()
    # Run 1: killed by itself between a history transaction and its checkpoint.
    n = rng.randint(2, 4)
    p1 = start(1, {"MAILLENS_TEST_KILL_AFTER_HISTORY_APPLY": str(n)})
    try:
        p1.wait(timeout=40)
    except subprocess.TimeoutExpired:
        fail("run 1 did not kill itself")
    if p1.returncode != -signal.SIGKILL:
        fail(f"run 1 ended with {p1.returncode}: {stderr_of(1)}")
    time.sleep(rng.uniform(0.2, 0.8))
    # Run 2: undoes the transaction the checkpoint does not know; SIGKILL at random.
    p2 = start(2)
    port_of(2)
    time.sleep(rng.uniform(1.5, 3.5))
    p2.kill()
    p2.wait()
    if "undid transaction" not in stderr_of(2):
        fail("run 2 did not undo the transaction after the checkpoint: " + stderr_of(2))
    time.sleep(rng.uniform(0.2, 0.8))
    # Run 3: to the end.
    p3 = start(3)
    port = port_of(3)
    w.join()
    size = os.path.getsize(log)
    deadline = time.time() + 40
    while True:
        summary = json.loads(get(port, "/api/summary")[1])
        if summary["files"] and summary["files"][0]["offset"] >= size:
            break
        if time.time() > deadline:
            fail(f"serve stuck at {summary['files']} of {size}")
        time.sleep(0.2)
    time.sleep(2.5)  # the next checkpoints (every second) write the last Delta
    metrics = get(port, "/metrics")[1]
    if "\nmaillens_serve_history_errors_total 0\n" not in metrics or \
            "\nmaillens_serve_history_transaction " not in metrics:
        fail("/metrics lacks the history families or counts errors")
    api = json.loads(get(port, "/api/history?step=minute&from=2026-11-01&until=2026-11-05&measure=" +
                         ",".join(MEASURES))[1])
    # The same token as /metrics: none or a wrong one is refused.
    for path in ("/api/history", "/api/history/top"):
        for token in (None, "wrong"):
            if get(port, path, token)[0] != 401:
                fail(f"{path} with token {token!r} was not refused with 401")
    status, body = get(port, "/api/history/top?dim=rcpt_domain&measure=delivered&from=2026-11-01&until=2026-11-05")
    if status != 200 or not json.loads(body)["top"]:
        fail(f"/api/history/top: {status} {body[:200]}")
    if get(port, "/api/history?step=week")[0] != 400:
        fail("/api/history?step=week was not a 400")
    api_rows = [tuple([t] + [api[m][i] for m in MEASURES]) for i, t in enumerate(api["t"])]
    p3.send_signal(signal.SIGTERM)
    p3.wait(timeout=20)
    if p3.returncode != 0:
        fail(f"run 3 exited {p3.returncode}: {stderr_of(3)}")

    fresh = os.path.join(tmp, "oneshot.sqlite")
    subprocess.run([MAILLENS, "history", "import", "--db", fresh, "--year", "2026", "--quiet", log], env=ENV,
                   check=True)
    got, want = minutes(db), minutes(fresh)
    if not want:
        fail("the one-shot import counted nothing")
    if got != want:
        g, wd = dict((r[0], r[1:]) for r in got), dict((r[0], r[1:]) for r in want)
        diff = [(t, g.get(t), wd.get(t)) for t in sorted(set(g) | set(wd)) if g.get(t) != wd.get(t)]
        fail(f"{len(diff)} of {len(want)} minutes differ (minute, serve, one-shot), first: {diff[:5]}")
    if api_rows != want:
        fail(f"/api/history: {len(api_rows)} minutes, not the one-shot's {len(want)} (or other counts)")
    con = sqlite3.connect(db)
    queued = con.execute("SELECT COUNT(*), MIN(queue_size), MAX(queue_size) FROM minutes "
                         "WHERE queue_size IS NOT NULL").fetchone()
    con.close()
    with open(POSTQUEUE) as f:
        depth = sum(1 for line in f if line.strip())
    if queued[0] < 1 or queued[1] != depth or queued[2] != depth:
        fail(f"queue_size samples {queued}, the snapshot holds {depth}")
    print(f"history_sigkill: ok ({len(want)} minutes equal; run 1 killed after transaction {n}; "
          f"{len(chunks)} chunks)")
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(tmp, ignore_errors=True)
