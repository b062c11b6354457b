#!/usr/bin/env python3
"""pflogsumm_compare.py - conformance of `maillens report` against pflogsumm 1.1.5.

For every log in ../shared/corpora (and any generated log given with --extra),
runs Debian's pflogsumm 1.1.5 and `maillens report` on the same input and
compares, figure by figure, the Grand Totals, the Per-Day Traffic Summary
(date compared as month and day: pflogsumm prints the year of the run date)
and the Per-Hour table. Both outputs are read as text in pflogsumm's layout.

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
    return cases + [('diff-' + f[:-4], [os.path.join(d, f)], lambda p=os.path.join(d, f): open(p, 'rb').read())
            for f in sorted(os.listdir(d)) if f.endswith('.log')]


GT_LABELS = ['received', 'delivered', 'forwarded', 'deferred', 'bounced', 'rejected',
             'reject warnings', 'held', 'discarded', 'bytes received', 'bytes delivered',
             'senders', 'sending hosts/domains', 'recipients', 'recipient hosts/domains']


def parse_report(text):
    """Figures of a pflogsumm-layout report: {'gt:LABEL': str, 'day:Mon dd': [..], 'hour:HH': [..]}."""
    out = {}
    lines = text.split('\n')
    section = None
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and lines[i + 1].startswith('---') and line.strip():
            section = line.strip()
            continue
        if section == 'Grand Totals':
            m = re.match(r'^ +(\d+[ km]) +([a-z /]+?)(?: \(\d+%\))?(?:  \((\d+[ km]?) deferrals\))?$', line)
            if m and m.group(2) in GT_LABELS:
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
    for name, files, pf_input in cases:
        rc, pf_out, pf_err = run([args.pflogsumm], stdin=pf_input())
        if rc != 0:
            failures.append(f'{name}: pflogsumm failed ({rc}): {pf_err.strip()[:200]}')
            continue
        rc, ml_out, ml_err = run([args.maillens, 'report'] + files)
        if rc not in (0,):
            failures.append(f'{name}: maillens exited {rc}: {ml_err.strip()[:200]}')
            continue
        pf, ml = parse_report(pf_out), parse_report(ml_out)
        if not any(k.startswith('gt:') for k in ml):
            failures.append(f'{name}: could not read maillens report')
            continue
        diffs = {}
        for key in sorted(set(pf) | set(ml)):
            if pf.get(key) != ml.get(key):
                diffs[key] = {'pflogsumm': pf.get(key), 'maillens': ml.get(key)}
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
    if args.write_diffs:
        print(json.dumps(found, indent=1, sort_keys=True))
    for f in failures:
        print('FAIL ' + f)
    print(f'pflogsumm conformance: {passed} passed, {len(cases) - passed} failed')
    return 0 if not failures else 1


if __name__ == '__main__':
    sys.exit(main())
