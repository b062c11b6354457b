#!/usr/bin/env python3
"""slow_clients.py - serve stays reachable under idle and slow clients.

Usage: slow_clients.py MAILLENS SOURCE_DIR

Starts `maillens serve` on 127.0.0.1 (a copy of the bundled real-Postfix log,
a bearer token, the clock pinned with --now) and checks:
  1. 100 slow clients (10 each from 127.0.0.2 .. 127.0.0.11, so the per-client
     cap is not what saves the scrapes) each send half a request header and
     hold the connection, reopening it whenever serve closes it; meanwhile
     /metrics and /api/summary scraped from 127.0.0.1 for 8 s all answer 200
     within 1 s each;
  2. the header deadline: a client that trickles one header byte every 0.5 s
     is closed within a few seconds, as are the half-header clients;
  3. the per-client cap: of 80 connections held from 127.0.0.12 some are
     refused (closed at once), while 127.0.0.1 is still served;
  4. 2,000 scrapes from 8 threads (keep-alive connections, a new one every
     10th request) while a writer appends to the log: all 200, the line count
     never goes backwards and ends at the number of lines written;
  5. malformed requests, a 1 MB header, path traversal, other methods: 4xx;
  6. HTTPS (--tls-cert/--tls-key, a certificate made by openssl) with 20
     connections that never start their TLS handshake: a scrape answers
     within 1 s.
Prints the latency figures. Exit 0 when all hold.
"""
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

MAILLENS, SRC = sys.argv[1], sys.argv[2]
TOKEN = "s3cret"
AUTH = {"Authorization": "Bearer " + TOKEN}
# Just after the sample's last line (2026-11-22 05:39:46): never today's date.
NOW = "2026-11-22T06:00:00"
failures = []


def fail(msg):
    print("FAIL:", msg)
    failures.append(msg)


def start(tmp, name, extra):
    err = open(os.path.join(tmp, name + ".err"), "wb")
    p = subprocess.Popen([MAILLENS, "serve", "--listen", "127.0.0.1:0", "--from-start", "--year", "2026", "--now",
                          NOW, "--token", TOKEN, "--no-queue", "--checkpoint", os.path.join(tmp, name + ".ckpt")] +
                         extra + [os.path.join(tmp, "mail.log")], stderr=subprocess.PIPE)
    seen = b""
    while True:
        line = p.stderr.readline()
        if not line:
            print("serve did not start:", seen.decode(errors="replace"))
            sys.exit(1)
        seen += line
        err.write(line)
        m = re.search(r"listening on https?://127\.0\.0\.1:(\d+)", line.decode(errors="replace"))
        if m:
            break

    def drain():
        for l in p.stderr:
            err.write(l)
    threading.Thread(target=drain, daemon=True).start()
    return p, int(m.group(1))


def get(port, path, timeout=1.0, context=None):
    """(status, body, seconds); status None on a timeout or an error."""
    t0 = time.monotonic()
    try:
        if context:
            c = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=context)
        else:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        c.request("GET", path, headers=AUTH)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body, time.monotonic() - t0
    except (OSError, http.client.HTTPException) as e:
        return None, repr(e).encode(), time.monotonic() - t0


def raw(port, data, timeout=5.0):
    """Sends data, returns the status of the answer (None: closed without one)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
    except OSError:
        pass  # serve may close before reading it all (e.g. the 1 MB header)
    got = b""
    try:
        while b"\r\n" not in got:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    except OSError:
        pass
    s.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", got)
    return int(m.group(1)) if m else None


class SlowClients:
    """n connections from `source` that send half a header and wait; each is
    reopened when serve closes it."""

    def __init__(self, port, sources, per_source, reopen=True):
        self.port, self.stop, self.reopen = port, threading.Event(), reopen
        self.closed = 0  # connections serve closed
        self.refused = 0  # closed within 0.3 s of the connect
        self.lock = threading.Lock()
        self.ready = threading.Barrier(len(sources) * per_source + 1, timeout=30)
        self.threads = [threading.Thread(target=self.run, args=(src,), daemon=True)
                        for src in sources for _ in range(per_source)]
        for t in self.threads:
            t.start()
        self.ready.wait()

    def run(self, source):
        first = True
        while not self.stop.is_set():
            s = socket.socket()
            s.bind((source, 0))
            s.settimeout(0.2)
            t0 = time.monotonic()
            try:
                s.connect(("127.0.0.1", self.port))
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bea")
            except OSError:
                pass
            if first:
                first = False
                self.ready.wait()
            while not self.stop.is_set():
                try:
                    if s.recv(1024) == b"":
                        break
                except socket.timeout:
                    continue
                except OSError:
                    break
            s.close()
            if self.stop.is_set():
                break
            with self.lock:
                self.closed += 1
                if time.monotonic() - t0 < 0.3:
                    self.refused += 1
            if not self.reopen:
                break
            time.sleep(0.05)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join()


def scrape_for(port, seconds, context=None):
    """Scrapes /metrics and /api/summary in turn for `seconds`: (count, bad, latencies)."""
    lat, bad = [], []
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        path = "/metrics" if i % 2 == 0 else "/api/summary"
        status, body, dt = get(port, path, timeout=1.0, context=context)
        lat.append(dt)
        if status != 200 or dt >= 1.0:
            bad.append((path, status, round(dt, 3), body[:80]))
        i += 1
        time.sleep(0.05)
    return len(lat), bad, lat


def figures(lat):
    lat = sorted(lat)
    return "median %.1f ms, p99 %.1f ms, max %.1f ms" % (
        lat[len(lat) // 2] * 1000, lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000, lat[-1] * 1000)


tmp = tempfile.mkdtemp(prefix="maillens-slow-")
procs = []
try:
    shutil.copy(os.path.join(SRC, "tests/data/realpostfix-sample/maillog"), os.path.join(tmp, "mail.log"))
    with open(os.path.join(tmp, "mail.log"), "rb") as f:
        sample = [l for l in f.read().split(b"\n") if l]
    p, port = start(tmp, "plain", [])
    procs.append(p)
    st, _, _ = get(port, "/healthz")
    if st != 200:
        fail("/healthz answered %s" % st)

    # 1. 100 slow clients from ten addresses.
    slow = SlowClients(port, ["127.0.0.%d" % i for i in range(2, 12)], 10)
    n, bad, lat = scrape_for(port, 8.0)
    slow.finish()
    print("100 slow clients: %d scrapes from 127.0.0.1 in 8 s, %d failed or slower than 1 s; %s; "
          "serve closed %d slow connections (header deadline)" % (n, len(bad), figures(lat), slow.closed))
    if bad:
        fail("scrapes under 100 slow clients: %s" % bad[:5])
    if slow.closed < 100:
        fail("only %d of 100 half-header connections were closed in 8 s (header deadline)" % slow.closed)

    # 2. A client trickling a byte every 0.5 s is closed by the header deadline.
    s = socket.create_connection(("127.0.0.1", port), timeout=1)
    t0 = time.monotonic()
    closed_after = None
    header = b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 200
    for b in header:
        try:
            s.send(bytes([b]))
            s.settimeout(0.5)
            if s.recv(1024) == b"":
                closed_after = time.monotonic() - t0
                break
        except socket.timeout:
            continue
        except OSError:
            closed_after = time.monotonic() - t0
            break
        if time.monotonic() - t0 > 20:
            break
    s.close()
    print("trickling client (1 byte / 0.5 s): closed after %s s" %
          ("%.1f" % closed_after if closed_after is not None else "never (20 s)"))
    if closed_after is None or closed_after > 8:
        fail("a client trickling its header was not closed within 8 s")

    # 3. The per-client cap: 80 connections from one address, some refused.
    capped = SlowClients(port, ["127.0.0.12"], 80, reopen=False)
    time.sleep(0.5)
    st, _, dt = get(port, "/metrics")
    refused = capped.refused
    capped.finish()
    print("per-client cap: %d of 80 connections from 127.0.0.12 refused; a scrape from 127.0.0.1: %s in %.1f ms"
          % (refused, st, dt * 1000))
    if refused < 80 - 64:
        fail("only %d of 80 connections from one address were refused (cap 64)" % refused)
    if st != 200 or dt >= 1.0:
        fail("scrape while one address is at its cap: %s in %.3f s" % (st, dt))

    # 4. 2,000 scrapes from 8 threads while the log grows.
    writing = threading.Event()
    written = [0]

    def writer():
        i = 0
        with open(os.path.join(tmp, "mail.log"), "ab") as f:
            while not writing.is_set():
                f.write(b"\n".join(sample[i % len(sample):i % len(sample) + 50]) + b"\n")
                written[0] += len(sample[i % len(sample):i % len(sample) + 50])
                f.flush()
                i += 50
                time.sleep(0.01)
    base_lines = len(sample)
    wt = threading.Thread(target=writer)
    wt.start()
    results, rlock = [], threading.Lock()

    def scraper(k):
        c = None
        last = -1
        mine = []
        for i in range(250):
            if c is None or i % 10 == 0:
                if c:
                    c.close()
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            path = "/metrics" if (i + k) % 2 == 0 else "/api/summary"
            t0 = time.monotonic()
            try:
                c.request("GET", path, headers=AUTH)
                r = c.getresponse()
                body = r.read().decode()
                ok = r.status == 200
                if ok and path == "/metrics":
                    m = re.search(r"^maillens_serve_lines_read_total (\d+)", body, re.M)
                    v = int(m.group(1)) if m else -1
                    ok = v >= last
                    last = v
            except (OSError, http.client.HTTPException):
                ok = False
                c = None
            mine.append((ok, time.monotonic() - t0))
        with rlock:
            results.extend(mine)
    threads = [threading.Thread(target=scraper, args=(k,)) for k in range(8)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - t0
    writing.set()
    wt.join()
    good = sum(1 for ok, _ in results if ok)
    print("8 threads: %d of %d scrapes succeeded in %.1f s while %d lines were appended; %s"
          % (good, len(results), took, written[0], figures([d for _, d in results])))
    if good != 2000 or len(results) != 2000:
        fail("%d of %d scrapes succeeded" % (good, len(results)))
    want = base_lines + written[0]
    got = None
    for _ in range(50):
        st, body, _ = get(port, "/metrics")
        m = re.search(rb"^maillens_serve_lines_read_total (\d+)", body, re.M)
        got = int(m.group(1)) if m else None
        if got == want:
            break
        time.sleep(0.1)
    if got != want:
        fail("serve read %s lines, %d were written" % (got, want))

    # 5. Hostile requests get 4xx.
    cases = [
        ("malformed request line", b"GARBAGE HTTP/1.1\r\n\r\n"),
        ("HTTP/1.1 without Host", b"GET /healthz HTTP/1.1\r\n\r\n"),
        ("no HTTP version", b"GET /metrics\r\n\r\n"),
        ("bad header line", b"GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"),
        ("1 MB header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"),
        ("1 MB path", b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("traversal", b"GET /../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("encoded traversal", b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("dot segments to a route", b"GET /x/../healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("POST", b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"),
        ("no token", b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("wrong token", b"GET /api/summary HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3creT\r\n\r\n"),
        ("bad since", b"GET /api/summary?since=tomorrow HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\n\r\n"),
    ]
    for what, req in cases:
        st = raw(port, req)
        print("%-24s -> %s" % (what, st))
        if st is None or not 400 <= st < 500:
            fail("%s answered %s, not 4xx" % (what, st))
    # A request line of one word: libmicrohttpd 0.9.75 closes the connection
    # without an answer (doc/serve.md); nothing else may come back.
    st = raw(port, b"GARBAGE\r\n\r\n")
    print("%-24s -> %s" % ("one-word request line", st if st else "closed"))
    if st is not None and not 400 <= st < 500:
        fail("a one-word request line answered %s" % st)
    if get(port, "/healthz")[0] != 200:
        fail("serve stopped answering after the hostile requests")
    p.terminate()
    p.wait()

    # 6. HTTPS, with connections that never start their handshake.
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    p, port = start(tmp, "tls", ["--tls-cert", cert, "--tls-key", key])
    procs.append(p)
    ctx = ssl.create_default_context(cafile=cert)
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
    n, bad, lat = scrape_for(port, 2.0, context=ctx)
    st, _, _ = get(port, "/metrics", context=ctx)
    for s in idle:
        s.close()
    print("HTTPS, 20 connections without a handshake: %d scrapes, %d failed or slower than 1 s; %s"
          % (n, len(bad), figures(lat)))
    if bad or st != 200:
        fail("HTTPS scrapes: %s" % bad[:5])
    c = http.client.HTTPSConnection("127.0.0.1", port, timeout=2, context=ctx)
    c.request("GET", "/metrics")
    if c.getresponse().status != 401:
        fail("HTTPS /metrics without the token was not 401")
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(tmp, ignore_errors=True)

if failures:
    print("%d check(s) failed" % len(failures))
    sys.exit(1)
print("ok: reachable under slow and idle clients")
