#!/usr/bin/env python3
"""regex_parity.py - maillens guard's matched lines equal fail2ban-regex's.

Runs Debian's fail2ban-regex (1.0.2) live, for every mode of the postfix and
dovecot filters, over the real-Postfix sample (maillog + dovecot.log), the
pixelpark corpus (70k lines of a real MX, RFC 3339 stamps; postfix modes) and a
generated log (maillens-loggen, SASL/IMAP brute force among normal traffic),
and `maillens guard --fail2ban-1.0` (fail2ban 1.0.2's rules) over the same
file; the matched lines, with their addresses, must be the same multiset.

usage: regex_parity.py MAILLENS LOGGEN SOURCE_DIR SHARED_DIR
"""
import collections
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile

MODES = {"postfix": ["normal", "more", "rbl", "auth", "ddos", "extra", "aggressive", "errors"],
         "dovecot": ["normal", "aggressive"]}


def f2b(log, filt, mode):
    spec = f"{filt}[mode={mode}]"
    r = subprocess.run(["fail2ban-regex", "-o", "<ip> <msg>", log, spec], capture_output=True, text=True,
                       errors="surrogateescape", check=True)
    return collections.Counter(l for l in r.stdout.split("\n") if l)


def ours(maillens, log, filt, mode):
    r = subprocess.run([maillens, "guard", "--fail2ban-1.0", "--filter", filt, "--mode", mode, "--format", "json",
                        "--maxretry", "1000000", log], capture_output=True, text=True, check=True)
    return collections.Counter(f"{m['ip']} {m['line']}" for m in json.loads(r.stdout)["matches"])


def main():
    maillens, loggen, src, shared = sys.argv[1:5]
    if not shutil.which("fail2ban-regex"):
        print("fail2ban-regex not installed (scripts/install-deps.sh installs fail2ban)")
        return 1
    tmp = tempfile.mkdtemp(prefix="guard-regex-")
    try:
        gen = os.path.join(tmp, "generated.log")
        subprocess.run([loggen, "--lines", "60000", "--seed", "7", "-o", gen], check=True)
        logs = [os.path.join(src, "tests/data/realpostfix-sample/maillog"), gen]
        dovecot = os.path.join(shared, "corpora/realpostfix-sample/dovecot.log")
        if os.path.exists(dovecot):
            logs.append(dovecot)
        pixelpark = os.path.join(shared, "corpora/postfix-logsums-pixelpark/mail.log.gz")
        if os.path.exists(pixelpark):
            with gzip.open(pixelpark, "rb") as src, open(os.path.join(tmp, "pixelpark.log"), "wb") as dst:
                shutil.copyfileobj(src, dst)
            logs.append(os.path.join(tmp, "pixelpark.log"))
        failures, total = 0, 0
        for log in logs:
            for filt, modes in MODES.items():
                if log.endswith("pixelpark.log") and filt == "dovecot":
                    continue  # no Dovecot lines in it
                for mode in modes:
                    want, got = f2b(log, filt, mode), ours(maillens, log, filt, mode)
                    total += sum(want.values())
                    if want != got:
                        failures += 1
                        print(f"FAIL {os.path.basename(log)} {filt}/{mode}: fail2ban {sum(want.values())} "
                              f"lines, maillens {sum(got.values())}")
                        for l in list((want - got).elements())[:5]:
                            print("  only fail2ban:", l[:160])
                        for l in list((got - want).elements())[:5]:
                            print("  only maillens:", l[:160])
                    else:
                        print(f"ok   {os.path.basename(log)} {filt}/{mode}: {sum(want.values())} lines")
        print(f"{total} fail2ban matches compared, {failures} mismatching runs")
        return 1 if failures or total == 0 else 0
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main())
