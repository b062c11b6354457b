#!/usr/bin/env python3
"""compat_kumina_test.py MAILLENS LOGGEN SAMPLE - `--metrics-compat kumina` equals the real exporter.

For each log, `maillens metrics --metrics-compat kumina LOG` and Debian's
prometheus-postfix-exporter (kumina 0.3.0) reading LOG must expose the same
log-derived families (same TYPE) and the same series, label sets included,
with equal values (histogram _sum to 1e-12 relative: the exporter adds its
sums in a different order around scrapes). Logs: a loggen log (fixed seed
and start, multi-part service names such as postfix/submission/smtpd
dropped, since there maillens and kumina differ on purpose in the default
mode only: in compat mode they are kumina's unsupported entries too, and
are kept in the second log), the bundled sample (with them), and a crafted
log of kumina's quirks (reply text holding ", status=deferred", `postfix[1]`,
empty line, opendkim, a deferred lmtp attempt, pipe relay). Last, `serve`
configured by TOML `metrics_compat = "kumina"` replays the sample and must
expose the same series as the one-shot.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kumina_exporter  # noqa: E402

QUIRKS = """\
Nov 22 10:00:01 mx postfix/smtp[10]: 1A2B3C4D63: to=<e@z.example>, relay=mx.z.example[192.0.2.3]:25, delay=2, delays=0.1/0/1/0.9, dsn=2.0.0, status=sent (250 ok, status=deferred)
Nov 22 10:00:02 mx postfix/smtp[10]: 1A2B3C4D64: to=<a@x.example>, relay=none, delay=1.2, delays=0.1/0/1.1/0, dsn=4.4.1, status=deferred (connect to x.example[192.0.2.1]:25: Connection refused)
Nov 22 10:00:03 mx postfix/lmtp[11]: 1A2B3C4D65: to=<u@example.org>, relay=mail.example[private/dovecot-lmtp], delay=1.2, delays=0.1/0/1.1/0, dsn=4.2.0, status=deferred (x)
Nov 22 10:00:04 mx postfix/pipe[12]: 1A2B3C4D66: to=<u@example.org>, relay=dovecot, delay=0.5, delays=0.1/0/0/0.4, dsn=2.0.0, status=sent (delivered via dovecot service)
Nov 22 10:00:05 mx postfix[13]: Postfix is running with backwards-compatible default settings

Nov 22 10:00:06 mx opendkim[14]: 1A2B3C4D67: DKIM-Signature field added (s=mail, d=example.org)
Nov 22 10:00:07 mx opendkim[14]: 1A2B3C4D68: no signing table match for 'x@example.net'
Nov 22 10:00:08 mx postfix/smtpd[15]: 1A2B3C4D69: client=a.example[192.0.2.9], sasl_method=PLAIN, sasl_username=joe
Nov 22 10:00:09 mx postfix/smtpd[15]: 1A2B3C4D6A: client=a.example[192.0.2.9]
Nov 22 10:00:10 mx postfix/smtp[16]: connect to mx.q.example[192.0.2.7]:25: Connection timed out
Nov 22 10:00:11 mx postfix/qmgr[17]: 1A2B3C4D6B: from=<s@example.org>, size=1234567, nrcpt=3 (queue active)
Nov 22 10:00:12 mx postfix/qmgr[17]: 1A2B3C4D6C: from=<s@example.org>, status=expired, returned to sender
Nov 22 10:00:13 mx postfix/bounce[18]: 1A2B3C4D6D: sender non-delivery notification: 1A2B3C4D6E
Nov 22 10:00:14 mx postfix/submission/smtpd[19]: connect from b.example[192.0.2.10]
Nov 22 10:00:15 mx postfix/smtpd[20]: NOQUEUE: reject: RCPT from c.example[192.0.2.11]: 554 5.7.1 <d@example.org>: Relay access denied; from=<x@y> to=<d@example.org> proto=ESMTP helo=<c>
Nov 22 10:00:16 mx postfix/smtpd[20]: warning: unknown[192.0.2.12]: SASL LOGIN authentication failed: UGFzc3dvcmQ6
Nov 22 10:00:17 mx postfix/smtpd[20]: lost connection after AUTH from unknown[192.0.2.12]
Nov 22 10:00:18 mx postfix/smtpd[20]: Anonymous TLS connection established from c.example[192.0.2.11]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)
Nov 22 10:00:19 mx dovecot: imap-login: Login: user=<u>, method=PLAIN
Nov 22 10:00:00 mx postfix/smtp[1]: connect to a.example[192.0.2.1]:25: Connection timed out
Nov 22 10:00:00 mx postfix/smtp[1]: connect to a.example[192.0.2.1]:25:  Connection timed out
Nov 22 10:00:00 mx postfix/smtp[1]: connect to a.example[192.0.2.1]:25: Connection timed out.
Nov 22 10:00:00 mx postfix/smtp[1]: connect to a.example:25: Connection timed out
Nov 22 10:00:00 mx postfix/pipe[2]: Q1: to=<u@x>, relay=dovecot, delay=1, delays=1/2/3/4, dsn=2.0.0, status=sent (x, delays=9/9/9/9, y)
Nov 22 10:00:00 mx postfix/pipe[2]: Q2: to=<u@x>, relay=dovecot delay=1, delays=1/2/3/4, status=sent
Nov 22 10:00:00 mx mypostfix/smtpd[3]: connect from a[192.0.2.2]
Nov 22 10:00:00 mx postfix/submission/smtpd[3]: connect from a[192.0.2.2]
Nov 22 10:00:00 mx postfix/smtpd[4]: Q3: client=a[192.0.2.2], sasl_method=PLAIN, sasl_username=u
Nov 22 10:00:00 mx postfix/qmgr[1]: Q: from=<a@b>, size=123456789012345678901234567890, nrcpt=2 (q)
Nov 22 10:00:00 mx postfix/smtpd[1]: warning: hostname x.example does not resolve to address 192.0.2.3
Nov 22 10:00:00 mx postfix/smtp[1]: Verified TLS connection established to mx.x[192.0.2.4]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)
Nov 22 10:00:00 mx postfix/cleanup[5]: Q4: milter-reject: END-OF-MESSAGE from a[192.0.2.2]: 5.7.1 no; from=<a@b> to=<c@d>
"""


def compare(maillens, log, what):
    ours_text = subprocess.run([maillens, "metrics", "--metrics-compat", "kumina", log], check=True,
                               capture_output=True, text=True).stdout
    theirs_text = kumina_exporter.exposition(log)
    ours, theirs = kumina_exporter.parse(ours_text), kumina_exporter.parse(theirs_text)
    failures = []
    ot, tt = kumina_exporter.types(ours_text), kumina_exporter.types(theirs_text)
    for fam in sorted(set(ot) | set(tt)):
        if ot.get(fam) != tt.get(fam):
            failures.append(f"{what}: family {fam}: maillens {ot.get(fam)}, exporter {tt.get(fam)}")
    equal = 0
    for s in sorted(set(ours) | set(theirs)):
        o, t = ours.get(s), theirs.get(s)
        ok = o == t or (o is not None and t is not None and re.match(r"\w+_sum\{", s)
                        and abs(o - t) <= 1e-12 * max(abs(o), abs(t)))
        if ok:
            equal += 1
        else:
            failures.append(f"{what}: {s}: maillens {o}, exporter {t}")
    nonzero = sum(1 for v in theirs.values() if v)
    print(f"{what}: {equal} of {len(set(ours) | set(theirs))} series equal "
          f"(exporter {len(theirs)}, {nonzero} non-zero; maillens {len(ours)})")
    return failures


def serve_matches(maillens, log, tmp):
    """`serve` with TOML metrics_compat = "kumina" exposes the one-shot's series (its own
    maillens_serve_* families aside; no queue: --no-queue)."""
    want = kumina_exporter.parse(subprocess.run([maillens, "metrics", "--metrics-compat", "kumina", log], check=True,
                                                capture_output=True, text=True).stdout)
    config = os.path.join(tmp, "serve.toml")
    with open(config, "w") as f:
        f.write('[serve]\nmetrics_compat = "kumina"\n')
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([maillens, "serve", "--config", config, "--from-start", "--no-queue", "--listen",
                             f"127.0.0.1:{port}", "--now", "2026-11-23T00:00:00", "--checkpoint",
                             os.path.join(tmp, "ckpt"), log], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        got = None
        while time.time() < deadline:
            try:
                got = kumina_exporter.parse(urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics",
                                                                   timeout=2).read().decode())
                if got == want:
                    print(f"serve --metrics-compat (TOML): {len(got)} series, equal to the one-shot")
                    return []
            except OSError:
                pass
            time.sleep(0.3)
        diff = sorted(k for k in set(want) | set(got or {}) if (got or {}).get(k) != want.get(k))
        return [f"serve (TOML metrics_compat): differs from the one-shot in {len(diff)} series: {diff[:5]}"]
    finally:
        proc.terminate()
        proc.wait()


def main():
    maillens, loggen, sample = sys.argv[1:4]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        gen = os.path.join(tmp, "gen.log")
        subprocess.run([loggen, "--lines", "60000", "--seed", "7", "--start", "2026-11-02 00:00:00", "-o", gen],
                       check=True)
        single = os.path.join(tmp, "single.log")
        with open(gen) as src, open(single, "w") as dst:
            for line in src:
                if not re.search(r"postfix/[\w.+-]+/\w+\[", line):
                    dst.write(line)
        quirks = os.path.join(tmp, "quirks.log")
        with open(quirks, "w") as f:
            f.write(QUIRKS)
        failures += compare(maillens, single, "loggen (single-part names)")
        failures += compare(maillens, sample, "sample")
        failures += compare(maillens, quirks, "quirks")
        failures += serve_matches(maillens, sample, tmp)
    for f in failures[:60]:
        print("FAIL", f)
    print(f"compat_kumina_test: {len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
