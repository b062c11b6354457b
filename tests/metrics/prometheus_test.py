#!/usr/bin/env python3
"""prometheus_test.py MAILLENS LOG - a real Prometheus scrapes maillens metrics.

Serves `maillens metrics LOG` with python's http.server on 127.0.0.1, starts
Prometheus (1 s scrape interval, temp storage) on 127.0.0.1, waits for a
scrape and checks PromQL results against counts taken from the log itself.
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request


def free_port():
    """Returns a free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query(port, promql):
    """Runs an instant PromQL query; returns the result vector."""
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)["data"]["result"]


def main():
    maillens, log = sys.argv[1], sys.argv[2]
    with open(log, "rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    smtpd_connects = sum(1 for l in lines if re.search(rb"postfix(/[\w-]+)*/smtpd\[\d+\]: connect from ", l))
    with tempfile.TemporaryDirectory() as tmp:
        www = os.path.join(tmp, "www")
        os.mkdir(www)
        with open(os.path.join(www, "metrics"), "wb") as f:
            f.write(subprocess.run([maillens, "metrics", log], check=True, capture_output=True).stdout)
        http_port, prom_port = free_port(), free_port()
        cfg = os.path.join(tmp, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
                    f"  - job_name: maillens\n    static_configs:\n      - targets: ['127.0.0.1:{http_port}']\n")
        procs = [subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(http_port)],
                                  cwd=www, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
                 subprocess.Popen(["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={tmp}/data",
                                   f"--web.listen-address=127.0.0.1:{prom_port}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        try:
            deadline = time.time() + 40
            result = []
            while time.time() < deadline:
                try:
                    result = query(prom_port, 'maillens_lines_read_total{job="maillens"}')
                except OSError:
                    result = []
                if result:
                    break
                time.sleep(0.5)
            assert result, "Prometheus never scraped maillens"
            got = int(float(result[0]["value"][1]))
            assert got == len(lines), f"lines_read {got} != {len(lines)}"
            got = int(float(query(prom_port, "sum(postfix_smtpd_connects_total)")[0]["value"][1]))
            assert got == smtpd_connects, f"smtpd connects {got} != {smtpd_connects}"
            up = query(prom_port, 'up{job="maillens"}')
            assert up and up[0]["value"][1] == "1", up
        finally:
            for p in procs:
                p.terminate()
                p.wait()
    print("prometheus_test: ok")


if __name__ == "__main__":
    main()
