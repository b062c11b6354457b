#!/usr/bin/env python3
"""kumina_parity_test.py MAILLENS LOG KNOWN - counters vs Debian's prometheus-postfix-exporter.

Starts the Debian exporter (kumina 0.3.0) on 127.0.0.1 tailing an empty file,
appends LOG to it, waits until its counters stop changing, and compares every
counter series it exposes (histograms and gauges aside) with `maillens
metrics LOG`. Differences must be listed in KNOWN ("series<TAB>reason"),
and every listed series must still differ; anything else fails.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def counters(text):
    """Counter and histogram series (name{labels sorted} -> value) of an
    exposition text. Histogram series are summed over their `stage` label:
    kumina records all four delay stages under stage=""."""
    types, out = {}, {}
    for line in text.splitlines():
        m = re.match(r"# TYPE (\S+) (\S+)", line)
        if m:
            types[m.group(1)] = m.group(2)
            continue
        if not line or line.startswith("#"):
            continue
        m = re.match(r'([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$', line)
        name = m.group(1)
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        histogram = types.get(family) == "histogram"
        if not name.startswith("postfix_") or not (types.get(name) in ("counter", "untyped") or histogram):
            continue
        pairs = re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or "")
        if histogram:
            pairs = [(k, str(float(v)) if k == "le" else v) for k, v in pairs if k != "stage"]
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(pairs))
        key = f"{name}{{{labels}}}"
        out[key] = out.get(key, 0.0) + float(m.group(4))
    return out


def main():
    maillens, log, known_path = sys.argv[1:4]
    known = {}
    for line in open(known_path):
        if line.strip() and not line.startswith("#"):
            series, reason = line.rstrip("\n").split("\t", 1)
            known[series] = reason
    # A known row ending in "*" stands for every series with that prefix.
    prefixes = [k[:-1] for k in known if k.endswith("*")]
    ours = counters(subprocess.run([maillens, "metrics", log], check=True, capture_output=True, text=True).stdout)
    # kumina's unsupported entries have no level label (Hsn723 0.20 added
    # it): compare with maillens's summed over level.
    for series, value in list(ours.items()):
        m = re.match(r'(postfix_unsupported_log_entries_total)\{level="[^"]*",(service="[^"]*")\}$', series)
        if m:
            key = f"{m.group(1)}{{{m.group(2)}}}"
            ours[key] = ours.get(key, 0.0) + value
    with tempfile.TemporaryDirectory() as tmp, socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        tailed = os.path.join(tmp, "mail.log")
        open(tailed, "w").close()
        exporter = subprocess.Popen(["prometheus-postfix-exporter", f"--postfix.logfile_path={tailed}",
                                     f"--postfix.showq_path={tmp}/no-showq",
                                     f"--web.listen-address=127.0.0.1:{port}"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}/metrics"
            deadline = time.time() + 30
            while True:  # the exporter is listening (and tailing from the end)
                try:
                    urllib.request.urlopen(url, timeout=2).read()
                    break
                except OSError:
                    assert time.time() < deadline, "exporter did not start"
                    time.sleep(0.2)
            time.sleep(0.5)
            with open(log, "rb") as src, open(tailed, "ab") as dst:
                dst.write(src.read())
            last = None
            while True:  # until two scrapes 1 s apart agree and show lines
                theirs = counters(urllib.request.urlopen(url, timeout=5).read().decode())
                if theirs == last and any(theirs.values()):
                    break
                assert time.time() < deadline, f"exporter never settled: {sorted(theirs.items())[:5]}"
                last = theirs
                time.sleep(1)
        finally:
            exporter.terminate()
            exporter.wait()
    failures = []
    for series in sorted(set(theirs) | (set(ours) & {k for k in known})):
        if not series.startswith("postfix_"):
            continue
        t = theirs.get(series, 0.0)
        o = ours.get(series, 0.0)
        if any(series.startswith(p) for p in prefixes):
            continue  # checked as a whole below
        if series in known:
            if t == o:
                failures.append(f"{series}: now equal ({o}); remove it from {known_path}")
        elif series in theirs and t != o:
            failures.append(f"{series}: maillens {o}, exporter {t}")
    for p in prefixes:
        mine = {k: v for k, v in ours.items() if k.startswith(p)}
        kumina = {k: v for k, v in theirs.items() if k.startswith(p)}
        if mine == kumina:
            failures.append(f"{p}*: now equal; remove it from {known_path}")
    for f in failures:
        print("FAIL", f)
    print(f"kumina_parity_test: {len(theirs)} exporter counter series, {len(known)} known differences, "
          f"{len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
