#!/usr/bin/env python3
"""pflogsumm_compare.py - conformance of `maillens report` against pflogsumm 1.1.5.

For every log in ../shared/corpora (and any generated log given with --extra),
runs Debian's pflogsumm 1.1.5 and `maillens report` on the same input, both
with `-e --smtpd_stats --detail 99999 -h 99999 -u 99999` (every section, every
row), and compares figure by figure the Grand Totals (with the smtpd block),
the Per-Day Traffic Summary (date compared as month and day: pflogsumm prints
the year of the run date) and the Per-Hour table, and row by row every other
section: the host/domain summaries, the SMTPD connection tables, senders and
recipients by count and size, messages with no size data, the deferral,
bounce, reject, reject warning, hold and discard detail, smtp delivery
failures, warnings, fatal errors, panics, master daemon messages and the
message detail. Rows that tie in a listing's sort order are compared as a set
(pflogsumm's order of ties varies from run to run); the order of the groups
of ties, and the sequence of sections, must be equal. Both outputs are read
as text in pflogsumm's layout. maillens's `--format json` report of the same
run must carry the same rows as its text report.

Differences are allowed only where tests/conformance/differences.json lists
them, with both tools' exact figures; the test asserts those figures too, so a
documented difference that disappears or changes is a failure as well.
Each difference points to its explanation in docs/pflogsumm-differences.md.

Usage: pflogsumm_compare.py --maillens BIN --corpora DIR [--extra NAME=PATH ...] [--write-diffs]
Exit status 0 when everything matches, 1 otherwise.
"""
import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def corpus_cases(corpora):
    """(name, [files for maillens], bytes for pflogsumm's stdin) for each corpus log."""
    c = corpora
    cases = []

    def plain(name, path):
        cases.append((name, [path], lambda p=path: open(p, 'rb').read()))

    plain('realpostfix-sample', f'{c}/realpostfix-sample/maillog')
    lm = f'{c}/lightmeter/complete_extracted/logs_sample'
    # A rotated pair given newest first: maillens must order it itself.
    cases.append(('lightmeter-complete', [f'{lm}/mail.log', f'{lm}/mail.log.1'],
                  lambda: open(f'{lm}/mail.log.1', 'rb').read() + open(f'{lm}/mail.log', 'rb').read()))
    pp = f'{c}/postfix-logsums-pixelpark/mail.log.gz'
    cases.append(('pixelpark', [pp], lambda: gzip.open(pp).read()))
    for f in sorted(os.listdir(f'{c}/lightmeter/individual_files')):
        if f.endswith('.log'):
            plain('lightmeter-' + f[:-4], f'{c}/lightmeter/individual_files/{f}')
    plain('fail2ban-postfix', f'{c}/fail2ban/postfix')
    plain('fail2ban-dovecot', f'{c}/fail2ban/dovecot')
    plain('pmg-mixed', f'{c}/pmg-log-tracker/test_input_mixed')
    plain('pmg-rfc3339-mixed', f'{c}/pmg-log-tracker/test_input_time_rfc3339_mixed')
    plain('postfix_exporter', f'{c}/postfix_exporter/postfix_exporter_test_lines.log')
    plain('lograptor-postfix', f'{c}/lograptor/samples/postfix.log')
    plain('lograptor-dovecot', f'{c}/lograptor/samples/dovecot.log')
    plain('msimerson', f'{c}/postfix-parser-msimerson/syslog_lines.log')
    for d in sorted(os.listdir(f'{c}/crowdsec-hub')):
        p = f'{c}/crowdsec-hub/{d}/{d}.log'
        if os.path.isfile(p):
            plain('crowdsec-' + d, p)
    return cases


def difference_cases():
    """The project's own recorded real-Postfix run and the minimal logs of docs/pflogsumm-differences.md."""
    d = os.path.join(HERE, '..', 'data', 'differences')
    cases = [('e2e-sample', [os.path.join(HERE, '..', 'data', 'e2e-sample', 'maillog')],
              lambda: open(os.path.join(HERE, '..', 'data', 'e2e-sample', 'maillog'), 'rb').read())]
    own = os.path.join(HERE, 'logs')  # small logs for sections the corpora rarely reach
    cases += [('own-' + f[:-4], [os.path.join(own, f)], lambda p=os.path.join(own, f): open(p, 'rb').read())
              for f in sorted(os.listdir(own)) if f.endswith('.log')]
    return cases + [('diff-' + f[:-4], [os.path.join(d, f)], lambda p=os.path.join(d, f): open(p, 'rb').read())
            for f in sorted(os.listdir(d)) if f.endswith('.log')]


GT_LABELS = ['received', 'delivered', 'forwarded', 'deferred', 'bounced', 'rejected',
             'reject warnings', 'held', 'discarded', 'bytes received', 'bytes delivered',
             'senders', 'sending hosts/domains', 'recipients', 'recipient hosts/domains']


# A Grand Totals row: count, label, optional percentage and deferrals.
GT_ROW = re.compile(r'^ +(\d+[ km]) +([a-z /]+?)(?: \(\d+%\))?(?:  \((\d+[ km]?) deferrals\))?$')


def parse_report(text, gt_labels=None, gt_row=GT_ROW):
    """Figures of a pflogsumm-layout report: {'gt:LABEL': str, 'day:Mon dd': [..], 'hour:HH': [..]}.

    gt_labels / gt_row: the Grand Totals labels and row pattern (1.1.5's by default; the 1.3.0
    comparison passes its own)."""
    gt_labels = GT_LABELS if gt_labels is None else gt_labels
    out = {}
    lines = text.split('\n')
    section = None
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and lines[i + 1].startswith('---') and line.strip():
            section = line.strip()
            continue
        if section == 'Grand Totals':
            m = gt_row.match(line)
            if m and m.group(2) in gt_labels:
                out['gt:' + m.group(2)] = m.group(1).strip()
                if m.group(3):
                    out['gt:deferrals'] = m.group(3).strip()
            m = re.match(r'^ +\d+[ km] +(rejected|discarded) \((\d+)%\)$', line)
            if m:
                out['gt:%s %%' % m.group(1)] = m.group(2)
        elif section == 'Per-Day Traffic Summary':
            m = re.match(r'^    ([A-Z][a-z]{2}) +(\d+) \d{4}((?: +\d+[ km]?)+) *$', line)
            if m:
                vals = m.group(3).split()
                vals += ['0'] * (5 - len(vals))  # pflogsumm omits trailing empty columns
                out['day:%s %02d' % (m.group(1), int(m.group(2)))] = vals
        elif section and section.startswith('Per-Hour Traffic'):
            m = re.match(r'^    (\d\d)00-\d\d00((?: +\d+[ km]?)+) *$', line)
            if m:
                out['hour:' + m.group(1)] = m.group(2).split()
            out['hour-title'] = section
    if 'gt:deferrals' not in out and 'gt:deferred' in out:
        out['gt:deferrals'] = '0'
    return out


SECTION_SORT_FIELDS = {  # leading fields a listing is sorted by
    'Host/Domain Summary: Message Delivery': 2,
    'Host/Domain Summary: Messages Received': 2,
    'Host/Domain Summary: SMTPD Connections': 2,
    'Senders by message count': 1, 'Recipients by message count': 1,
    'Senders by message size': 1, 'Recipients by message size': 1,
    'Master daemon messages': 1,
}
NESTED = {'message deferral detail', 'message bounce detail (by relay)', 'message reject detail',
          'message reject warning detail', 'message hold detail', 'message discard detail',
          'smtp delivery failures', 'Warnings', 'Fatal Errors', 'Panics'}
MONTH_DAY = re.compile(r'^    ([A-Z][a-z]{2}) +(\d+) \d{4}')


def section_name(title):
    t = re.sub(r' \(top \d+\)$', '', title.strip())
    return re.sub(r'^top \d+ ', '', t)


def split_sections(text):
    """[(name, [lines])] in output order; a "TITLE: none" section has no lines."""
    lines = text.split('\n')
    out = []
    cur = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if (i + 1 < len(lines) and line.strip() and lines[i + 1] and set(lines[i + 1]) == {'-'}
                and len(lines[i + 1]) == len(line)):
            cur = (section_name(line), [])
            out.append(cur)
            i += 2
            continue
        m = re.match(r'^(\S.*): none$', line)
        if m and i > 0 and lines[i - 1] == '':
            out.append((section_name(m.group(1)), []))
            cur = None
            i += 1
            continue
        if cur is not None:
            cur[1].append(line)
        i += 1
    return out


def groups(rows, nkey):
    """Rows in order, consecutive rows with the same sort fields as one set."""
    out = []
    for r in rows:
        k = r.split()[:nkey]
        if out and out[-1][0] == k:
            out[-1][1].append(r)
        else:
            out.append((k, [r]))
    return [(k, sorted(v)) for k, v in out]


def section_rows(name, body):
    """(rows as a multiset, canonical order) of one section."""
    body = [l for l in body]
    while body and body[-1] == '':
        body.pop()
    if name in SECTION_SORT_FIELDS:
        rows = [l for l in body if l.strip() and not re.match(r'^ ?[a-z -]*(cnt|connections)\b', l)
                and not re.match(r'^ [- ]+$', l)]
        return rows, groups(rows, SECTION_SORT_FIELDS[name])
    if name in NESTED:
        rows, canon = [], []
        path = {}
        leaves = []

        def flush():
            if leaves:
                canon.append((tuple(path[k] for k in sorted(path)), groups(list(leaves), 1)))
                leaves.clear()
        for l in body:
            if not l.strip():
                continue
            ind = len(l) - len(l.lstrip(' '))
            is_header = re.search(r'\(total: \d+\)$', l) or not re.match(r'^ +\d+[ km] {2}', l)
            if not is_header:
                leaves.append(l.strip())
                rows.append(' | '.join(path[k] for k in sorted(path)) + ' | ' + l.strip())
            else:
                flush()
                level = ind // 2
                path = {k: v for k, v in path.items() if k < level}
                path[level] = l.strip()
        flush()
        return rows, canon
    if name == 'Message detail':
        blocks, cur = [], []
        for l in body:
            if l == '':
                if cur:
                    blocks.append(' | '.join(cur))
                cur = []
            else:
                cur.append(l.strip())
        if cur:
            blocks.append(' | '.join(cur))
        return blocks, blocks
    if name.startswith('Per-Day SMTPD') or name.startswith('Per-Hour SMTPD'):
        rows = []
        for l in body:
            m = MONTH_DAY.match(l)
            if m:
                l = '%s %02d%s' % (m.group(1), int(m.group(2)), l[m.end():])
            if re.match(r'^ *(\d|[A-Z][a-z]{2} )', l):
                rows.append(l.strip())
        return rows, rows
    rows = [l.strip() for l in body if l.strip()]
    return rows, rows


def parse_sections(text):
    """{'sections': [names], 'sec:NAME': (rows, canon)} for the row-compared sections."""
    out = {'sections': []}
    for name, body in split_sections(text):
        out['sections'].append(name)
        if name in ('Grand Totals', 'Per-Day Traffic Summary') or name.startswith('Per-Hour Traffic'):
            continue
        out['sec:' + name] = section_rows(name, body)
    return out


def diff_sections(pf, ml, adjust=None):
    """{key: {'pflogsumm': .., 'maillens': ..}} of two parse_sections()-shaped results' differences:
    rows compared as multisets, then the canonical order. adjust(key, prow, pcanon, mrow, mcanon),
    when given, returns those four as they are to be compared."""
    diffs = {}
    if pf['sections'] != ml['sections']:
        diffs['sections'] = {'pflogsumm': pf['sections'], 'maillens': ml['sections']}
    for key in sorted((set(pf) | set(ml)) - {'sections'}):
        prow, pcanon = pf.get(key, ([], []))
        mrow, mcanon = ml.get(key, ([], []))
        if adjust is not None:
            prow, pcanon, mrow, mcanon = adjust(key, prow, pcanon, mrow, mcanon)
        ponly, monly = list(prow), []
        for r in mrow:
            if r in ponly:
                ponly.remove(r)
            else:
                monly.append(r)
        if ponly or monly:
            diffs[key] = {'pflogsumm': sorted(ponly), 'maillens': sorted(monly)}
        elif json.dumps(pcanon) != json.dumps(mcanon):
            diffs[key + ' (order)'] = {'pflogsumm': pcanon, 'maillens': mcanon}
    return diffs


def compare_sections(pf_text, ml_text):
    """{key: {'pflogsumm': .., 'maillens': ..}} of the section differences."""
    return diff_sections(parse_sections(pf_text), parse_sections(ml_text))


def parse_smtpd_totals(text):
    out = {}
    m = re.search(r'\nsmtpd\n\n((?:.*\n){4})', text)
    if m:
        for line in m.group(1).split('\n'):
            mm = re.match(r'^ +(\d+[ km]?|\d+:\d\d:\d\d) +([a-z /.()]+)$', line)
            if mm:
                out['gt-smtpd:' + mm.group(2)] = mm.group(1).strip()
    return out


def units(v):
    """pflogsumm's adj_int_units as printed: "%6d%s"."""
    if v > 536870912:
        return '%6d%s' % (v / 1048576, 'm')
    if v > 524288:
        return '%6d%s' % (v / 1024, 'k')
    return '%6d%s' % (v, ' ')


def json_consistency(text, doc, top=' (top 99999)'):
    """Differences between maillens's text report and its JSON report of the same run."""
    sec = parse_sections(text)
    errors = []

    def same(key, rows):
        got = sec.get('sec:' + key, ([], []))[0]
        if sorted(got) != sorted(rows):
            errors.append(f'json/text differ in {key}: text {sorted(got)[:3]}... json {sorted(rows)[:3]}...')
    for key, field, col in (('Senders by message count', 'senders', 'messages'),
                            ('Recipients by message count', 'recipients', 'messages'),
                            ('Senders by message size', 'senders', 'bytes'),
                            ('Recipients by message size', 'recipients', 'bytes')):
        same(key, [' %s  %s' % (units(r[col]), r['address']) for r in doc[field]])
    same('Host/Domain Summary: Messages Received',
         [' %s  %s  %s' % (units(r['messages']), units(r['bytes']), r['domain']) for r in doc['sending_domains']])
    for key, field in (('message deferral detail', 'deferrals'), ('message bounce detail (by relay)', 'bounces'),
                       ('smtp delivery failures', 'smtp_failures'), ('Warnings', 'warnings'),
                       ('Fatal Errors', 'fatals'), ('Panics', 'panics')):
        rows = []
        for g in doc[field]:
            outer = [v for k, v in g.items() if k not in ('total', 'rows')][0]
            t = top if field not in ('fatals', 'panics') else ''
            for r in g['rows']:
                inner = [v for k, v in r.items() if k != 'count'][0]
                rows.append('%s%s (total: %d) | %s  %s' % (outer, t, g['total'], units(r['count']).strip(), inner))
        got = [' '.join(x.split()) for x in sec.get('sec:' + key, ([], []))[0]]
        if sorted(got) != sorted(' '.join(x.split()) for x in rows):
            errors.append(f'json/text differ in {key}')
    for key, field in (('message reject detail', 'rejects'), ('message reject warning detail', 'reject_warnings'),
                       ('message hold detail', 'holds'), ('message discard detail', 'discards')):
        rows = []
        for g in doc[field]:
            for r in g['reasons']:
                for x in r['rows']:
                    rows.append('%s | %s%s (total: %d) | %s  %s' % (g['stage'], r['reason'], top, r['total'],
                                                                  units(x['count']).strip(), x['key']))
        got = [' '.join(x.split()) for x in sec.get('sec:' + key, ([], []))[0]]
        if sorted(got) != sorted(' '.join(x.split()) for x in rows):
            errors.append(f'json/text differ in {key}')
    blocks = [' | '.join([m['queue_id'] + '  ' + (m['lines'][0] if m['lines'] else '')] + m['lines'][1:])
              for m in doc.get('messages', [])]
    same('Message detail', blocks)
    if doc['smtpd']['connections'] != int(re.search(r'(\d+)   connections', text).group(1)):
        errors.append('json/text differ in smtpd connections')
    return errors


def run(cmd, stdin=None):
    env = dict(os.environ, LC_ALL='C', TZ='UTC')
    r = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    return r.returncode, r.stdout.decode('utf-8', 'replace'), r.stderr.decode('utf-8', 'replace')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--maillens', required=True)
    ap.add_argument('--corpora', required=True)
    ap.add_argument('--pflogsumm', default='/usr/sbin/pflogsumm')
    ap.add_argument('--extra', action='append', default=[], help='NAME=PATH of a generated log')
    ap.add_argument('--differences', default=os.path.join(HERE, 'differences.json'))
    ap.add_argument('--write-diffs', action='store_true', help='print the differences found as JSON')
    args = ap.parse_args()

    with open(args.differences) as f:
        documented = json.load(f)['cases']
    cases = corpus_cases(args.corpora) + difference_cases()
    for e in args.extra:
        name, path = e.split('=', 1)
        cases.append((name, [path], lambda p=path: open(p, 'rb').read()))

    failures = []
    found = {}
    passed = 0
    opts = ['-e', '--smtpd_stats', '--detail', '99999', '-h', '99999', '-u', '99999']
    for name, files, pf_input in cases:
        rc, pf_out, pf_err = run([args.pflogsumm] + opts, stdin=pf_input())
        if rc != 0:
            failures.append(f'{name}: pflogsumm failed ({rc}): {pf_err.strip()[:200]}')
            continue
        rc, ml_out, ml_err = run([args.maillens, 'report'] + opts + files)
        if rc not in (0,):
            failures.append(f'{name}: maillens exited {rc}: {ml_err.strip()[:200]}')
            continue
        rc, js_out, js_err = run([args.maillens, 'report', '--format', 'json'] + opts + files)
        for e in json_consistency(ml_out, json.loads(js_out)):
            failures.append(f'{name}: {e}')
        pf, ml = parse_report(pf_out), parse_report(ml_out)
        pf.update(parse_smtpd_totals(pf_out))
        ml.update(parse_smtpd_totals(ml_out))
        if not any(k.startswith('gt:') for k in ml):
            failures.append(f'{name}: could not read maillens report')
            continue
        diffs = {}
        for key in sorted(set(pf) | set(ml)):
            if pf.get(key) != ml.get(key):
                diffs[key] = {'pflogsumm': pf.get(key), 'maillens': ml.get(key)}
        diffs.update(compare_sections(pf_out, ml_out))
        expected = documented.get(name, {}).get('figures', {})
        case_ok = True
        for key, d in diffs.items():
            exp = expected.get(key)
            if exp is None:
                failures.append(f'{name}: {key}: pflogsumm {d["pflogsumm"]} != maillens {d["maillens"]} (undocumented)')
                case_ok = False
            elif exp['pflogsumm'] != d['pflogsumm'] or exp['maillens'] != d['maillens']:
                failures.append(f'{name}: {key}: documented pflogsumm {exp["pflogsumm"]} / maillens {exp["maillens"]}, '
                                f'got pflogsumm {d["pflogsumm"]} / maillens {d["maillens"]}')
                case_ok = False
        for key in expected:
            if key not in diffs:
                failures.append(f'{name}: {key}: documented difference no longer occurs (both {pf.get(key)})')
                case_ok = False
        if diffs:
            found[name] = {'figures': diffs}
        if case_ok:
            passed += 1
    # Second pass, on every log without a documented difference: the options
    # that change texts and keys (verbose reasons, -i, --rej-add-from, VERP and
    # UUCP munging, problems first) must give pflogsumm's figures and rows too.
    opts2 = opts + ['--verbose-msg-detail', '-i', '--rej-add-from', '--verp-mung=2', '-m', '--problems-first']
    passed2 = 0
    for name, files, pf_input in cases:
        if name in documented:
            continue
        rc, pf_out, _ = run([args.pflogsumm] + opts2, stdin=pf_input())
        rc2, ml_out, _ = run([args.maillens, 'report'] + opts2 + files)
        if rc != 0 or rc2 != 0:
            failures.append(f'{name} (options {" ".join(opts2[8:])}): exit {rc} / {rc2}')
            continue
        pf, ml = parse_report(pf_out), parse_report(ml_out)
        pf.update(parse_smtpd_totals(pf_out))
        ml.update(parse_smtpd_totals(ml_out))
        diffs = {k: 1 for k in set(pf) | set(ml) if pf.get(k) != ml.get(k)}
        diffs.update(compare_sections(pf_out, ml_out))
        if diffs:
            failures.append(f'{name} (options {" ".join(opts2[8:])}): differs in {sorted(diffs)[:5]}')
        else:
            passed2 += 1
    print(f'pflogsumm conformance with {" ".join(opts2[8:])}: {passed2} passed')
    if args.write_diffs:
        print(json.dumps(found, indent=1, sort_keys=True))
    for f in failures:
        print('FAIL ' + f)
    print(f'pflogsumm conformance: {passed} passed, {len(cases) - passed} failed')
    return 0 if not failures else 1


if __name__ == '__main__':
    sys.exit(main())
