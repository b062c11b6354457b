#!/usr/bin/env python3
"""pflogsumm13_compare.py - conformance of `maillens report --compat 1.3` against pflogsumm 1.3.0.

The second oracle (issue 18 item 5). For the same logs as pflogsumm_compare.py
(every corpus in ../shared/corpora, the project's own logs, the minimal
difference logs and the generated logs given with --extra), runs pflogsumm
1.3.0 (Debian unstable's package, unpacked by scripts/install-deps.sh --test
into /opt/pflogsumm-1.3.0) and `maillens report --compat 1.3` with
`-e --smtpd-stats --detail 99999 -h 99999 -u 99999` and compares:
  - the title line ("Postfix Log Summaries for ..."), exactly;
  - the Grand Totals figures, 1.3.0's "removed (canceled)" and "expired"
    included, the smtpd block, the Per-Day and Per-Hour tables;
  - the sequence of section titles exactly as printed, with 1.3.0's
    "(nn)" / "(top nn of nn)" counts;
  - every other section row by row, as pflogsumm_compare.py does (rows
    that tie in a listing's sort order compared as a set).
Then a second pass over the same logs with the options that change keys and
texts (--verbose-msg-detail -i --rej-add-from --verp-mung=2 -m
--problems-first); its cases are named "LOG +options".

Differences are allowed only where tests/conformance/differences13.json lists
them, with both tools' exact figures; a listed difference that changes or
disappears is a failure too. docs/pflogsumm-differences.md, "--compat 1.3",
explains them.

Usage: pflogsumm13_compare.py --maillens BIN --corpora DIR [--extra NAME=PATH ...] [--write-diffs]
Prints "pflogsumm 1.3.0 conformance: N of M cases equal" (the default
options; equal: no difference at all) and the same for the second pass.
Exit status 0 when every figure is equal or documented, 1 otherwise.
"""
import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pflogsumm_compare as pc  # noqa: E402  (the shared case list and row logic)

HERE = os.path.dirname(os.path.abspath(__file__))
PFLOGSUMM13 = '/opt/pflogsumm-1.3.0/usr/bin/pflogsumm'
GT13 = pc.GT_LABELS + ['removed (canceled)', 'expired']
COUNT_SUFFIX = re.compile(r' \((?:top \d+ of )?\d+\)$')


def base_name(title):
    """A section's name without 1.3.0's count suffix, for the row logic."""
    return COUNT_SUFFIX.sub('', title.strip()).strip()


def split_sections(text):
    """[(title as printed, [lines])]; "TITLE: none" and 1.3.0's "TITLE (0)" have no lines."""
    lines = text.split('\n')
    out, cur, i = [], None, 0
    while i < len(lines):
        line = lines[i]
        if (i + 1 < len(lines) and line.strip() and lines[i + 1] and set(lines[i + 1]) == {'-'}
                and len(lines[i + 1]) == len(line)):
            cur = (line.rstrip(), [])
            out.append(cur)
            i += 2
            continue
        if i > 0 and lines[i - 1] == '' and (re.match(r'^(\S.*): none$', line) or re.match(r'^\S.* \(0\)$', line)):
            out.append((line.rstrip(), []))
            cur = None
            i += 1
            continue
        if cur is not None:
            cur[1].append(line)
        i += 1
    return out


def parse_totals(text):
    out = {}
    first = text.split('\n', 1)[0]
    out['title'] = first
    section = None
    lines = text.split('\n')
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and lines[i + 1].startswith('---') and line.strip():
            section = line.strip()
            continue
        if section == 'Grand Totals':
            m = re.match(r'^ +(-?\d+[ km]) +([a-z /()]+?)(?: \(\d+%\))?(?:  \((\d+[ km]?) deferrals\))?$', line)
            if m and m.group(2) in GT13:
                out['gt:' + m.group(2)] = m.group(1).strip()
                if m.group(3):
                    out['gt:deferrals'] = m.group(3).strip()
            m = re.match(r'^ +\d+[ km] +(rejected|discarded) \((\d+)%\)$', line)
            if m:
                out['gt:%s %%' % m.group(1)] = m.group(2)
    rep = pc.parse_report(text)
    out.update({k: v for k, v in rep.items() if not k.startswith('gt:')})
    out.update(pc.parse_smtpd_totals(text))
    m = re.search(r'\npostscreen\n\n((?:.*\n){4})', text)
    if m:
        for line in m.group(1).split('\n'):
            mm = re.match(r'^ +(\d+[ km]?|\d+:\d\d:\d\d) +([a-zA-Z /.()]+)$', line)
            if mm:
                out['gt-postscreen:' + mm.group(2)] = mm.group(1).strip()
    return out


def parse_sections(text):
    out = {'sections': []}
    for title, body in split_sections(text):
        out['sections'].append(title)
        name = base_name(title)
        if name in ('Grand Totals', 'Per-Day Traffic Summary') or name.startswith('Per-Hour Traffic'):
            continue
        if name.startswith('Host/Domain Summary'):
            body = [l for l in body if not l.startswith(' msg cnt') and not l.startswith(' connections')]
        out['sec:' + name] = pc.section_rows(name, body)
    return out


def compare(pf_out, ml_out):
    diffs = {}
    pf, ml = parse_totals(pf_out), parse_totals(ml_out)
    for key in sorted(set(pf) | set(ml)):
        if pf.get(key) != ml.get(key):
            diffs[key] = {'pflogsumm': pf.get(key), 'maillens': ml.get(key)}
    ps, ms = parse_sections(pf_out), parse_sections(ml_out)
    if ps['sections'] != ms['sections']:
        diffs['sections'] = {'pflogsumm': ps['sections'], 'maillens': ms['sections']}
    for key in sorted((set(ps) | set(ms)) - {'sections'}):
        prow, pcanon = ps.get(key, ([], []))
        mrow, mcanon = ms.get(key, ([], []))
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--maillens', required=True)
    ap.add_argument('--corpora', required=True)
    ap.add_argument('--pflogsumm', default=PFLOGSUMM13)
    ap.add_argument('--extra', action='append', default=[], help='NAME=PATH of a generated log')
    ap.add_argument('--differences', default=os.path.join(HERE, 'differences13.json'))
    ap.add_argument('--write-diffs', action='store_true', help='print the differences found as JSON')
    args = ap.parse_args()

    with open(args.differences) as f:
        documented = json.load(f)['cases']
    cases = pc.corpus_cases(args.corpora) + pc.difference_cases()
    for e in args.extra:
        name, path = e.split('=', 1)
        cases.append((name, [path], lambda p=path: open(p, 'rb').read()))

    opts = ['-e', '--smtpd-stats', '--detail', '99999', '-h', '99999', '-u', '99999']
    # The second pass: options that change keys and texts or only add output.
    extra = ['--verbose-msg-detail', '-i', '--rej-add-from', '--verp-mung=2', '-m', '--problems-first']
    failures, found, equal, ok, total = [], {}, [], 0, 0
    for suffix, options in (('', opts), (' +options', opts + extra)):
        for base, files, pf_input in cases:
            name = base + suffix
            total += 1
            rc, pf_out, pf_err = pc.run([args.pflogsumm] + options, stdin=pf_input())
            if rc != 0:
                failures.append(f'{name}: pflogsumm 1.3.0 failed ({rc}): {pf_err.strip()[:200]}')
                continue
            rc, ml_out, ml_err = pc.run([args.maillens, 'report', '--compat', '1.3'] + options + files)
            if rc != 0:
                failures.append(f'{name}: maillens exited {rc}: {ml_err.strip()[:200]}')
                continue
            diffs = compare(pf_out, ml_out)
            expected = documented.get(name, {}).get('figures', {})
            case_ok = True
            for key, d in diffs.items():
                exp = expected.get(key)
                if exp is None:
                    failures.append(f'{name}: {key}: pflogsumm 1.3.0 {str(d["pflogsumm"])[:300]} != '
                                    f'maillens {str(d["maillens"])[:300]} (undocumented)')
                    case_ok = False
                elif exp['pflogsumm'] != d['pflogsumm'] or exp['maillens'] != d['maillens']:
                    failures.append(f'{name}: {key}: documented difference changed: pflogsumm 1.3.0 '
                                    f'{str(d["pflogsumm"])[:300]} / maillens {str(d["maillens"])[:300]}')
                    case_ok = False
            for key in expected:
                if key not in diffs:
                    failures.append(f'{name}: {key}: documented difference no longer occurs')
                    case_ok = False
            if diffs:
                found[name] = {'figures': diffs}
            else:
                equal.append(name)
            ok += case_ok
    if args.write_diffs:
        print(json.dumps(found, indent=1, sort_keys=True))
    for f in failures:
        print('FAIL ' + f)
    n_default = sum(1 for n in equal if not n.endswith(' +options'))
    print(f'pflogsumm 1.3.0 conformance with {" ".join(extra)}: '
          f'{len(equal) - n_default} of {len(cases)} cases equal')
    print(f'pflogsumm 1.3.0 conformance: {n_default} of {len(cases)} cases equal; '
          f'{ok} of {total} runs as documented, {total - ok} failed')
    return 0 if not failures else 1


if __name__ == '__main__':
    sys.exit(main())
