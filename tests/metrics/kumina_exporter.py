"""kumina_exporter.py - runs Debian's prometheus-postfix-exporter (kumina 0.3.0) on a log.

exposition(log) starts the exporter on 127.0.0.1 (a free port) tailing an
empty file with no showq socket, appends LOG to it once it listens, and
returns its /metrics text once two scrapes 1 s apart agree (and some
log-derived series is non-zero). parse(text) gives {series: value} for the
log-derived families (postfix_* and opendkim_*, postfix_up aside), labels
sorted by name, and types(text) {family: type}.
"""
import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.request

EXPORTER = "prometheus-postfix-exporter"


def parse(text):
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$', line)
        name = m.group(1)
        if not (name.startswith("postfix_") or name.startswith("opendkim_")) or name == "postfix_up":
            continue
        pairs = re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or "")
        key = name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(pairs)) + "}"
        out[key] = float(m.group(4))
    return out


def types(text):
    return {m.group(1): m.group(2) for m in re.finditer(r"^# TYPE (\S+) (\S+)$", text, re.M)
            if m.group(1) != "postfix_up" and (m.group(1).startswith("postfix_") or m.group(1).startswith("opendkim_"))}


def exposition(log, timeout=60):
    with tempfile.TemporaryDirectory() as tmp:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        tailed = os.path.join(tmp, "mail.log")
        open(tailed, "w").close()
        exporter = subprocess.Popen([EXPORTER, f"--postfix.logfile_path={tailed}",
                                     f"--postfix.showq_path={tmp}/no-showq",
                                     f"--web.listen-address=127.0.0.1:{port}"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}/metrics"
            deadline = time.time() + timeout
            while True:
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
            while True:
                text = urllib.request.urlopen(url, timeout=5).read().decode()
                series = parse(text)
                if series == last and any(series.values()):
                    return text
                assert time.time() < deadline, "exporter never settled"
                last = series
                time.sleep(1)
        finally:
            exporter.terminate()
            exporter.wait()
