#!/usr/bin/env python3
"""grafana_dashboard_test.py MAILLENS SOURCE_DIR - packaging/grafana/maillens.json
against a real Prometheus scraping `maillens serve`.

Checks the dashboard's JSON (valid, schemaVersion, the ${DS_PROMETHEUS}
input, unique panel ids, a datasource on every panel and target, unique
refIds, panels inside the 24-column grid and not overlapping), then starts `maillens serve` on 127.0.0.1 (--now pinned,
--from-start, the first half of a copy of the bundled real-Postfix log, the
saved `postqueue -j`) and Debian's prometheus (127.0.0.1, 1 s scrape,
temporary storage) scraping it, appends the second half of the log and one
DNSBL reject (the sample has none), and runs EVERY panel target and the
template variable's query through /api/v1/query with Grafana's
$__rate_interval/$__interval/$__range replaced by durations: each must
parse and return at least one series with a finite value, unless ALLOWLIST
says why it cannot on this log. Last, it proves the check can fail: the
first target with one metric name misspelt must be reported.
"""
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

# expr substring -> why the sample cannot give it data. Keep it short.
ALLOWLIST = {}

SUBST = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h", "$instance": ".+"}
RBL_LINE = ("Nov 22 05:39:50 mx postfix/smtpd[28046]: NOQUEUE: reject: RCPT from unknown[192.0.2.7]: "
            "554 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using zen.example.test; "
            "from=<spam@spam.test> to=<user@example.test> proto=ESMTP helo=<spam.test>\n")


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def all_panels(panels):
    for p in panels:
        yield p
        yield from all_panels(p.get("panels", []))


def check_json(path):
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)
    if not 36 <= dash.get("schemaVersion", 0) <= 41:
        fail(f"schemaVersion {dash.get('schemaVersion')}")
    if not any(i.get("name") == "DS_PROMETHEUS" and i.get("pluginId") == "prometheus" for i in dash.get("__inputs", [])):
        fail("no DS_PROMETHEUS input")
    ids = set()
    targets = []
    cells = {}
    for p in all_panels(dash["panels"]):
        g = p.get("gridPos", {})
        if not (g.get("w", 0) > 0 and g.get("h", 0) > 0 and 0 <= g.get("x", -1) and g["x"] + g["w"] <= 24):
            fail(f"panel {p.get('title')!r}: gridPos {g}")
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    fail(f"panel {p.get('title')!r} overlaps {cells[(x, y)]!r}")
                cells[(x, y)] = p.get("title")
        if not isinstance(p.get("id"), int) or p["id"] in ids:
            fail(f"panel {p.get('title')!r}: id {p.get('id')!r} missing or not unique")
        ids.add(p["id"])
        if p["type"] == "row":
            continue
        if p.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
            fail(f"panel {p['title']!r} has no ${{DS_PROMETHEUS}} datasource")
        if not p.get("targets"):
            fail(f"panel {p['title']!r} has no target")
        refs = [t.get("refId") for t in p["targets"]]
        if len(set(refs)) != len(refs) or None in refs:
            fail(f"panel {p['title']!r}: refIds {refs}")
        for t in p["targets"]:
            if t.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
                fail(f"panel {p['title']!r} target {t['refId']} has no datasource")
            targets.append((f"{p['title']} / {t['refId']}", t["expr"]))
    variables = dash.get("templating", {}).get("list", [])
    for v in variables:
        if v.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}":
            fail(f"variable {v['name']} has no datasource")
    return dash, targets, variables


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http_get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def promql(pport, expr):
    url = f"http://127.0.0.1:{pport}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        body = http_get(url)
    except urllib.error.HTTPError as e:
        return "error", e.read().decode()
    r = json.loads(body)
    return r["status"], r["data"]["result"] if r["status"] == "success" else r


def expand(expr):
    for k, v in SUBST.items():
        expr = expr.replace(k, v)
    if "$" in expr:
        fail(f"unknown Grafana variable left in {expr!r}")
    return expr


def check_target(pport, expr):
    """None if EXPR parses and returns a series with a finite value, else why not."""
    status, result = promql(pport, expand(expr))
    if status != "success":
        return f"does not parse: {result}"
    if not result:
        return "no series"
    if not any(math.isfinite(float(s["value"][1])) for s in result):
        return f"no finite value: {result}"
    return None


def main():
    maillens, src = sys.argv[1], sys.argv[2]
    if not shutil.which("prometheus"):
        fail("prometheus is not installed")
    path = os.path.join(src, "packaging/grafana/maillens.json")
    dash, targets, variables = check_json(path)

    tmp = tempfile.mkdtemp()
    procs = []
    try:
        with open(os.path.join(src, "tests/data/realpostfix-sample/maillog"), encoding="utf-8") as f:
            lines = f.readlines()
        half = len(lines) // 2
        log = os.path.join(tmp, "mail.log")
        with open(log, "w", encoding="utf-8") as f:
            f.writelines(lines[:half])
        err = open(os.path.join(tmp, "serve.err"), "w+")
        procs.append(subprocess.Popen(
            [maillens, "serve", "--listen", "127.0.0.1:0", "--from-start", "--year", "2026",
             "--now", "2026-11-22T06:00:00", "--postqueue", os.path.join(src, "tests/data/e2e-sample/postqueue.json"),
             "--checkpoint", os.path.join(tmp, "ckpt"), log], stderr=err))
        port = None
        for _ in range(50):
            err.seek(0)
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", err.read())
            if m:
                port = int(m.group(1))
                break
            time.sleep(0.1)
        if not port:
            err.seek(0)
            fail(f"serve did not start: {err.read()}")

        def serve_lines():
            m = re.search(r"^maillens_serve_lines_read_total (\S+)$", http_get(f"http://127.0.0.1:{port}/metrics"), re.M)
            return int(float(m.group(1))) if m else -1

        def wait_lines(n):
            for _ in range(100):
                if serve_lines() == n:
                    return
                time.sleep(0.1)
            fail(f"serve read {serve_lines()} lines of {n}")
        wait_lines(half)

        pport = free_port()
        with open(os.path.join(tmp, "prometheus.yml"), "w") as f:
            f.write(f"global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: maillens\n"
                    f"    static_configs:\n      - targets: ['127.0.0.1:{port}']\n")
        plog = open(os.path.join(tmp, "prometheus.log"), "w")
        procs.append(subprocess.Popen(
            ["prometheus", f"--config.file={tmp}/prometheus.yml", f"--storage.tsdb.path={tmp}/tsdb",
             f"--web.listen-address=127.0.0.1:{pport}"], stdout=plog, stderr=subprocess.STDOUT))

        def scrapes():
            try:
                status, r = promql(pport, 'count_over_time(up{job="maillens"}[5m])')
            except OSError:
                return 0
            return int(r[0]["value"][1]) if status == "success" and r else 0
        for _ in range(60):
            if scrapes() >= 3:
                break
            time.sleep(0.5)
        else:
            fail("Prometheus did not scrape serve three times")
        # The second half arrives while Prometheus watches: rates are not 0.
        with open(log, "a", encoding="utf-8") as f:
            f.writelines(lines[half:])
            f.write(RBL_LINE)
        wait_lines(len(lines) + 1)
        first = scrapes()
        for _ in range(60):
            if scrapes() >= first + 3:
                break
            time.sleep(0.5)

        bad = []
        for name, expr in targets:
            why = check_target(pport, expr)
            allowed = [k for k in ALLOWLIST if k in expr]
            if why and not allowed:
                bad.append(f"{name}: {expr}: {why}")
            elif not why and allowed:
                bad.append(f"{name}: allowlisted ({ALLOWLIST[allowed[0]]}) but returns data: drop it from ALLOWLIST")
        for v in variables:
            m = re.fullmatch(r"label_values\((\w+), *(\w+)\)", v["definition"])
            if not m:
                bad.append(f"variable {v['name']}: unsupported query {v['definition']!r}")
                continue
            status, r = promql(pport, m.group(1))
            if status != "success" or not any(m.group(2) in s["metric"] for s in r):
                bad.append(f"variable {v['name']}: {v['definition']} gives no value")
        if bad:
            fail("\n  ".join(["dashboard targets without data:"] + bad))
        print(f"ok: {len(targets)} targets of {sum(1 for p in all_panels(dash['panels']) if p['type'] != 'row')} "
              f"panels and {len(variables)} variable(s) return data")

        # The check can fail: the first target with a misspelt metric name.
        name, expr = targets[0]
        metric = re.search(r"\b(postfix|maillens)_\w+", expr).group(0)
        broken = expr.replace(metric, metric + "_misspelt", 1)
        if check_target(pport, broken) is None:
            fail(f"a misspelt metric ({broken}) still returns data: the check proves nothing")
        if check_target(pport, expr.replace("sum(", "sum((", 1)) is None:
            fail("an unbalanced expression still returns data")
        print("ok: a misspelt metric name and a syntax error are reported")
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
