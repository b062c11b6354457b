#!/usr/bin/env python3
"""import_test.py - `maillens history import` agrees with `maillens report`.

Usage: import_test.py MAILLENS LOGGEN REALPOSTFIX_MAILLOG

For the real Postfix sample and a generated 3-day log (fixed seed and start),
`history import` then `history show --step day --format json` must give the
totals `report --format json` gives for the same log, with the counters'
documented definitions (alert/tally.h, doc/history.md):
  received      = grand_totals.received
  delivered     = grand_totals.delivered + forwarded (status=sent, both)
  deferred      = grand_totals.deferrals (deferral lines, not messages)
  bounced       = grand_totals.bounced
  rejected      = grand_totals.rejected (per_day.rejected adds reject
                  warnings, holds and discards: pflogsumm's table)
  held          = grand_totals.held
and per day received, deferred and bounced equal per_day's. Importing the
same logs again (also renamed and gzip-compressed) changes no row; the log
split into a rotated pair (LOG.1.gz + LOG) gives the same rows as one file,
and its halves imported one after the other the same minutes.
"""
import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

MAILLENS, LOGGEN, REAL = sys.argv[1], sys.argv[2], sys.argv[3]
ENV = dict(os.environ, TZ="UTC")
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)


def run(*args, stdin=None):
    p = subprocess.run([MAILLENS, *args], env=ENV, capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stderr)
        sys.exit(f"FAIL: {' '.join(args)} exited {p.returncode}")
    return p


def rows(db):
    con = sqlite3.connect(db)
    out = (con.execute("SELECT * FROM minutes ORDER BY minute").fetchall(),
           con.execute("SELECT * FROM hours ORDER BY hour, dim, key").fetchall())
    con.close()
    return out


def compare(name, logs, db):
    run("history", "import", "--db", db, "--year", "2026", "--quiet", *logs)
    show = json.loads(run("history", "show", "--db", db, "--step", "day", "--format", "json").stdout)
    rep = json.loads(run("report", "--year", "2026", "--format", "json", *logs).stdout)
    g, t = rep["grand_totals"], show["totals"]
    want = {"received": g["received"], "delivered": g["delivered"] + g["forwarded"], "deferred": g["deferrals"],
            "bounced": g["bounced"], "rejected": g["rejected"], "held": g["held"]}
    for k, v in want.items():
        check(t[k] == v, f"{name}: {k}: history {t[k]}, report {v}")
    check(t["delivered"] > 0 and t["received"] > 0, f"{name}: nothing counted")
    days = {d["date"]: d for d in rep["per_day"]}
    check(len(show["t"]) == len(days), f"{name}: {len(show['t'])} days in history, {len(days)} in report")
    for i, start in enumerate(show["t"]):
        date = subprocess.run(["date", "-u", "-d", f"@{start}", "+%Y-%m-%d"], capture_output=True,
                              text=True).stdout.strip()
        d = days.get(date)
        check(d is not None, f"{name}: day {date} not in report")
        if d:
            for k in ("received", "deferred", "bounced"):
                check(show[k][i] == d[k], f"{name}: {date} {k}: history {show[k][i]}, report {d[k]}")
    before = rows(db)
    # Again, as they are and as a renamed, compressed rotation: nothing changes.
    p = run("history", "import", "--db", db, "--year", "2026", "--format", "json", *logs)
    check(p.stderr.count("already imported") == len(logs), f"{name}: second import not skipped: {p.stderr}")
    summary = json.loads(p.stdout)
    check(summary["imported"] == [] and [s["path"] for s in summary["skipped"]] == logs,
          f"{name}: second import's JSON summary: {p.stdout}")
    gz = os.path.join(os.path.dirname(db), os.path.basename(logs[0]) + ".7.gz")
    with open(logs[0], "rb") as f, gzip.open(gz, "wb") as o:
        shutil.copyfileobj(f, o)
    p = run("history", "import", "--db", db, "--year", "2026", gz)
    check("already imported" in p.stderr, f"{name}: compressed copy not recognised: {p.stderr}")
    check(rows(db) == before, f"{name}: importing twice changed the store")
    return before


tmp = tempfile.mkdtemp(prefix="maillens-history-import-")
try:
    compare("realpostfix", [REAL], os.path.join(tmp, "real.db"))
    gen = os.path.join(tmp, "gen.log")
    subprocess.run([LOGGEN, "--days", "3", "--size", "20M", "--seed", "7", "--start", "2026-11-02 00:00:00", "-o", gen],
                   check=True)
    whole = compare("generated", [gen], os.path.join(tmp, "gen.db"))
    # The same log as a rotated pair: LOG.1.gz (first half) and LOG.
    rot = os.path.join(tmp, "rot")
    os.mkdir(rot)
    with open(gen, "rb") as f:
        lines = f.readlines()
    half = len(lines) // 2
    with gzip.open(os.path.join(rot, "mail.log.1.gz"), "wb") as o:
        o.writelines(lines[:half])
    with open(os.path.join(rot, "mail.log"), "wb") as o:
        o.writelines(lines[half:])
    db = os.path.join(tmp, "rot.db")
    run("history", "import", "--db", db, "--year", "2026", "--quiet", os.path.join(rot, "mail.log"),
        os.path.join(rot, "mail.log.1.gz"))
    check(rows(db)[0] == whole[0], "rotated pair: minutes differ from the single file's")
    check(rows(db)[1] == whole[1], "rotated pair: hours differ from the single file's")
    # The two halves imported one after the other: the second adds to the rows
    # the first wrote (the minute and hour at the cut are in both). Minutes
    # only: a message straddling the cut is assembled from its later lines.
    db = os.path.join(tmp, "halves.db")
    for part in ("mail.log.1.gz", "mail.log"):
        run("history", "import", "--db", db, "--year", "2026", "--quiet", os.path.join(rot, part))
    check(rows(db)[0] == whole[0], "halves imported apart: minutes differ from the single file's")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
if failures:
    sys.exit(1)
print("history_import: ok")
