#!/usr/bin/env python3
"""check_export_anonymize.py - `export --anonymize` equals `export` of the anonymised log.

Usage: check_export_anonymize.py --maillens BIN --shared DIR

For the real Postfix sample (maillog, dovecot.log) and a real corpus log
(postfix-logsums-pixelpark/mail.log.gz), with one key: every record kind as
csv and as jsonl exported with --anonymize is byte-identical to the export
of `maillens anonymize`'s output of that log, and differs from the plain
export (something was pseudonymised). Both logs get one fixed mtime (the
year of traditional timestamps comes from it; no clock). Exit 0 when all
hold; prints each failure.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_anonymize import fail, verdict  # noqa: E402

MTIME = 1795000000  # 2026-11-18


def run(cmd, out=None):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, TZ='UTC'))
    if r.returncode != 0:
        fail('%s: exit %d: %s' % (' '.join(cmd[1:4]), r.returncode, r.stderr.decode()[-300:]))
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--maillens', required=True)
    ap.add_argument('--shared', required=True)
    args = ap.parse_args()
    c = os.path.join(args.shared, 'corpora')
    logs = [os.path.join(c, 'realpostfix-sample', 'maillog'), os.path.join(c, 'realpostfix-sample', 'dovecot.log'),
            os.path.join(c, 'postfix-logsums-pixelpark', 'mail.log.gz')]
    tmp = tempfile.mkdtemp(prefix='check-export-anon-')
    try:
        key = os.path.join(tmp, 'key')
        checked = 0
        for log in logs:
            orig = os.path.join(tmp, os.path.basename(log))
            shutil.copyfile(log, orig)
            anon = orig + '.anon'
            with open(anon, 'wb') as f:
                f.write(run([args.maillens, 'anonymize', '--key-file', key, orig]))
            for p in (orig, anon):
                os.utime(p, (MTIME, MTIME))
            for fmt in ('csv', 'jsonl'):
                for kind in ('messages', 'deliveries', 'rejects', 'connections'):
                    base = [args.maillens, 'export', '--quiet', '--format', fmt, '--records', kind]
                    a = run(base + ['--anonymize', '--key-file', key, orig])
                    b = run(base + [anon])
                    plain = run(base + [orig])
                    name = '%s %s %s' % (os.path.basename(log), fmt, kind)
                    if a != b:
                        al, bl = a.split(b'\n'), b.split(b'\n')
                        diff = [(x, y) for x, y in zip(al, bl) if x != y][:1]
                        fail('%s: export --anonymize differs from export of the anonymised log (%d vs %d lines): %r'
                             % (name, len(al), len(bl), diff))
                    rows = a.count(b'\n')
                    if rows > 1 and a == plain:
                        fail('%s: export --anonymize changed nothing' % name)
                    checked += rows
        if checked < 10000:
            fail('only %d rows compared' % checked)
        r = subprocess.run([args.maillens, 'export', '--anonymize', logs[0]], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if r.returncode != 2:
            fail('--anonymize without --key-file: exit %d, want 2' % r.returncode)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return verdict('check_export_anonymize')


if __name__ == '__main__':
    sys.exit(main())
