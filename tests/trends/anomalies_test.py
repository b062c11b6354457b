#!/usr/bin/env python3
"""trends_anomalies: `maillens anomalies` on 29 generated days (issue 15.3).

Four weeks of history, then in the last week four injected incidents of two
hours each (maillens-loggen): a compromised account's spam wave, a bounce
storm to one recipient domain, a provider blocking us, a relay outage piling
up the queue. Checks:
  - every injection is found with its kind and key, in a slot starting at most
    10 minutes after the incident starts (and not before it);
  - the same 29 days generated without injections (same seed) give ZERO
    anomalies and exit code 0; with them the exit code is 1;
  - the JSON states the baseline in one sentence.
The log goes from loggen to maillens through a pipe (--rate 1: ~2 GB each run,
never written to disk).
Usage: anomalies_test.py MAILLENS LOGGEN
"""
import json
import re
import subprocess
import sys

MAILLENS, LOGGEN = sys.argv[1], sys.argv[2]
START = 1793577600  # 2026-11-02 00:00:00 UTC, loggen's default --start (a Monday)
BASE = ["--days", "29", "--rate", "1", "--seed", "7"]
# Hours after the start: Tue 10:00, Wed 11:00, Thu 10:00, Fri 14:00 of the last full week.
INJECT = {"--spam-wave": 538, "--bounce-storm": 563, "--provider-block": 586, "--queue-pileup": 614}

failures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)[:2000]))
    if not ok:
        failures.append(name)


def run(extra, fmt="json"):
    gen = subprocess.Popen([LOGGEN] + BASE + extra + ["-v"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    r = subprocess.run([MAILLENS, "anomalies", "--quiet", "--format", fmt, "-"], stdin=gen.stdout,
                       capture_output=True, text=True)
    gen.stdout.close()
    err = gen.stderr.read().decode()
    gen.wait()
    check("loggen " + " ".join(extra), gen.returncode == 0, err)
    return r, err


clean, _ = run([])
check("clean weeks: exit code 0", clean.returncode == 0, clean.returncode)
doc = json.loads(clean.stdout)
check("clean weeks: zero anomalies", doc["anomalies"] == [], "\n".join(a["text"] for a in doc["anomalies"]))
check("clean weeks: the baseline sentence", "median of the same slot 1, 2, 3 days and 1, 2, 3 weeks back" in doc["baseline"],
      doc["baseline"])
check("clean weeks: the last 9 days evaluated (3 weeks of history needed)", doc["slots_evaluated"] >= 8 * 144,
      doc["slots_evaluated"])

args = []
for opt, hours in INJECT.items():
    args += [opt, str(hours)]
inj, err = run(args)
check("injected: exit code 1", inj.returncode == 1, inj.returncode)
found = json.loads(inj.stdout)["anomalies"]
wave = re.search(r"spam wave: account (\S+)", err)
storm = re.search(r"bounce storm: (\S+) from", err)
block = re.search(r"provider block: (\S+) from", err)
check("loggen -v names the incidents", wave and storm and block, err)
expect = {
    "--spam-wave": ("sasl_user_volume", wave.group(1) if wave else "?"),
    "--bounce-storm": ("bounce_ratio", storm.group(1) if storm else "?"),
    "--provider-block": ("deferral_ratio", block.group(1) if block else "?"),
    "--queue-pileup": ("queue_growth", "deferred_queue"),
}
for opt, (kind, key) in expect.items():
    at = START + INJECT[opt] * 3600
    hits = [a for a in found if a["kind"] == kind and a["key"] == key and at <= a["slot"] <= at + 600]
    check(f"{opt}: {kind} {key} found within 10 minutes", bool(hits),
          [(a["kind"], a["key"], a["slot"] - at) for a in found if a["key"] == key or a["kind"] == kind][:10])
    if hits:
        a = hits[0]
        check(f"{opt}: evidence (seen above band, samples, text)",
              a["seen"] > a["band"][1] and a["sample_queue_ids"] and key in a["text"]
              and a["severity"] in ("warning", "critical"), a)

sys.exit(1 if failures else 0)
