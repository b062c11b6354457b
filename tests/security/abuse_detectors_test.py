#!/usr/bin/env python3
"""abuse_detectors_test.py MAILLENS LOGGEN SHARED_DIR - the abuse detectors end to end.

1. Compromised account: maillens-loggen --spam-wave writes two days of
   normal traffic in which one account (named by -v) starts a two-hour spam
   run from new IP addresses. `maillens accounts --format json` must flag
   that account, in the wave's hours only, and nobody else.
2. Reputation: tests/security/data/reputation-replies.log holds real reply
   texts of Gmail, Microsoft, Yahoo, Apple, GMX, Orange and block lists
   (sources: doc/abuse.md) plus ordinary deferrals and lines that must not
   count; the counts per provider are those written into that log. The real
   logs in SHARED_DIR/corpora that contain such replies are checked against
   a plain line count of their deferred/bounced lines with the same code.
Exit status 0 when every check passed.
"""
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile

ML, LOGGEN, SHARED = sys.argv[1:4]
HERE = os.path.dirname(os.path.abspath(__file__))
fails = []


def check(name, cond, detail=""):
    print("%s %s%s" % ("ok  " if cond else "FAIL", name, "" if cond else ": " + str(detail)))
    if not cond:
        fails.append(name)


def run_json(args):
    r = subprocess.run([ML] + args, capture_output=True, timeout=300)
    check("exit 0: " + " ".join(args[:2]), r.returncode == 0, r.stderr[:300])
    return json.loads(r.stdout.decode("utf-8"))


def spam_wave(work):
    log = os.path.join(work, "wave.log")
    wave_hour = 30
    r = subprocess.run([LOGGEN, "--days", "2", "--size", "24M", "--seed", "11", "--spam-wave", str(wave_hour), "-v",
                        "-o", log], capture_output=True, text=True, timeout=300)
    check("loggen --spam-wave", r.returncode == 0, r.stderr)
    m = re.search(r"spam wave: account (\S+) from", r.stderr)
    check("loggen names the compromised account", m is not None, r.stderr)
    if m is None:
        return
    victim = m.group(1)
    doc = run_json(["accounts", "--format", "json", "--year", "2026", log])["accounts"]
    users = {a["user"] for a in doc["anomalies"]}
    check("the compromised account is flagged", victim in users, users)
    check("nobody else is flagged", users <= {victim}, sorted(users - {victim})[:10])
    check("many normal SASL users were seen", doc["sasl_users"] > 100, doc["sasl_users"])
    start = datetime.datetime(2026, 11, 2, tzinfo=datetime.timezone.utc).timestamp() + wave_hour * 3600
    for a in doc["anomalies"]:
        # Two hours of sessions from start+30h: the last ones and their deliveries end in the third clock hour.
        check("flagged hour %s is within the wave" % a["hour_start"], start <= a["epoch"] < start + 3 * 3600, a)
        check("flagged against the account's own baseline", a["has_baseline"], a)
        flagged = [k for k, v in a["metrics"].items() if v["flagged"]]
        check("the wave's recipients and new IPs are flagged",
              {"recipients", "distinct_recipients", "client_ips"} <= set(flagged), flagged)
        check("evidence: sample queue IDs", len(a["sample_queue_ids"]) > 0, a)


def reputation(work):
    log = os.path.join(HERE, "data", "reputation-replies.log")
    doc = run_json(["reputation", "--format", "json", "--year", "2026", log])["reputation"]
    got = {}
    for f in doc["findings"]:
        got[(f["provider"], f["id"])] = (f["deferred"], f["bounced"])
    want = {
        ("Gmail", "4.7.28"): (2, 0), ("Gmail", "4.7.0"): (1, 0), ("Gmail", "5.7.1"): (0, 1),
        ("Gmail", "reputation"): (1, 0),
        ("Microsoft", "S3150"): (0, 2), ("Microsoft", "S3140"): (0, 1), ("Microsoft", "5.7.606-649"): (0, 1),
        ("Microsoft", "4.7.650"): (1, 0),
        ("Yahoo", "TSS04"): (2, 0), ("Yahoo", "TSS09"): (0, 1),
        ("Apple iCloud", "CS01"): (0, 1), ("Apple iCloud", "4.7.1"): (1, 0),
        ("GMX/WEB.DE", "block-listed"): (0, 1), ("Orange", "OFR"): (1, 0),
        ("Spamhaus (block list)", "listed"): (0, 1), ("Barracuda (block list)", "listed"): (0, 1),
        ("SpamCop (block list)", "listed"): (0, 1), ("Other block lists", "dnsbl.example.net"): (0, 1),
    }
    check("hand-written replies: every provider row", got == want,
          {k: (got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)})
    check("hand-written replies: deferred/bounced lines examined", doc["examined"] == 24, doc["examined"])
    first = {(f["provider"], f["id"]): f for f in doc["findings"]}
    g = first.get(("Gmail", "4.7.28"), {})
    check("first/last seen and sample", g.get("first_seen") == "2026-11-03T10:00:07Z" and
          g.get("last_seen") == "2026-11-03T10:00:14Z" and "gsmtp" in g.get("sample_text", ""), g)

    # Real logs: the count equals a plain count of deferred/bounced lines with the code.
    corpora = os.path.join(SHARED, "corpora")
    cases = [("lightmeter/corpus/smtp_ok.txt", "postfix-10.20.30.40", "[TSS04]", ("Yahoo", "TSS04")),
             ("lightmeter/individual_files/9_mixed_messages.log", None, "(S3140)", ("Microsoft", "S3140")),
             ("lightmeter/complete_extracted/logs_sample/mail.log", None, "(S3140)", ("Microsoft", "S3140"))]
    for rel, name, code, key in cases:
        path = os.path.join(corpora, rel)
        if not os.path.exists(path):
            print("skip %s (not in this corpus)" % rel)
            continue
        want_n = 0
        with open(path, "rb") as f:
            for line in f:
                if code.encode() in line and re.search(rb"status=(deferred|bounced) \(", line):
                    want_n += 1
        args = ["reputation", "--format", "json", "--year", "2026"] + (["--syslog-name", name] if name else [])
        d = run_json(args + [path])["reputation"]
        n = sum(f["count"] for f in d["findings"] if (f["provider"], f["id"]) == key)
        check("%s: %s x%d" % (rel, code, want_n), want_n > 0 and n == want_n, (n, want_n))


def grok_messages(work):
    """postfix-grok-patterns' messages.tsv holds smtp messages without a syslog header:
    the deferred/bounced ones, given one, must be matched as their text says."""
    tsv = os.path.join(SHARED, "corpora", "postfix-grok-patterns", "messages.tsv")
    if not os.path.exists(tsv):
        print("skip postfix-grok-patterns (not in this corpus)")
        return
    lines, want = [], 0
    with open(tsv, encoding="utf-8", errors="replace") as f:
        for row in f:
            parts = row.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[1] != "POSTFIX_SMTP":
                continue
            msg = json.loads(parts[2]) if parts[2].startswith('"') else parts[2]
            if re.search(r"status=(deferred|bounced) \(", msg):
                lines.append("Nov  3 10:00:00 mx postfix/smtp[1]: " + msg)
                want += "likely unsolicited" in msg and "gsmtp" in msg
    log = os.path.join(work, "grok.log")
    with open(log, "w") as f:
        f.write("\n".join(lines) + "\n")
    d = run_json(["reputation", "--format", "json", "--year", "2026", log])["reputation"]
    got = sum(x["count"] for x in d["findings"] if (x["provider"], x["id"]) == ("Gmail", "5.7.1"))
    check("postfix-grok-patterns: Gmail 5.7.1 likely-unsolicited x%d" % want, want > 0 and got == want, (got, want))
    check("postfix-grok-patterns: every deferred/bounced message examined", d["examined"] == len(lines),
          (d["examined"], len(lines)))


def exit_codes(work):
    """Documented exit codes (doc/exit-codes.md) for both subcommands."""
    log = os.path.join(HERE, "data", "reputation-replies.log")
    for sub in ("accounts", "reputation"):
        r = subprocess.run([ML, sub, log, os.path.join(work, "missing.log")], capture_output=True)
        check("%s: a missing input is exit 1, the rest still reported" % sub,
              r.returncode == 1 and b"missing.log" in r.stderr and len(r.stdout) > 0, (r.returncode, r.stderr))
        r = subprocess.run([ML, sub, "--format", "xml", log], capture_output=True)
        check("%s: a bad --format is exit 2" % sub, r.returncode == 2, r.returncode)
        r = subprocess.run([ML, sub, "-o", os.path.join(work, "no", "such", "dir"), log], capture_output=True)
        check("%s: an unwritable -o is exit 2" % sub, r.returncode == 2, r.returncode)
        with open(log, "rb") as f:
            r = subprocess.run([ML, sub, "--format", "json", "--year", "2026"], input=f.read(), capture_output=True)
        check("%s: stdin works" % sub, r.returncode == 0 and json.loads(r.stdout), r.returncode)


def main():
    with tempfile.TemporaryDirectory() as work:
        spam_wave(work)
        reputation(work)
        grok_messages(work)
        exit_codes(work)
    print("%d failures" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
