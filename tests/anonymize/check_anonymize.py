#!/usr/bin/env python3
"""check_anonymize.py - `maillens anonymize` keeps every count and leaks nothing.

Usage: check_anonymize.py --maillens BIN --shared DIR --source DIR [--loggen BIN]

For every mail log of the shared corpora (DIR/corpora), the bundled samples
(tests/data) and a generated log (maillens-loggen):
  1. counts: `maillens report` and Debian's `pflogsumm` on the anonymised log
     print the same numbers as on the original (each output line reduced to
     its integer tokens, compared as a sorted multiset: pseudonyms re-order
     ties in top-N tables, they must not change a count);
  2. leaks: every address, IP, SASL/Dovecot user name, HELO name and
     message-id of the original (from `maillens export` records of all four
     kinds and from a simple extractor over the raw text) is searched for in
     the anonymised output; zero survivors, free text included. Run with
     --map-loopback so the loopback clients of the samples count too;
  3. determinism: two runs with one key give identical bytes; a file
     anonymised alone gives the same lines as inside a rotated set; another
     key gives other pseudonyms.
  4. layout: a rotated set with .gz members comes out with the same names,
     the same compression, the same mtimes.
Exit 0 when all hold; prints each failure.
"""
import argparse
import gzip
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print('FAIL: ' + msg, flush=True)


def verdict(name):
    """Prints NAME: ok or FAILED (n); the exit status (also for the other check_*.py)."""
    print('%s: %s' % (name, 'FAILED (%d)' % len(FAILURES) if FAILURES else 'ok'))
    return 1 if FAILURES else 0


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def read_text(path):
    data = open(path, 'rb').read()
    if data[:2] == b'\x1f\x8b':
        data = gzip.decompress(data)
    return data.decode('utf-8', 'replace')


def inputs(shared, source):
    c = os.path.join(shared, 'corpora')
    cases = []
    skip_dirs = ('pflogsumm-reference', 'postfix-grok-patterns', 'config', 'complete_extracted')
    for root, dirs, files in os.walk(c):
        dirs[:] = sorted(d for d in dirs if d not in skip_dirs)
        for f in sorted(files):
            p = os.path.join(root, f)
            rel = os.path.relpath(p, c)
            if f.endswith(('.md', '.json', '.yaml', '.ini', '.assert', '.go', '.tar.gz', '.tsv', '.txt')) \
                    and not rel.startswith(('lightmeter/corpus', 'sshguard', 'fail2ban')):
                continue
            if rel.startswith('realpostfix-sample/') and f not in ('maillog', 'dovecot.log'):
                continue
            if rel.startswith('pmg-log-tracker/test_output'):
                continue  # the tracker's expected output, not a log
            if rel.startswith('postfix_exporter/') and not f.endswith('.log'):
                continue
            if f.startswith(('EXPECTED', 'README', 'SOURCES')):
                continue
            cases.append(p)
    for s in ('e2e-sample/maillog', 'e2e-sample/dovecot.log', 'realpostfix-sample/maillog'):
        cases.append(os.path.join(source, 'tests/data', s))
    return cases


INT = re.compile(r'^-?\d+[kmKM]?$')


# Sections whose rows are reason texts trimmed to a length: pflogsumm's
# said_string_trimmer() (and maillens, which follows it) cuts a reason to 65
# characters by dropping its leading ": "-separated parts, so how reasons
# group depends on their length, and pseudonyms and IPs have other lengths.
# In these sections only the "(total: N)" lines and the rows' sum are compared.
TRIMMED = re.compile(r'(detail|warnings|fatal errors|panics|master daemon messages)', re.I)


def numbers(text):
    rows = []
    section, trimmed, trimmed_sum = '', False, 0
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and re.match(r'^-{3,}$', lines[i + 1]) and line.strip():
            section, trimmed = line, bool(TRIMMED.search(line))
            if trimmed:
                rows.append(('section', section, str(trimmed_sum)))
                trimmed_sum = 0
            continue
        toks = tuple(t for t in re.split(r'[\s|]+', line) if INT.match(t))
        if not toks:
            continue
        if trimmed and '(total:' not in line:
            trimmed_sum += int(toks[0].rstrip('kmKM'))
            continue
        rows.append(toks)
    rows.append(('section-end', str(trimmed_sum)))
    return sorted(rows)


def compare_counts(tool, orig_out, anon_out, name):
    a, b = numbers(orig_out), numbers(anon_out)
    if a != b:
        sa, sb = set(a), set(b)
        fail('%s counts differ on %s: only original %s; only anonymised %s'
             % (tool, name, sorted(sa - sb)[:5], sorted(sb - sa)[:5]))
        return False
    return True


EMAIL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
IPV4 = re.compile(r'(?<![\w.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?!\d|\.\d)')
IPV6 = re.compile(r'(?<![0-9A-Za-z.:_-])([0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)')
FIELDS = re.compile(r'\b(?:(?:user|helo|message-id|msgid)=<([^>]*)>|(?:sasl_username|sasl_sender)=([^>,;\s)]*))')
DOVECOT_USER = re.compile(r'\b(?:lmtp|lda|imap|pop3|auth|passwd-file|pam|sql|ldap|passwd|shadow|static|'
                          r'checkpassword|submission|managesieve)\(([^,)\s]+)[,)]')


def ipv4_ok(s):
    try:
        return all(0 <= int(x) <= 255 for x in s.split('.'))
    except ValueError:
        return False


def collect(maillens, path, text):
    """What the original names: (kind, value) pairs."""
    items = set()
    for kind in ('messages', 'deliveries', 'rejects', 'connections'):
        r = run([maillens, 'export', '--quiet', '--records', kind, path])
        for line in r.stdout.decode('utf-8', 'replace').splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            for k in ('from', 'to', 'orig_to'):
                if rec.get(k):
                    items.add(('address', rec[k]))
            if rec.get('client_addr'):
                items.add(('ip', rec['client_addr']))
            if rec.get('sasl_user'):
                items.add(('user', rec['sasl_user']))
            if rec.get('message_id'):
                items.add(('msgid', rec['message_id'].strip('<>')))
            if rec.get('helo'):
                items.add(('host', rec['helo']))
    for m in EMAIL.finditer(text):
        v = m.group(0).strip('.')
        local = v.rsplit('@', 1)[0]
        if local.strip('.'):
            items.add(('address', v))
    for m in IPV4.finditer(text):
        if ipv4_ok(m.group(1)):
            items.add(('ip', m.group(1)))
    for m in IPV6.finditer(text):
        v = m.group(1).rstrip(':.')
        try:
            ipaddress.IPv6Address(v)
            items.add(('ip', v))
        except ValueError:
            pass
    for m in FIELDS.finditer(text):
        key = m.group(0).split('=')[0]
        kind = {'helo': 'host', 'message-id': 'msgid', 'msgid': 'msgid'}.get(key, 'user')
        items.add((kind, m.group(1) or m.group(2)))
    for m in DOVECOT_USER.finditer(text):
        # auth(default): Dovecot 1.x's name of its auth block, not a user.
        if not m.group(1).isdigit() and m.group(1) != 'default':
            items.add(('user', m.group(1)))
    # Not identities: empty values, the placeholders Postfix writes.
    return {(k, v) for k, v in items
            if v and v.lower() not in ('unknown', 'localhost', 'localhost.localdomain', '<>', 'none') and not v.startswith('[')}


def survivors(items, anon):
    """Items found in `anon`: each kind against the set of tokens of that
    shape in the output (one pass over the text, not one search per item)."""
    emails = {m.group(0).strip('.').lower() for m in EMAIL.finditer(anon)}
    v4 = {m.group(1) for m in IPV4.finditer(anon)}
    v6 = set()
    for m in IPV6.finditer(anon):
        try:
            v6.add(ipaddress.IPv6Address(m.group(1).rstrip(':.')))
        except ValueError:
            pass
    # Host names: whole tokens. User names: where a user name stands (user=,
    # sasl_username=, service(user,...), a path component, a local part), as
    # common words ("user", "info", "test") also occur in the log's own text.
    tokens = set(re.split(r'[\s<>,;:()\[\]"\'=/]+', anon))
    lowered = {t.lower() for t in tokens}
    users = set()
    for pat in (r'user=<([^>]*)>', r'sasl_username=([^,\s]+)', r'\(([^,()\s]+)[,)]', r'/([^/\s)]+)',
                r'user ([^\s,;:]+)'):
        users.update(re.findall(pat, anon))
    users.update(e.split('@')[0] for e in emails)
    # Directory names the anonymizer keeps in paths (/var/mail/...) are not a
    # user's name showing through.
    users -= {'var', 'mail', 'spool', 'home', 'tmp', 'Maildir', 'vmail', 'cur', 'new', 'usr', 'lib', 'etc'}
    left = []
    for kind, v in sorted(items):
        if kind == 'ip' and ':' in v:
            try:
                hit = ipaddress.IPv6Address(v) in v6
            except ValueError:
                hit = False
        elif kind == 'ip':
            hit = v in v4
        elif kind == 'address':
            hit = v.lower() in emails or ('@' not in v and v.lower() in lowered)
        elif kind == 'msgid':
            hit = v.lower() in lowered or v.lower() in emails
        elif kind == 'host' and '.' not in v:
            # A one-label HELO ("User", "1") is often a word of the log's own
            # text too: searched where a HELO name stands.
            hit = re.search(r'(?:helo=<|\b)' + re.escape(v) + r'(?:>|\[)', anon) is not None
        elif kind == 'host':
            hit = v.lower().rstrip('.') in lowered
        else:
            hit = v in users or v.lower() in users or (len(v) >= 8 and v in tokens)
        if hit:
            left.append((kind, v))
    return left


def confirmed_ip_leaks(left, text, anon):
    """Drops IP addresses that are in the output only as another address's
    pseudonym: Crypto-PAn maps onto the whole address space, so with a fresh
    key an input address's image can, by chance, be another input address (a
    generated log has thousands). A leak is the address in the same line of
    the input and the output."""
    ips = [v for kind, v in left if kind == 'ip']
    if not ips:
        return left
    pairs = list(zip(text.splitlines(), anon.splitlines()))
    real = {v for v in ips
            if any(re.search(r'(?<![\d.:])' + re.escape(v) + r'(?![\d])', a) and v in o for o, a in pairs)}
    return [(kind, v) for kind, v in left if kind != 'ip' or v in real]


def anonymize(maillens, key, paths, outdir, extra=()):
    r = run([maillens, 'anonymize', '--key-file', key, '--map-loopback', '-o', outdir] + list(extra) + paths)
    if r.returncode != 0:
        fail('anonymize %s: exit %d: %s' % (paths, r.returncode, r.stderr.decode()[:300]))
    return [os.path.join(outdir, os.path.basename(p)) for p in paths]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--maillens', required=True)
    ap.add_argument('--shared', required=True)
    ap.add_argument('--source', required=True)
    ap.add_argument('--loggen')
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix='maillens-anon-')
    key = os.path.join(work, 'key')
    cases = inputs(args.shared, args.source)
    if args.loggen and os.access(args.loggen, os.X_OK):
        gen = os.path.join(work, 'generated.log')
        subprocess.run([args.loggen, '--size', '4M', '--seed', '17', '-o', gen], check=True)
        cases.append(gen)
    pflogsumm = shutil.which('pflogsumm') or ('/usr/sbin/pflogsumm' if os.path.exists('/usr/sbin/pflogsumm') else None)
    checked = 0
    total_items = 0
    for i, path in enumerate(cases):
        out = os.path.join(work, 'out%d' % i)
        os.mkdir(out)
        (anon_path,) = anonymize(args.maillens, key, [path], out)
        if not os.path.exists(anon_path):
            continue
        text, anon = read_text(path), read_text(anon_path)
        name = os.path.relpath(path, args.shared) if path.startswith(args.shared) else os.path.basename(path)
        if len(text.splitlines()) != len(anon.splitlines()):
            fail('%s: %d lines in, %d out' % (name, len(text.splitlines()), len(anon.splitlines())))
        # 1. counts
        ro = run([args.maillens, 'report', '--year', '2026', path]).stdout.decode('utf-8', 'replace')
        ra = run([args.maillens, 'report', '--year', '2026', anon_path]).stdout.decode('utf-8', 'replace')
        compare_counts('maillens report', ro, ra, name)
        if pflogsumm:
            po = run([pflogsumm, path]).stdout.decode('utf-8', 'replace')
            pa = run([pflogsumm, anon_path]).stdout.decode('utf-8', 'replace')
            compare_counts('pflogsumm', po, pa, name)
        # 2. leaks, in the strictest mode (host names and domains mapped too)
        mout = os.path.join(work, 'map%d' % i)
        os.mkdir(mout)
        (map_path,) = anonymize(args.maillens, key, [path], mout, ['--domains', 'map'])
        anon = read_text(map_path)
        items = collect(args.maillens, path, text)
        total_items += len(items)
        left = confirmed_ip_leaks(survivors(items, anon), text, anon)
        if left:
            fail('%s: %d of %d identities survive, e.g. %s' % (name, len(left), len(items), left[:8]))
        checked += 1
    # 3. determinism: again with the same key; a file alone vs in a set; another key.
    sample = os.path.join(args.source, 'tests/data/e2e-sample/maillog')
    dove = os.path.join(args.source, 'tests/data/e2e-sample/dovecot.log')
    d1, d2, d3, d4 = (os.path.join(work, n) for n in ('det1', 'det2', 'det3', 'det4'))
    for d in (d1, d2, d3, d4):
        os.mkdir(d)
    a1 = anonymize(args.maillens, key, [sample, dove], d1)
    a2 = anonymize(args.maillens, key, [dove], d2)
    a3 = anonymize(args.maillens, key, [sample], d3)
    if open(a1[0], 'rb').read() != open(a3[0], 'rb').read() or open(a1[1], 'rb').read() != open(a2[0], 'rb').read():
        fail('determinism: a file alone and inside a set are anonymised differently')
    # Threads split the work, not the result.
    d7, d8 = os.path.join(work, 'thr1'), os.path.join(work, 'thr3')
    os.mkdir(d7)
    os.mkdir(d8)
    big = cases[-1]
    t1 = anonymize(args.maillens, key, [big], d7, ['--threads', '1'])
    t3 = anonymize(args.maillens, key, [big], d8, ['--threads', '3'])
    if open(t1[0], 'rb').read() != open(t3[0], 'rb').read():
        fail('determinism: --threads 1 and --threads 3 differ on %s' % big)
    key2 = os.path.join(work, 'key2')
    a4 = anonymize(args.maillens, key2, [sample], d4)
    if open(a4[0], 'rb').read() == open(a3[0], 'rb').read():
        fail('determinism: another key gave the same output')
    # The same address in both files gets one pseudonym (cross-file consistency).
    u1 = set(re.findall(r'user=<([^>]+)>', read_text(a1[1])))
    t1 = set(re.findall(r'to=<([^>]+)>', read_text(a1[0])))
    uo = set(re.findall(r'user=<([^>]+)>', read_text(dove)))
    to = set(re.findall(r'to=<([^>]+)>', read_text(sample)))
    if len(uo & to) and len(u1 & t1) != len(uo & to):
        fail('determinism: %d users shared by the two files before, %d after' % (len(uo & to), len(u1 & t1)))
    # 4. layout: a rotated set with .gz members
    rot = os.path.join(args.shared, 'corpora/lightmeter/complete_extracted/logs_sample')
    if os.path.isdir(rot):
        members = sorted(os.path.join(rot, f) for f in os.listdir(rot))
        d5 = os.path.join(work, 'rot')
        os.mkdir(d5)
        outs = anonymize(args.maillens, key, members, d5)
        d6 = os.path.join(work, 'rotmap')
        os.mkdir(d6)
        map_outs = anonymize(args.maillens, key, members, d6, ['--domains', 'map'])
        for m, o in zip(members, outs):
            if not os.path.exists(o):
                fail('layout: %s not written' % o)
                continue
            if (open(m, 'rb').read(2) == b'\x1f\x8b') != (open(o, 'rb').read(2) == b'\x1f\x8b'):
                fail('layout: %s compression differs' % o)
            if int(os.stat(m).st_mtime) != int(os.stat(o).st_mtime):
                fail('layout: %s mtime differs' % o)
        ro = run([args.maillens, 'report'] + members).stdout.decode('utf-8', 'replace')
        ra = run([args.maillens, 'report'] + outs).stdout.decode('utf-8', 'replace')
        compare_counts('maillens report (rotated set)', ro, ra, 'lightmeter logs_sample')
        text = ''.join(read_text(m) for m in members)
        anon = ''.join(read_text(o) for o in map_outs)
        left = survivors(collect(args.maillens, members[0], text), anon)
        if left:
            fail('rotated set: %d identities survive, e.g. %s' % (len(left), left[:8]))
    shutil.rmtree(work)
    print('anonymize: %d inputs, %d identities searched, %d failures' % (checked, total_items, len(FAILURES)))
    return 1 if FAILURES else 0


if __name__ == '__main__':
    sys.exit(main())
