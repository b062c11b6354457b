#!/usr/bin/env python3
"""injection_test.py MAILLENS - log content must never attack the reader.

HELO names, addresses, SASL user names, reply texts and queue contents are
chosen by attackers. This test writes a hostile Postfix/Dovecot log and a
hostile `postqueue -j` output, runs every maillens front end over them
(FRONT_ENDS below: one line per front end and format) and checks each
output for its medium:
  terminal  no C0 control byte but newline, no DEL, no UTF-8 C1 control
            (so no ANSI/OSC escape, no BEL, no carriage-return overwrite) -
            stderr included;
  json      python's json.loads, strict: valid UTF-8, no NaN/Infinity, one
            document (jsonl: one per line);
  html      parsed with html.parser: no tag or attribute from the log
            (<img>, on*= handlers), only tags a benign run also produces;
  csv       every cell starting with = + - @ (or tab/CR) is neutralised
            (numbers excepted).
A front end whose subcommand is not built into this maillens is skipped
(and listed); one that exists must accept its line's arguments.
Exit status: 0 if every check passed.
"""
import csv
import html.parser
import io
import json
import os
import re
import subprocess
import sys
import tempfile

ML = sys.argv[1]

ESC_TITLE = b"\x1b]0;title\x07"
CSV_FORMULA = b"=cmd|' /C calc'!A0"
IMG = b"<img src=x onerror=alert(1)>"
BAD_UTF8 = b"\xff\xfe\xc3\x28\xed\xa0\x80\xc0\xaf"
ANSI = b"\x1b[31mRED\x1b[2J\x1b[0m\xc2\x9b31mC1CSI"
CR_OVERWRITE = b"ok\rFAKE\x08\x7f"
PAYLOADS = [ESC_TITLE, CSV_FORMULA, IMG, BAD_UTF8, ANSI, CR_OVERWRITE, b"+1+1@evil", b"-2+3", b"@SUM(A1)",
            b"A" * 10240]


def hostile_log():
    """Lines of every kind whose attacker-chosen fields carry the payloads."""
    out = []
    for i, p in enumerate(PAYLOADS):
        ip = "192.0.2.%d" % (i + 1)
        q = ("A1B2C3D%03X" % i).encode()
        t = b"Nov  3 10:%02d:%02d mx " % (i, 1)
        smtpd = t + b"postfix/submission/smtpd[1%02d]: " % i
        out += [
            smtpd + b"connect from evil" + p + b"[" + ip.encode() + b"]",
            smtpd + b"NOQUEUE: reject: RCPT from unknown[" + ip.encode() + b"]: 554 5.7.1 <" + p +
            b"@example.net>: Relay access denied; from=<" + p + b"@example.com> to=<" + p +
            b"@example.net> proto=ESMTP helo=<" + p + b">",
            smtpd + b"warning: unknown[" + ip.encode() + b"]: SASL LOGIN authentication failed: " + p +
            b", sasl_username=" + p,
            smtpd + q + b": client=unknown[" + ip.encode() + b"], sasl_method=PLAIN, sasl_username=" + p,
            t + b"postfix/cleanup[200]: " + q + b": message-id=<" + p + b"@example.com>",
            t + b"postfix/cleanup[200]: " + q + b": warning: header Subject: " + p + b" from unknown[" +
            ip.encode() + b"]; from=<" + p + b"> to=<" + p + b"@example.org> proto=ESMTP helo=<" + p + b">",
            t + b"postfix/qmgr[300]: " + q + b": from=<" + p + b"@example.com>, size=1234, nrcpt=3 (queue active)",
            t + b"postfix/smtp[400]: " + q + b": to=<" + p + b"@example.org>, relay=mx.example.org[198.51.100.1]:25,"
            b" delay=1, delays=0.1/0/0.5/0.4, dsn=4.7.0, status=deferred (host mx.example.org[198.51.100.1] said:"
            b" 421 4.7.0 [TSS04] " + p + b" (in reply to MAIL FROM command))",
            t + b"postfix/smtp[400]: " + q + b": to=<b" + p + b"@example.org>, relay=mx.example.org[198.51.100.1]:25,"
            b" delay=1, delays=0.1/0/0.5/0.4, dsn=5.7.1, status=bounced (host mx.example.org[198.51.100.1] said:"
            b" 554 5.7.1 Client host blocked using " + p + b" (in reply to RCPT TO command))",
            t + b"postfix/local[410]: " + q + b": to=<" + p + b"@example.com>, orig_to=<" + p +
            b">, relay=local, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox " + p + b")",
            t + b"postfix/bounce[420]: " + q + b": sender non-delivery notification: " + q + b"X",
            t + b"postfix/qmgr[300]: " + q + b": removed",
            t + b"postfix/smtp[400]: warning: " + p,
            t + b"postfix/postscreen[500]: PREGREET 11 after 0.1 from [" + ip.encode() + b"]:4242: EHLO " + p,
            t + b"postfix/smtpd[101]: disconnect from evil" + p + b"[" + ip.encode() + b"] ehlo=1 commands=1",
            t + b"dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<" + p +
            b">, method=PLAIN, rip=" + ip.encode() + b", lip=192.0.2.254, TLS, session=<" + p + b">",
            t + b"postfix/smtpd[102]: fatal: " + p,
        ]
    out.append(b"Nov  3 11:00:00 mx postfix/smtpd[1]: NUL\x00in the middle " + IMG)
    out.append(b"Nov  3 11:00:01 mx postfix" + ESC_TITLE + b"/smtpd[1]: program name " + ANSI)
    out.append(ESC_TITLE + ANSI + BAD_UTF8 + b" a line without a syslog header")
    return b"\n".join(out) + b"\n"


def hostile_queue():
    """postqueue -j lines with hostile senders, recipients, queue IDs and reasons."""
    lines = []
    for i, p in enumerate(PAYLOADS[:9]):
        s = p.decode("latin-1")
        msg = {"queue_name": "deferred" if i % 2 else "active", "queue_id": "Q%d%s" % (i, s[:20]),
               "arrival_time": 1795330000 - 600 * i, "message_size": 1000, "forced_expire": False,
               "sender": s + "@sender" + s + ".example",
               "recipients": [{"address": "rcpt@dom" + s + ".example", "delay_reason": s}]}
        raw = json.dumps(msg, ensure_ascii=True).encode()
        lines.append(raw)
    # Raw invalid UTF-8 inside a JSON string: the parser must reject or survive it.
    lines.append(b'{"queue_name": "active", "queue_id": "QX", "arrival_time": 1795330000, "message_size": 1,'
                 b' "sender": "a@b\xff\xfe.example", "recipients": [{"address": "x@\xc3\x28.example"}]}')
    return b"\n".join(lines) + b"\n"


LOW_FLOORS = ["--min-recipients", "1", "--min-distinct-recipients", "1", "--min-domains", "1",
              "--min-client-ips", "1", "--min-history", "1000"]
GUARD = ["--filter", "all", "--mode", "aggressive", "--maxretry", "1", "--year", "2026"]
CHECK = ["check", "--now", "2026-11-03T11:00:00Z", "--window", "2h", "--postqueue", "{queue}", "--rules", "{rules}",
         "--year", "2026"]
# Rules keyed by attacker-chosen values (recipient domain, SASL/Dovecot user), so that they appear in check's output.
RULES = b"""
[[alert]]
name = "bounce-ratio"
expr = "bounce_ratio(domain, 2h) > 0.1"
min_count = 1

[[alert]]
name = "auth-failures-by-user"
expr = "auth_failures(user, 2h) > 0"

[[alert]]
name = "deferred-by-domain"
expr = "count(deferred, domain, 2h) > 0"
"""
# Front ends whose exit status carries a verdict (Nagios plugin: 0-3) rather than 0/1 for the input.
VERDICT_EXIT = {"check": (0, 1, 2, 3)}
QSHAPE = ["qshape", "--input", "{queue}", "--now", "1795330000"]

# (name, argv after `maillens`, medium). {log} and {queue} are the hostile inputs.
FRONT_ENDS = [
    ("report text", ["report", "-e", "--verbose-msg-detail", "--insights", "--smtpd-stats", "--rej-add-from",
                     "--year", "2026", "{log}"], "terminal"),
    ("report json", ["report", "--format", "json", "--insights", "-e", "--year", "2026", "{log}"], "json"),
    ("report html", ["report", "--format", "html", "--insights", "-e", "--year", "2026", "{log}"], "html"),
    ("pflogsumm", ["pflogsumm", "-e", "--verbose-msg-detail", "--smtpd-stats", "{log}"], "terminal"),
    ("qshape text", QSHAPE + ["deferred", "active"], "terminal"),
    ("qshape text -s -p", QSHAPE + ["-s", "-p", "deferred", "active"], "terminal"),
    ("qshape json", QSHAPE + ["--format", "json", "deferred", "active"], "json"),
    ("accounts text", ["accounts"] + LOW_FLOORS + ["--year", "2026", "{log}"], "terminal"),
    ("accounts json", ["accounts", "--format", "json"] + LOW_FLOORS + ["--year", "2026", "{log}"], "json"),
    ("reputation text", ["reputation", "--year", "2026", "{log}"], "terminal"),
    ("reputation json", ["reputation", "--format", "json", "--year", "2026", "{log}"], "json"),
    # Front ends built on other branches: checked once their subcommand is in this maillens.
    ("trace text", ["trace", "--format", "text", "{log}"], "terminal"),
    ("trace json", ["trace", "--format", "json", "{log}"], "jsonl"),  # one object per message
    ("trace lines", ["trace", "--format", "lines", "{log}"], "terminal"),
    ("export csv", ["export", "--format", "csv", "{log}"], "csv"),
    ("export jsonl", ["export", "--format", "jsonl", "{log}"], "jsonl"),
    ("export ecs deliveries", ["export", "--format", "ecs", "--records", "deliveries", "{log}"], "jsonl"),
    ("export ecs messages", ["export", "--format", "ecs", "--records", "messages", "{log}"], "jsonl"),
    ("export ecs rejects", ["export", "--format", "ecs", "--records", "rejects", "{log}"], "jsonl"),
    ("export ecs connections", ["export", "--format", "ecs", "--records", "connections", "{log}"], "jsonl"),
    ("export gelf deliveries", ["export", "--format", "gelf", "--records", "deliveries", "{log}"], "jsonl"),
    ("export gelf messages", ["export", "--format", "gelf", "--records", "messages", "{log}"], "jsonl"),
    ("export gelf rejects", ["export", "--format", "gelf", "--records", "rejects", "{log}"], "jsonl"),
    ("export gelf connections", ["export", "--format", "gelf", "--records", "connections", "{log}"], "jsonl"),
    ("guard text", ["guard", "--format", "text"] + GUARD + ["{log}"], "terminal"),
    ("guard json", ["guard", "--format", "json"] + GUARD + ["{log}"], "json"),
    ("guard nft action", ["guard", "--action", "nft", "--now", "2026-11-03T11:00:00Z"] + GUARD + ["{log}"], "terminal"),
    ("watch", ["watch", "--once", "{log}"], "terminal"),
    ("check nagios", CHECK + ["{log}"], "terminal"),
    ("check json", CHECK + ["--format", "json", "{log}"], "json"),
]

# C0 controls but newline, DEL, and C1 controls in UTF-8 (U+0080-U+009F, CSI U+009B among them).
C0 = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def check_terminal(data):
    m = C0.search(data)
    return None if m is None else "control byte(s) %r at offset %d: %r" % (
        m.group(0), m.start(), data[max(0, m.start() - 30):m.start() + 10])


def strict_json(text):
    def bad_constant(name):
        raise ValueError("non-standard constant " + name)
    return json.loads(text, parse_constant=bad_constant)


def check_json(data):
    try:
        strict_json(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        return "invalid JSON: %s" % e
    return None


def check_jsonl(data):
    for n, line in enumerate(data.split(b"\n")):
        if line.strip():
            err = check_json(line)
            if err:
                return "line %d: %s" % (n + 1, err)
    return None


class Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs = set(), set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs.update(a for a, _ in attrs)


def html_tags(data):
    p = Tags()
    p.feed(data.decode("utf-8", errors="replace"))
    p.close()
    return p


BENIGN_TAGS = {}


def check_html(data, argv):
    p = html_tags(data)
    key = tuple(argv)
    if key not in BENIGN_TAGS:
        benign = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "realpostfix-sample", "maillog")
        args = [benign if a == "{log}" else a for a in argv]
        BENIGN_TAGS[key] = html_tags(subprocess.run([ML] + args, capture_output=True).stdout)
    ok = BENIGN_TAGS[key]
    extra_tags = p.tags - ok.tags
    bad_attrs = {a for a in p.attrs if a.startswith("on")} | (p.attrs - ok.attrs)
    if "img" in p.tags or extra_tags or bad_attrs:
        return "tags/attributes from the log: %s %s" % (sorted(extra_tags), sorted(bad_attrs))
    if IMG in data:
        return "raw <img> payload in the HTML"
    return None


def check_csv(data):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return "CSV not UTF-8: %s" % e
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            if cell and cell[0] in "=+-@\t\r" and not NUMBER.match(cell):
                return "formula cell %r" % cell[:40]
    return None


def main():
    fails, skipped, ran = [], [], 0
    with tempfile.TemporaryDirectory() as work:
        log = os.path.join(work, "hostile.log")
        queue = os.path.join(work, "hostile-postqueue.json")
        rules = os.path.join(work, "rules.toml")
        with open(rules, "wb") as f:
            f.write(RULES)
        with open(log, "wb") as f:
            f.write(hostile_log())
        with open(queue, "wb") as f:
            f.write(hostile_queue())
        top_help = subprocess.run([ML, "--help"], capture_output=True).stdout.decode("utf-8", "replace")
        present = {}
        for name, argv, medium in FRONT_ENDS:
            sub = argv[0]
            if sub not in present:
                # `pflogsumm` is dispatched before the subcommand parser (src/cli/main.cc).
                present[sub] = sub == "pflogsumm" or re.search(r"^\s+%s\b" % re.escape(sub), top_help, re.M) is not None
            if not present[sub]:
                skipped.append(name)
                continue
            args = [{"{log}": log, "{queue}": queue, "{rules}": rules}.get(a, a) for a in argv]
            r = subprocess.run([ML] + args, capture_output=True, timeout=120)
            ran += 1
            problems = []
            if r.returncode not in VERDICT_EXIT.get(sub, (0, 1)):
                problems.append("exit %d: %s" % (r.returncode, r.stderr[:300]))
            err = check_terminal(r.stderr)
            if err:
                problems.append("stderr: " + err)
            if not r.stdout:
                problems.append("no output")
            check = {"terminal": check_terminal, "json": check_json, "jsonl": check_jsonl, "csv": check_csv}
            err = check_html(r.stdout, argv) if medium == "html" else check[medium](r.stdout)
            if err:
                problems.append(err)
            # The hostile content must still be there, neutralised, not dropped wholesale.
            if medium == "terminal" and argv[:2] != ["guard", "--action"] and sub in ("report", "accounts", "reputation", "guard", "check") and b"\\x1b]0;title\\x07" not in r.stdout:
                problems.append("the escaped OSC payload is missing")
            for p in problems:
                fails.append("%s: %s" % (name, p))
            print("%s %s" % ("FAIL" if problems else "ok  ", name))
    for name in skipped:
        print("skip %s (subcommand not in this maillens)" % name)
    print("%d front ends checked, %d skipped, %d failures" % (ran, len(skipped), len(fails)))
    for f in fails:
        print("FAIL " + f)
    return 1 if fails or ran == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
