#!/usr/bin/env python3
"""server_parity.py - maillens guard's bans equal fail2ban-server's own.

Generates a log whose lines lie in the last ~45 minutes (fail2ban ignores
failures older than findtime and bans already expired), runs fail2ban-server
itself on it (temporary config dir with Debian's filter.d, polling backend,
in-memory database, a record-only action, socket and pid in the temp dir, no
network), waits until it has read every failure, and compares its bans
(ip, start, end from `get JAIL banip --with-time`, and the action's record)
with `maillens guard --fail2ban-1.0 --format json` for the same
maxretry/findtime/bantime. Jails: postfix[mode=aggressive], dovecot, and postfix[mode=normal] with
maxretry 2 and an ignoreip /24 around the first address it flags.

usage: server_parity.py MAILLENS LOGGEN
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

MAXRETRY, FINDTIME, BANTIME = 3, 3600, 86400
# name: (filter, mode, maxretry, ignore a /24 of an attacker)
JAILS = {"pf": ("postfix", "aggressive", MAXRETRY, False), "dc": ("dovecot", "normal", MAXRETRY, False),
         "pn": ("postfix", "normal", 2, True)}
STAMP = re.compile(r"^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) ")


def line_epoch(line, year):
    m = STAMP.match(line)
    t = time.strptime(f"{year} {m.group(1)} {m.group(2)} {m.group(3)}:{m.group(4)}:{m.group(5)}", "%Y %b %d %H:%M:%S")
    return int(time.mktime(t))


def client(conf, *args):
    return subprocess.run(["fail2ban-client", "-c", conf, *args], capture_output=True, text=True, timeout=60)


def main():
    maillens, loggen = sys.argv[1:3]
    if not shutil.which("fail2ban-server"):
        print("fail2ban not installed (scripts/install-deps.sh installs it)")
        return 1
    tmp = tempfile.mkdtemp(prefix="guard-f2b-")
    conf = os.path.join(tmp, "conf")
    try:
        now = int(time.time())
        start = datetime.datetime.fromtimestamp(now - 2700).strftime("%Y-%m-%d %H:%M:%S")
        raw = os.path.join(tmp, "raw.log")
        subprocess.run([loggen, "--lines", "40000", "--seed", "11", "--start", start, "-o", raw], check=True)
        log = os.path.join(tmp, "mail.log")
        year = datetime.datetime.now().year
        kept = 0
        with open(raw, encoding="utf-8", errors="surrogateescape") as src, \
                open(log, "w", encoding="utf-8", errors="surrogateescape") as dst:
            for l in src:
                if line_epoch(l, year) <= now - 5:  # nothing in the future, nothing fail2ban would clamp
                    dst.write(l)
                    kept += 1
        os.makedirs(os.path.join(conf, "action.d"))
        shutil.copytree("/etc/fail2ban/filter.d", os.path.join(conf, "filter.d"))
        record = os.path.join(tmp, "bans.txt")
        with open(os.path.join(conf, "fail2ban.conf"), "w") as f:
            f.write(f"[Definition]\nloglevel = INFO\nlogtarget = {tmp}/f2b.log\nsocket = {tmp}/f2b.sock\n"
                    f"pidfile = {tmp}/f2b.pid\ndbfile = :memory:\ndbpurgeage = 1d\n")
        with open(os.path.join(conf, "action.d", "record.conf"), "w") as f:
            f.write("[Definition]\nactionstart =\nactionstop =\nactioncheck =\n"
                    f"actionban = echo \"<name> <ip> <time> <bantime>\" >> {record}\nactionunban =\n")
        with open(os.path.join(conf, "jail.conf"), "w") as f:
            f.write(f"[DEFAULT]\nbackend = polling\nmaxretry = {MAXRETRY}\nfindtime = {FINDTIME}\n"
                    f"bantime = {BANTIME}\nusedns = no\naction = record\nignoreself = false\n")
            ignore = {}
            for name, (filt, mode, maxretry, with_ignore) in JAILS.items():
                f.write(f"[{name}]\nenabled = true\nfilter = {filt}[mode={mode}]\nlogpath = {log}\n"
                        f"maxretry = {maxretry}\n")
                if with_ignore:  # a /24 around the first address it flags
                    r = subprocess.run([maillens, "guard", "--mode", mode, "--filter", filt, "--format", "json",
                                        log], capture_output=True, text=True, check=True)
                    first = json.loads(r.stdout)["matches"][0]["ip"]
                    ignore[name] = first.rsplit(".", 1)[0] + ".0/24"
                    f.write(f"ignoreip = {ignore[name]}\n")
        # What maillens finds (failure counts tell when fail2ban has read everything).
        ours = {}
        for name, (filt, mode, maxretry, _) in JAILS.items():
            extra = ["--ignoreip", ignore[name]] if name in ignore else []
            r = subprocess.run([maillens, "guard", "--fail2ban-1.0", "--filter", filt, "--mode", mode,
                                "--maxretry", str(maxretry), "--findtime", str(FINDTIME), "--bantime",
                                str(BANTIME), "--format", "json", *extra, log], capture_output=True, text=True,
                               check=True)
            ours[name] = json.loads(r.stdout)
            if name in ignore and any(m["ip"].startswith(ignore[name][:-4]) for m in ours[name]["matches"]):
                print(f"FAIL jail {name}: ignored addresses listed among the failures")
                return 1
        r = client(conf, "start")
        if r.returncode != 0:
            print("fail2ban-client start failed:", r.stdout, r.stderr)
            return 1
        try:
            deadline = time.time() + 90
            while time.time() < deadline:
                done = True
                for name in JAILS:
                    st = client(conf, "status", name).stdout
                    m = re.search(r"Total failed:\s+(\d+)", st)
                    if not m or int(m.group(1)) < len(ours[name]["matches"]):
                        done = False
                if done:
                    break
                time.sleep(1)
            # Let the actions thread pick up the last tickets: wait until each
            # jail's ban list has maillens' size, or has not changed for 5 s.
            last, stable, deadline = None, 0, time.time() + 60
            while time.time() < deadline:
                sizes = [len(client(conf, "get", n, "banip").stdout.split()) for n in JAILS]
                if sizes == [len(ours[n]["bans"]) for n in JAILS]:
                    break
                stable = stable + 1 if sizes == last else 0
                if stable >= 5:
                    break
                last = sizes
                time.sleep(1)
            time.sleep(1)
            failures = 0
            for name in JAILS:
                out = client(conf, "get", name, "banip", "--with-time").stdout
                theirs = {}
                for l in out.splitlines():
                    m = re.match(r"(\S+)\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \+ (\d+) = (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", l)
                    if m:
                        s = int(time.mktime(time.strptime(m.group(2), "%Y-%m-%d %H:%M:%S")))
                        e = int(time.mktime(time.strptime(m.group(4), "%Y-%m-%d %H:%M:%S")))
                        theirs[m.group(1)] = (s, e)
                recorded = {}
                if os.path.exists(record):
                    for l in open(record):
                        jail, ip, t, _ = l.split()
                        if jail == name:
                            recorded[ip] = int(float(t))
                mine = {b["ip"]: (b["start_epoch"], b["end_epoch"]) for b in ours[name]["bans"]}
                first = {b["ip"]: b["start_epoch"] for b in ours[name]["bans"]}
                ok = mine == theirs and first == recorded and len(mine) > 0
                print(f"{'ok  ' if ok else 'FAIL'} jail {name} {JAILS[name][:3]} ignoreip {ignore.get(name)}: fail2ban {len(theirs)} bans, "
                      f"maillens {len(mine)} ({len(ours[name]['matches'])} failures, {kept} lines)")
                if not ok:
                    failures += 1
                    for ip in sorted(set(mine) | set(theirs)):
                        if mine.get(ip) != theirs.get(ip) or first.get(ip) != recorded.get(ip):
                            print(f"  {ip}: maillens {mine.get(ip)} first {first.get(ip)}; "
                                  f"fail2ban {theirs.get(ip)} action {recorded.get(ip)}")
            return 1 if failures else 0
        finally:
            client(conf, "stop")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
