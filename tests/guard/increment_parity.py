#!/usr/bin/env python3
"""increment_parity.py - bantime.increment: a repeat offender's second ban
equals fail2ban-server's.

fail2ban only bans a second time after the first ban has ended in real time,
so the log is written in two bursts: three SASL failures from 192.0.2.77
dated ~100 s ago (bantime 125 s: the ban ends ~27 s from now, time enough
for fail2ban to start even on a loaded machine), then, once
fail2ban has lifted that ban, three more dated now. fail2ban-server (polling
backend, :memory: database, bantime.increment = true) and
`maillens guard --bantime-increment` must give the same bans: the first for
125 s, the second for 250 s (bantime * 2^1).

usage: increment_parity.py MAILLENS
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

IP, MAXRETRY, FINDTIME, BANTIME = "192.0.2.77", 3, 600, 125


def line(t, n):
    stamp = time.strftime("%b %d %H:%M:%S", time.localtime(t))
    return (f"{stamp} mx postfix/submission/smtpd[{4000 + n}]: warning: unknown[{IP}]: "
            f"SASL LOGIN authentication failed: UGFzc3dvcmQ6, sasl_username=admin\n")


def client(conf, *args):
    return subprocess.run(["fail2ban-client", "-c", conf, *args], capture_output=True, text=True, timeout=60)


def main():
    maillens = sys.argv[1]
    if not shutil.which("fail2ban-server"):
        print("fail2ban not installed (scripts/install-deps.sh installs it)")
        return 1
    tmp = tempfile.mkdtemp(prefix="guard-incr-")
    conf = os.path.join(tmp, "conf")
    log = os.path.join(tmp, "mail.log")
    try:
        os.makedirs(os.path.join(conf, "action.d"))
        shutil.copytree("/etc/fail2ban/filter.d", os.path.join(conf, "filter.d"))
        with open(os.path.join(conf, "fail2ban.conf"), "w") as f:
            f.write(f"[Definition]\nloglevel = INFO\nlogtarget = {tmp}/f2b.log\nsocket = {tmp}/f2b.sock\n"
                    f"pidfile = {tmp}/f2b.pid\ndbfile = :memory:\n")
        with open(os.path.join(conf, "action.d", "record.conf"), "w") as f:
            f.write("[Definition]\nactionstart =\nactionstop =\nactioncheck =\n"
                    f"actionban = echo \"ban <ip> <time>\" >> {tmp}/bans.txt\n"
                    f"actionunban = echo \"unban <ip>\" >> {tmp}/bans.txt\n")
        with open(os.path.join(conf, "jail.conf"), "w") as f:
            f.write(f"[DEFAULT]\nbackend = polling\nusedns = no\nignoreself = false\naction = record\n"
                    f"bantime.increment = true\n"
                    f"[sasl]\nenabled = true\nfilter = postfix[mode=auth]\nlogpath = {log}\n"
                    f"maxretry = {MAXRETRY}\nfindtime = {FINDTIME}\nbantime = {BANTIME}\n")
        now = int(time.time())
        with open(log, "w") as f:
            for i in range(3):
                f.write(line(now - 100 + i, i))
        r = client(conf, "start")
        if r.returncode != 0:
            print("fail2ban-client start failed:", r.stdout, r.stderr)
            return 1
        try:
            def recorded():
                p = os.path.join(tmp, "bans.txt")
                return open(p).read().split("\n") if os.path.exists(p) else []

            deadline = time.time() + 60
            while "unban " + IP not in recorded() and time.time() < deadline:
                time.sleep(1)
            if "unban " + IP not in recorded():
                print("FAIL: fail2ban did not ban and unban the first burst:", recorded())
                return 1
            t2 = int(time.time())
            with open(log, "a") as f:
                for i in range(3):
                    f.write(line(t2, 10 + i))  # t2 >= the first ban's end: fail2ban lifted it
            deadline = time.time() + 60
            while sum(1 for l in recorded() if l.startswith("ban ")) < 2 and time.time() < deadline:
                time.sleep(1)
            time.sleep(3)  # the observer prolongs the new ban after the action ran
            out = client(conf, "get", "sasl", "banip", "--with-time").stdout
        finally:
            client(conf, "stop")
        m = re.search(r"(\S+)\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \+ (\d+) = ", out)
        if not m:
            print("FAIL: no running ban in fail2ban:", out, recorded())
            return 1
        first_start = [int(float(l.split()[2])) for l in recorded() if l.startswith("ban ")]
        theirs = (m.group(1), int(time.mktime(time.strptime(m.group(2), "%Y-%m-%d %H:%M:%S"))), int(m.group(3)))
        r = subprocess.run([maillens, "guard", "--fail2ban-1.0", "--mode", "auth", "--maxretry", str(MAXRETRY),
                            "--findtime", str(FINDTIME), "--bantime", str(BANTIME), "--bantime-increment",
                            "--format", "json", log], capture_output=True, text=True, check=True)
        bans = json.loads(r.stdout)["bans"]
        ours = [(b["ip"], b["start_epoch"], b["end_epoch"] - b["start_epoch"]) for b in bans]
        ok = (len(ours) == 2 and ours[1] == theirs and [b[1] for b in ours] == first_start and
              ours[0][2] == BANTIME and ours[1][2] == 2 * BANTIME)
        print(f"{'ok  ' if ok else 'FAIL'} maillens bans {ours}; fail2ban second ban {theirs}, "
              f"ban times recorded by its action {first_start}")
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
