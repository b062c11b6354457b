#!/usr/bin/env python3
"""annotations.py - maillens guard against fail2ban's own filter test logs.

Reads the `# failJSON:` annotations and `# filterOptions:` mode lists of
CORPORA/fail2ban/{postfix,dovecot} and, for every mode listed there, runs
`maillens guard --filter F --mode M --format json` over the lines of the
sections that list the mode. Each annotated line must be matched exactly when
the annotation says "match": true, with the annotated host, user (if given)
and time (month, day and clock; the year is fail2ban's test-harness
convention). Times are compared in Europe/Zurich, as fail2ban's tests run.

usage: annotations.py MAILLENS CORPORA_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile

DEFAULT_MODE = {"postfix": "more", "dovecot": "normal"}


def parse(path, filt):
    """Returns [(modes, annotation, line)] for every annotated log line."""
    modes = [DEFAULT_MODE[filt]]
    pending = None
    out = []
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for raw in f:
            line = raw.rstrip("\n")
            m = re.match(r"#\s*filterOptions:\s*(.*)$", line)
            if m:
                modes = [o.get("mode", DEFAULT_MODE[filt]) for o in json.loads(m.group(1))]
                continue
            m = re.match(r"#\s*failJSON:\s*(.*)$", line)
            if m:
                pending = json.loads(m.group(1))
                continue
            if line.startswith("#") or not line.strip():
                continue
            if pending is None:
                raise SystemExit(f"{path}: log line without annotation: {line}")
            out.append((sorted(set(modes)), pending, line))
            pending = None
    return out


def clock(iso):
    """'2005-03-7T02:09:33' -> '03-07T02:09:33' (month, day, time)."""
    m = re.match(r"\d{4}-(\d{1,2})-(\d{1,2})[T ](\d\d:\d\d:\d\d)", iso)
    return f"{int(m.group(1)):02d}-{int(m.group(2)):02d}T{m.group(3)}"


def main():
    maillens, corpora = sys.argv[1], sys.argv[2]
    env = dict(os.environ, TZ="Europe/Zurich")
    failures, checked = [], 0
    for filt in ("postfix", "dovecot"):
        cases = parse(os.path.join(corpora, "fail2ban", filt), filt)
        all_modes = sorted({m for modes, _, _ in cases for m in modes})
        for mode in all_modes:
            sel = [(a, l) for modes, a, l in cases if mode in modes]
            with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False, encoding="utf-8",
                                             errors="surrogateescape") as t:
                for _, l in sel:
                    t.write(l + "\n")
                log = t.name
            try:
                r = subprocess.run([maillens, "guard", "--filter", filt, "--mode", mode, "--format", "json",
                                    "--maxretry", "1000000", log], env=env, capture_output=True, text=True)
            finally:
                os.unlink(log)
            if r.returncode != 0:
                failures.append(f"{filt}/{mode}: exit {r.returncode}: {r.stderr}")
                continue
            got = json.loads(r.stdout)["matches"]
            gi = 0
            for a, l in sel:
                checked += 1
                hit = gi < len(got) and got[gi]["line"] == l
                where = f"{filt}/{mode}: {l[:110]}"
                if a["match"] != hit:
                    failures.append(f"{where}: expected match={a['match']}, got {hit}")
                if not hit:
                    continue
                g = got[gi]
                gi += 1
                if "host" in a and g["ip"] != a["host"]:
                    failures.append(f"{where}: host {g['ip']} != {a['host']}")
                if "user" in a and g["user"] != a["user"]:
                    failures.append(f"{where}: user {g['user']!r} != {a['user']!r}")
                if "time" in a and clock(g["time"]) != clock(a["time"]):
                    failures.append(f"{where}: time {g['time']} != {a['time']}")
            if gi != len(got):
                failures.append(f"{filt}/{mode}: {len(got) - gi} unexpected matches")
    for f in failures:
        print("FAIL", f)
    print(f"{checked} annotated (line, mode) pairs checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
