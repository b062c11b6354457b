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
--problems-first); its cases are named "LOG +options". A third pass ("LOG
+adds") runs the options that only add output (--pscrn-stats, --rej-add-to,
--rej-add-from, --expired-detail, --pscrn-detail) with --detail 3, so the
listings are cut ("(top 3 of nn)").

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
    # 1.3.0's Grand Totals: received can go below zero, labels may hold parentheses.
    gt_row = re.compile(r'^ +(-?\d+[ km]) +([a-z /()]+?)(?: \(\d+%\))?(?:  \((\d+[ km]?) deferrals\))?$')
    out = {'title': text.split('\n', 1)[0]}
    out.update(pc.parse_report(text, GT13, gt_row))
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


LEAF_COUNT = re.compile(r'^ *(\d+)[ km] ')


def cut_ties(rows, titles, name):
    """Rows of a cut listing ("(top N of M)") that tie with its last shown
    count, as "(N-way tie at C)": pflogsumm 1.3.0 orders ties by
    normalize_host() and then by Perl's random hash order, so which of them
    are shown is not fixed. Returns (rows, changed)."""
    def leaf(r):
        return r.rsplit(' | ', 1)[-1]
    groups = {}
    for r in rows:
        prefix = r.rsplit(' | ', 1)[0] if ' | ' in r else ''
        groups.setdefault(prefix, []).append(r)
    whole_cut = any(base_name(t) == name and '(top ' in t for t in titles)
    out, changed = [], False
    for prefix, rs in groups.items():
        if not ('(top ' in prefix or (prefix == '' and whole_cut)):
            out += rs
            continue
        counts = [int(m.group(1)) for m in (LEAF_COUNT.match(leaf(r)) for r in rs) if m]
        if not counts:
            out += rs
            continue
        low = min(counts)
        tied = [r for r in rs if (LEAF_COUNT.match(leaf(r)) or [0, -1])[1] == str(low)]
        out += [r for r in rs if r not in tied] + [f'{prefix} | ({len(tied)}-way tie at {low})']
        changed = True
    return out, changed


def compare(pf_out, ml_out, ties_at_cut=False):
    diffs = {}
    pf, ml = parse_totals(pf_out), parse_totals(ml_out)
    for key in sorted(set(pf) | set(ml)):
        if pf.get(key) != ml.get(key):
            diffs[key] = {'pflogsumm': pf.get(key), 'maillens': ml.get(key)}
    ps, ms = parse_sections(pf_out), parse_sections(ml_out)

    def adjust(key, prow, pcanon, mrow, mcanon):
        if ties_at_cut:
            prow, pc_changed = cut_ties(prow, ps['sections'], key[4:])
            mrow, mc_changed = cut_ties(mrow, ms['sections'], key[4:])
            if pc_changed or mc_changed:
                pcanon = mcanon = None  # the order is checked by the other passes
        return prow, pcanon, mrow, mcanon

    diffs.update(pc.diff_sections(ps, ms, adjust))
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
    # The third pass: 1.3.0's options that only add output, and short listings
    # ("(top nn of nn)").
    adds = ['-e', '--smtpd-stats', '--detail', '3', '--pscrn-stats', '--rej-add-to', '--rej-add-from',
            '--expired-detail', '2', '--pscrn-detail', '2']
    for suffix, options in (('', opts), (' +options', opts + extra), (' +adds', adds)):
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
            diffs = compare(pf_out, ml_out, ties_at_cut=suffix == ' +adds')
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
    n_default = sum(1 for n in equal if not n.endswith(' +options') and not n.endswith(' +adds'))
    print(f'pflogsumm 1.3.0 conformance with {" ".join(extra)}: '
          f'{sum(1 for n in equal if n.endswith(" +options"))} of {len(cases)} cases equal')
    print(f'pflogsumm 1.3.0 conformance with {" ".join(adds)}: '
          f'{sum(1 for n in equal if n.endswith(" +adds"))} of {len(cases)} cases equal')
    print(f'pflogsumm 1.3.0 conformance: {n_default} of {len(cases)} cases equal; '
          f'{ok} of {total} runs as documented, {total - ok} failed')
    return 0 if not failures else 1


if __name__ == '__main__':
    sys.exit(main())
