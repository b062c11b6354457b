#!/usr/bin/env python3
"""crowdsec_sshguard.py - the crowdsec-hub and sshguard expectations that
apply to fail2ban-style detection, reproduced by maillens guard.

crowdsec-hub: every Postfix/Dovecot test directory whose scenario.assert
gives the alerts' event count N is run with --maxretry N (findtime and
bantime one day: crowdsec's leaky-bucket rates are not fail2ban's windows);
the banned addresses must be exactly the alerts' sources. Directories whose
events fail2ban's filters do not cover (non-SMTP command), or whose lines
fail2ban-regex (run live) matches none of, are listed as skipped.

sshguard: every Dovecot/Postfix attack line of tests.txt marked M whose kind
fail2ban's filters cover must be flagged with the expected address
(aggressive mode; "lost connection after AUTH" only with --fail2ban-1.0, as
upstream fail2ban counts the following disconnect line instead). Bare
messages get a syslog header first. Lines expected to be no attack ("*")
must not be flagged.

usage: crowdsec_sshguard.py MAILLENS CORPORA_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile

NOT_FAIL2BAN = ("non-SMTP command", "DNSBL rank", "postgrey", "XYZ")  # outside fail2ban's filters


def guard(maillens, lines, *args):
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False, encoding="utf-8",
                                     errors="surrogateescape") as t:
        t.write("".join(l if l.endswith("\n") else l + "\n" for l in lines))
        path = t.name
    try:
        r = subprocess.run([maillens, "guard", "--format", "json", *args, path], capture_output=True, text=True,
                           check=True)
        return json.loads(r.stdout)
    finally:
        os.unlink(path)


def crowdsec(maillens, corpora, failures):
    base = os.path.join(corpora, "crowdsec-hub")
    checked = 0
    for d in sorted(os.listdir(base)):
        sa = os.path.join(base, d, "scenario.assert")
        if not os.path.isfile(sa):
            continue
        text = open(sa).read()
        counts = set(int(c) for c in re.findall(r"GetEventsCount\(\) == (\d+)", text))
        sources = set(re.findall(r'"([0-9a-fA-F.:]+)" in results\[\d+\]\.Overflow\.GetSources\(\)', text))
        logs = [f for f in os.listdir(os.path.join(base, d)) if f.endswith(".log")]
        lines = []
        for f in logs:
            lines += open(os.path.join(base, d, f), encoding="utf-8", errors="surrogateescape").readlines()
        if len(counts) != 1 or not sources or any(k in l for l in lines for k in NOT_FAIL2BAN):
            print(f"skip crowdsec {d}: no single event count, or events outside fail2ban's filters")
            continue
        n = counts.pop()
        f2b = 0
        for f in logs:  # does fail2ban itself see these events? (e.g. a mangled reply text: no)
            for spec in ("postfix[mode=extra]", "dovecot"):
                r = subprocess.run(["fail2ban-regex", "-o", "ip", os.path.join(base, d, f), spec],
                                   capture_output=True, text=True)
                f2b += len([x for x in r.stdout.split("\n") if x.strip()])
        if f2b == 0:
            print(f"skip crowdsec {d}: fail2ban-regex matches none of its lines")
            continue
        out = guard(maillens, lines, "--maxretry", str(n), "--findtime", "1d", "--bantime", "1d")
        banned = {b["ip"] for b in out["bans"]}
        checked += 1
        ok = banned == sources
        print(f"{'ok  ' if ok else 'FAIL'} crowdsec {d}: maxretry {n}: banned {sorted(banned)}, "
              f"alerts {sorted(sources)}")
        if not ok:
            failures.append(d)
    return checked


def sshguard(maillens, corpora, failures):
    lines = open(os.path.join(corpora, "sshguard", "tests.txt"), encoding="utf-8").read().split("\n")
    section, i, checked = None, 0, 0
    while i < len(lines):
        l = lines[i]
        if l.startswith("#"):
            m = re.match(r"# (\w+)", l)
            section = m.group(1) if m and "}}}" not in l else section
            i += 1
            continue
        if not l.strip():
            i += 1
            continue
        line, expect, mark = l, lines[i + 1], lines[i + 2]
        i += 3
        if section not in ("dovecot", "postfix") or mark != "M":
            continue
        if any(k in line for k in NOT_FAIL2BAN):
            print(f"skip sshguard: {line[:90]}")
            continue
        full = line
        if not re.match(r"^(\w{3} +\d+ |\d{4}-\d\d-\d\d)", line):
            tag = "" if re.match(r"^[\w-]+-login: ", line) else (
                "postfix/smtpd[1]: " if expect.startswith("260") else "dovecot: ")
            full = "Jan  1 00:00:00 host " + tag + line
        args = ["--mode", "aggressive", "--maxretry", "1000000"]
        if "lost connection after AUTH" in line:
            args.append("--fail2ban-1.0")
        got = [m["ip"] for m in guard(maillens, [full], *args)["matches"]]
        want = [] if expect == "*" else [expect.split()[1]]
        checked += 1
        ok = got == want
        print(f"{'ok  ' if ok else 'FAIL'} sshguard: {line[:90]} -> {got}")
        if not ok:
            failures.append(line)
    return checked


def main():
    maillens, corpora = sys.argv[1:3]
    failures = []
    n = crowdsec(maillens, corpora, failures) + sshguard(maillens, corpora, failures)
    print(f"{n} cases checked, {len(failures)} failures")
    return 1 if failures or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
