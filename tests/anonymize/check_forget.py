#!/usr/bin/env python3
"""check_forget.py - `maillens forget` erases one person and changes nothing else.

Usage: check_forget.py --maillens BIN --shared DIR

A rotated set is built in a temporary directory: the real Postfix sample
(DIR/corpora/realpostfix-sample/maillog, plain, and its dovecot.log as .gz),
lines naming the people in awkward forms (VERP, SRS, upper case, free text,
a DNSBL query name, a path, "\\r\\n", an over-long line, a last line without
a newline) as .bz2, .xz and .zst, and a real corpus log
(postfix-logsums-pixelpark/mail.log.gz). Every file gets mode 0640 and a
fixed mtime (no clock). Then for an address, a user name and an IP:
  1. --dry-run writes nothing (bytes, mtimes) and predicts the counts;
  2. the run reports the same counts, per file;
  3. the person is nowhere in the decompressed output of any file, each line
     that did not name her is byte-identical, each that did changed;
  4. files that did not name her are untouched (same inode, same mtime); the
     rewritten ones keep mode, owner, mtime and compression, and no
     temporary file is left;
  5. `maillens report` prints the same counts before and after;
  6. the pseudonyms are the ones `maillens anonymize` gives with that key;
  7. `trace --to` / `--client` (the access request) finds her before
     and nothing after.
Exit 0 when all hold; prints each failure.
"""
import argparse
import bz2
import gzip
import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_anonymize import fail, numbers, verdict  # noqa: E402  (report counts as a multiset)

MTIME = 1795000000  # 2026-11-18, any fixed time: the year of "Nov 22" lines comes from it


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, TZ='UTC'))


CRAFTED = [
    b'Nov 22 06:00:01 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[154.127.53.41]: 554 5.7.1 Service '
    b'unavailable; Client host [154.127.53.41] blocked using zen.example; '
    b'from=<owner-list+carol=virt.example.test@lists.example.org> to=<Carol@Virt.Example.Test> proto=ESMTP '
    b'helo=<154.127.53.41>',
    b'Nov 22 06:00:02 mx postfix/smtp[2]: 1A2B3C4D5E: to=<SRS0=Ab1c=ZZ=virt.example.test=carol@forwarder.example>, '
    b'relay=mx.example[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example'
    b'[192.0.2.1] said: 550 5.1.1 <carol@virt.example.test>: Recipient address rejected (in reply to RCPT TO '
    b'command))\r',
    b'Nov 22 06:00:03 mx postfix/postscreen[3]: DNSBL rank 3 for [154.127.53.41]:4242',
    b'Nov 22 06:00:04 mx dovecot: imap-login: Login: user=<WebMaster>, method=PLAIN, rip=154.127.53.41, '
    b'lip=192.0.2.10, mpid=77, TLS',
    b'Nov 22 06:00:05 mx dovecot: lmtp(webmaster): msgid=<x1@example.org>: saved mail to INBOX',
    b'Nov 22 06:00:06 mx rbldnsd[9]: query 41.53.127.154.zen.example from 192.0.2.53',
    b'Nov 22 06:00:07 mx postfix/local[4]: 9F8E7D6C5B: to=<webmasters@example.org>, relay=local, delay=0, '
    b'delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to file: /home/webmaster/mbox)',
    b'Nov 22 06:00:08 mx postfix/cleanup[5]: 1A2B3C4D5E: warning: header Subject: ask carol@virt.example.test '
    b'from unknown[10.1.2.3]; from=<a@b.example> to=<c@d.example> proto=ESMTP helo=<h.example>',
    b'Nov 22 06:00:09 mx postfix/smtpd[6]: warning: ' + b'x' * 70000 + b' carol@virt.example.test',
    b'Nov 22 06:00:10 mx postfix/smtpd[7]: disconnect from unknown[154.127.53.41] ehlo=1 quit=1 commands=2',
]

PEOPLE = {
    'carol@virt.example.test': re.compile(
        rb'(?i)(?<![a-z0-9._-])carol[@=]virt\.example\.test(?![a-z0-9-])|virt\.example\.test=carol(?![a-z0-9._-])'),
    'webmaster': re.compile(rb'(?i)(?<![a-z0-9._+-])webmaster(?![a-z0-9._+@-])'),
    '154.127.53.41': re.compile(rb'(?<![\d.])154\.127\.53\.41(?!\d)|(?<![\d.])41\.53\.127\.154\.'),
}

OPENERS = {'.gz': gzip.decompress, '.bz2': bz2.decompress, '.xz': lzma.decompress,
           '.zst': lambda d: subprocess.run(['zstd', '-dc'], input=d, stdout=subprocess.PIPE, check=True).stdout}
MAGIC = {'.gz': b'\x1f\x8b', '.bz2': b'BZh', '.xz': b'\xfd7zXZ', '.zst': b'\x28\xb5\x2f\xfd'}


def plain(path):
    data = open(path, 'rb').read()
    ext = os.path.splitext(path)[1]
    return OPENERS[ext](data) if ext in OPENERS else data


def build_set(d, shared):
    sample = os.path.join(shared, 'corpora', 'realpostfix-sample')
    os.makedirs(d)
    files = {
        'maillog': open(os.path.join(sample, 'maillog'), 'rb').read(),
        'maillog.1.gz': gzip.compress(open(os.path.join(sample, 'dovecot.log'), 'rb').read()),
        'maillog.2.bz2': bz2.compress(b'\n'.join(CRAFTED[:4]) + b'\n'),
        'maillog.3.xz': lzma.compress(b'\n'.join(CRAFTED[4:8]) + b'\n'),
        'maillog.4.zst': subprocess.run(['zstd', '-c'], input=b'\n'.join(CRAFTED[8:]), stdout=subprocess.PIPE,
                                        check=True).stdout,
        'pixelpark.log.gz': open(os.path.join(shared, 'corpora', 'postfix-logsums-pixelpark', 'mail.log.gz'),
                                 'rb').read(),
    }
    paths = []
    for i, (name, data) in enumerate(files.items()):
        p = os.path.join(d, name)
        with open(p, 'wb') as f:
            f.write(data)
        os.chmod(p, 0o640)
        os.utime(p, (MTIME - i * 86400, MTIME - i * 86400))
        paths.append(p)
    return paths


def snapshot(paths):
    return {p: (open(p, 'rb').read(), os.stat(p)) for p in paths}


COUNT = re.compile(r'^(.*): (\d+) of (\d+) lines (would change|changed)', re.M)


def counts(out):
    return {m.group(1): int(m.group(2)) for m in COUNT.finditer(out)}


def check_person(args, tmp, person, pattern, key):
    d = os.path.join(tmp, re.sub(r'[^a-z0-9]', '_', person))
    paths = build_set(d, args.shared)
    before = snapshot(paths)
    report_before = run([args.maillens, 'report'] + paths)
    # (webmaster only failed to log in: no message to trace)
    trace = {'carol@virt.example.test': ['--to'], '154.127.53.41': ['--client']}.get(person)
    if trace and run([args.maillens, 'trace'] + trace + [person] + paths).returncode != 0:
        fail('%s: trace %s finds nothing before forget' % (person, trace[0]))
    # 1. the dry run
    r = run([args.maillens, 'forget', person, '--dry-run', '--key-file', key] + paths)
    if r.returncode != 0:
        fail('%s: forget --dry-run exit %d: %s' % (person, r.returncode, r.stderr.decode()[-300:]))
    predicted = counts(r.stdout.decode())
    for p, (data, st) in before.items():
        if open(p, 'rb').read() != data or os.stat(p).st_mtime_ns != st.st_mtime_ns:
            fail('%s: --dry-run changed %s' % (person, p))
    anon = run([args.maillens, 'anonymize', '--map-loopback', '--key-file', key, paths[0]]).stdout.split(b'\n')
    # 2. the run
    r = run([args.maillens, 'forget', person, '--key-file', key] + paths)
    if r.returncode != 0:
        fail('%s: forget exit %d: %s' % (person, r.returncode, r.stderr.decode()[-300:]))
    done = counts(r.stdout.decode())
    if done != predicted or set(done) != set(paths):
        fail('%s: the run changed %s, the dry run predicted %s' % (person, done, predicted))
    if sum(done.values()) == 0:
        fail('%s: nothing changed' % person)
    if sorted(os.listdir(d)) != sorted(os.path.basename(p) for p in paths):
        fail('%s: files left behind: %s' % (person, sorted(os.listdir(d))))
    for p, (data, st) in before.items():
        now = os.stat(p)
        old_lines = (OPENERS[os.path.splitext(p)[1]](data) if os.path.splitext(p)[1] in OPENERS else data).split(b'\n')
        new_lines = plain(p).split(b'\n')
        named = sum(1 for line in old_lines if pattern.search(line))
        # 3. the person gone, every other line as it was
        if len(new_lines) != len(old_lines):
            fail('%s: %s has %d lines, had %d' % (person, p, len(new_lines), len(old_lines)))
            continue
        changed = 0
        for i, (old, new) in enumerate(zip(old_lines, new_lines)):
            if pattern.search(new):
                fail('%s: still in %s line %d: %r' % (person, p, i + 1, new[:200]))
            if not pattern.search(old):
                if new != old:
                    fail('%s: %s line %d changed without naming the person: %r -> %r' % (person, p, i + 1, old[:200],
                                                                                            new[:200]))
                continue
            if new == old:
                fail('%s: %s line %d names the person and was kept' % (person, p, i + 1))
            changed += 1
            if p == paths[0]:  # 6. the pseudonyms are anonymize's
                for tok in set(re.split(rb'[\s<>,;=()\[\]]+', new)) - set(re.split(rb'[\s<>,;=()\[\]]+', old)):
                    if tok not in anon[i]:
                        fail('%s: pseudonym %r of line %d is not what anonymize gives: %r' % (person, tok, i + 1,
                                                                                               anon[i][:200]))
        if done.get(p) != changed or changed != named:
            fail('%s: %s: reported %s lines changed, %d changed, %d named the person' % (person, p, done.get(p),
                                                                                      changed, named))
        # 4. untouched or rewritten in kind
        if changed == 0:
            if now.st_ino != st.st_ino or now.st_mtime_ns != st.st_mtime_ns or open(p, 'rb').read() != data:
                fail('%s: %s does not name the person but was rewritten' % (person, p))
            continue
        if (now.st_mode, now.st_uid, now.st_gid, now.st_mtime_ns) != (st.st_mode, st.st_uid, st.st_gid,
                                                                       st.st_mtime_ns):
            fail('%s: %s: mode/owner/mtime %o %d %d %d, was %o %d %d %d' % (
                person, p, now.st_mode, now.st_uid, now.st_gid, now.st_mtime_ns, st.st_mode, st.st_uid, st.st_gid,
                st.st_mtime_ns))
        magic = MAGIC.get(os.path.splitext(p)[1])
        if magic and not open(p, 'rb').read().startswith(magic):
            fail('%s: %s lost its compression' % (person, p))
    # the access request finds nothing any more
    r = run([args.maillens, 'trace'] + trace + [person] + paths) if trace else None
    if r and r.returncode != 1:
        fail('%s: trace %s after forget: exit %d, want 1 (no match): %r' % (person, trace[0], r.returncode,
                                                                             r.stdout[:300]))
    # 5. the counts
    report_after = run([args.maillens, 'report'] + paths)
    if numbers(report_before.stdout.decode()) != numbers(report_after.stdout.decode()):
        fail('%s: report counts differ after forget' % person)
    return done


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--maillens', required=True)
    ap.add_argument('--shared', required=True)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix='check-forget-')
    try:
        key = os.path.join(tmp, 'key')
        run([args.maillens, 'anonymize', '--key-file', key, '/dev/null'])
        expect = {'carol@virt.example.test': ('maillog', 'maillog.2.bz2', 'maillog.3.xz', 'maillog.4.zst'),
                  'webmaster': ('maillog', 'maillog.1.gz', 'maillog.2.bz2', 'maillog.3.xz'),
                  '154.127.53.41': ('maillog.2.bz2', 'maillog.3.xz', 'maillog.4.zst', 'pixelpark.log.gz')}
        for person, pattern in PEOPLE.items():
            done = check_person(args, tmp, person, pattern, key)
            got = tuple(sorted(os.path.basename(p) for p, n in done.items() if n))
            if got != expect[person]:
                fail('%s: changed %s, expected %s' % (person, got, expect[person]))
        # exit codes: a file that cannot be read (1), no key file (2)
        r = run([args.maillens, 'forget', 'carol@virt.example.test', '--key-file', key, os.path.join(tmp, 'none')])
        if r.returncode != 1:
            fail('a missing file: exit %d, want 1' % r.returncode)
        # a file with a second hard link is refused (the link would keep her) and left as it was
        linked = os.path.join(tmp, 'linked.log')
        with open(linked, 'wb') as f:
            f.write(CRAFTED[0] + b'\n')
        os.link(linked, linked + '.2')
        r = run([args.maillens, 'forget', 'carol@virt.example.test', '--key-file', key, linked])
        if r.returncode != 1 or open(linked, 'rb').read() != CRAFTED[0] + b'\n':
            fail('a hard-linked file: exit %d, want 1 and the file kept' % r.returncode)
        r = run([args.maillens, 'forget', 'carol@virt.example.test', os.path.join(tmp, 'none')])
        if r.returncode != 2:
            fail('no --key-file: exit %d, want 2' % r.returncode)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return verdict('check_forget')


if __name__ == '__main__':
    sys.exit(main())
