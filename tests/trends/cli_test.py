#!/usr/bin/env python3
"""trends_cli: `maillens trends` and `maillens anomalies` as commands: --help,
exit codes (doc/exit-codes.md), the three formats, campaigns and --exec.
Usage: cli_test.py MAILLENS LOGGEN
"""
import json
import os
import subprocess
import sys
import tempfile

MAILLENS, LOGGEN = sys.argv[1], sys.argv[2]
failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)[:1500]))
    if not ok:
        failures.append(name)


def ml(*args, **kw):
    return subprocess.run([MAILLENS, *args], capture_output=True, text=True, **kw)


with tempfile.TemporaryDirectory() as tmp:
    for cmd, opt in (("trends", "--by"), ("anomalies", "--since")):
        r = ml(cmd, "--help")
        check(f"{cmd} --help", r.returncode == 0 and opt in r.stdout and "--format" in r.stdout, r)
        r = ml(cmd, "--quiet", os.path.join(tmp, "missing.log"))
        check(f"{cmd}: missing input exits 1, prints nothing", r.returncode == 1 and r.stdout == "", r)
    for args in (["trends", "--by", "month"], ["trends", "--from", "not-a-time"], ["anomalies", "--since", "bogus"],
                 ["trends", "--domain", "a.example", "--user", "u"], ["anomalies", "--format", "html"]):
        r = ml(*args, "--quiet", "/dev/null")
        check("usage error exits 2: " + " ".join(args), r.returncode == 2, (r.returncode, r.stderr))

    log = os.path.join(tmp, "four.log")
    g = subprocess.run([LOGGEN, "--days", "4", "--rate", "0.3", "--seed", "5", "--spam-wave", "82", "-v", "-o", log],
                       capture_output=True, text=True)
    user = g.stderr.split("account ")[1].split()[0] if "account " in g.stderr else "?"
    check("loggen", g.returncode == 0, g.stderr)

    r = ml("trends", "--quiet", "--format", "json", "--by", "day", log)
    check("trends json: exit 0", r.returncode == 0, r.stderr)
    t = json.loads(r.stdout or "{}")
    check("trends json: 4 day rows, days 1-3 without the week before",
          len(t.get("rows", [])) == 4 and all("previous" not in row for row in t.get("rows", [])), t.get("rows"))
    camp = [c for c in t.get("campaigns", []) if c["who"] == user and c["kind"] == "sasl_user"]
    check("trends json: the spam wave is a campaign of its SASL user starting at its hour",
          camp and camp[0]["start"] == 1793577600 + 82 * 3600 and camp[0]["recipients"] >= 100, t.get("campaigns"))
    check("trends json: heat map rows Mon..Sun of 24", len(t.get("heat_map", {}).get("Mon", [])) == 24, t.get("heat_map"))
    r = ml("trends", "--quiet", "--format", "html", "--by", "hour", "--from", "2026-11-05", log)
    check("trends html", r.returncode == 0 and r.stdout.startswith("<!DOCTYPE html>") and "background:rgba" in r.stdout
          and "2026-11-05 10:00 Thu" in r.stdout, r.stdout[:500])
    r = ml("trends", "--quiet", "--user", user, "--by", "weekday", log)
    check("trends --user: text with the comparison sentence", r.returncode == 0 and "SASL user " + user in r.stdout
          and "this Monday vs last Monday" in r.stdout, r.stdout[:800])
    r = ml("trends", "--quiet", "--from", "2027-01-01", log)
    check("trends: a period without input exits 2", r.returncode == 2 and "no input in the period" in r.stderr, r)

    out = os.path.join(tmp, "alerts.jsonl")
    hook = os.path.join(tmp, "hook.sh")
    with open(hook, "w") as f:
        f.write(f"#!/bin/sh\n{{ cat; echo \" $MAILLENS_ALERT\"; }} >> {out}\n")
    os.chmod(hook, 0o755)
    r = ml("anomalies", "--quiet", "--no-weekly", "--format", "json", "--exec", hook, log)
    check("anomalies: found one, exit 1", r.returncode == 1, (r.returncode, r.stderr))
    a = json.loads(r.stdout or "{}").get("anomalies", [])
    wave = [x for x in a if x["kind"] == "sasl_user_volume" and x["key"] == user]
    check("anomalies --no-weekly: the spam wave's user within 10 minutes",
          wave and 0 <= wave[0]["slot"] - (1793577600 + 82 * 3600) <= 600, a)
    hooked = open(out).read() if os.path.exists(out) else ""
    check("--exec: one notification per anomaly, named by kind",
          " anomaly_sasl_user_volume" in hooked and '"key":"' + user + '"' in hooked.replace('": "', '":"')
          and len([l for l in hooked.splitlines() if l.startswith(" anomaly_")]) == len(a), hooked[:800])
    r = ml("anomalies", "--quiet", "--since", "2027-01-01", log)
    check("anomalies --since after the input: none, exit 0", r.returncode == 0 and "Anomalies: 0" in r.stdout, r)
sys.exit(1 if failures else 0)
