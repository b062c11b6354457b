#!/usr/bin/env python3
"""search_equality.py - `trace --qid X --search` equals the full read.

`maillens trace --qid X --search` on plain files finds the message's lines
(and its hops' and smtpd session's) by literal search and parses only those
(src/trace/search.h); without --search it reads and parses every line. For every
corpus log of the pflogsumm conformance run (../shared/corpora, the project's
own minimal logs, a generated log split into a rotated pair), and for many
queue IDs of each - every ID named in a hop ("queued as", notices,
proxy-accept), and an even sample of the rest - both must print the same
bytes (JSON and text) with the same exit status, and the search path must
really be taken (--stats says "searched") on plain files. A compressed input
is read whole (--stats says "read every line") and still gives the same.
KNOWN lists the cases where the two differ, each with its cause: the
assembler releases a message by its clock and event count, and the search
feeds it fewer lines, so a release can come later (doc/trace.md). Those may
differ (the e2e one does not in every run); no other case may.

Usage: search_equality.py MAILLENS SHARED_DIR [LOGGEN]
"""
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'conformance'))
from pflogsumm_compare import corpus_cases, difference_cases  # noqa: E402

QID = re.compile(rb'\]: (?:warning: )?([0-9A-F]{5,12}|[0-9B-DF-HJ-NP-TV-Zb-df-hj-np-tv-z]{10,20}): ')
HOP = re.compile(rb'(?:queued as|notification: |orig_queue_id=) ?([0-9A-Za-z]{5,20})')
SAMPLE = 30
KNOWN = {
    # one queue ID on two lines years apart (jumbled test lines): the full read's
    # clock released the first message before the second line; the search's did not
    ('postfix_exporter', 'AAB4D259B1'),
    # a bounce notice whose parent (from pickup, orig_id=) is released at a
    # different point: the full read names it as the notice's parent, the search does not
    ('e2e-sample', 'A49BAA72026'),
}


def qids_of(files):
    ids, hops = [], []
    for f in files:
        data = gzip.open(f).read() if f.endswith('.gz') else open(f, 'rb').read()
        for line in data.split(b'\n'):
            m = QID.search(line)
            if m:
                ids.append(m.group(1).decode())
            h = HOP.search(line)
            if h and m:
                hops += [m.group(1).decode(), h.group(1).decode()]
    ids = list(dict.fromkeys(ids))
    step = max(1, len(ids) // SAMPLE)
    return list(dict.fromkeys(hops[:40] + ids[::step]))


def run(ml, args):
    p = subprocess.run([ml, 'trace', '--stats', '--quiet'] + args, capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode(errors='replace')


def main():
    ml, shared = sys.argv[1], sys.argv[2]
    loggen = sys.argv[3] if len(sys.argv) > 3 else ''
    work = tempfile.mkdtemp()
    try:
        cases = [(n, fs) for n, fs, _ in corpus_cases(os.path.join(shared, 'corpora')) + difference_cases()]
        if loggen and os.path.exists(loggen):
            gen = os.path.join(work, 'gen.log')
            subprocess.run([loggen, '--size', '3M', '--seed', '11', '--days', '2', '-o', gen], check=True)
            lines = open(gen, 'rb').read().split(b'\n')
            half = len(lines) // 2
            open(os.path.join(work, 'mail.log.1'), 'wb').write(b'\n'.join(lines[:half]) + b'\n')
            open(os.path.join(work, 'mail.log'), 'wb').write(b'\n'.join(lines[half:]))
            # newest first on purpose: the search reads files in OrderInputs' order too
            cases.append(('generated-rotated', [os.path.join(work, 'mail.log'), os.path.join(work, 'mail.log.1')]))
        else:
            print('FAIL: log generator not built')
            return 1
        failures, compared, searched = 0, 0, 0
        known_seen = set()
        for name, files in cases:
            if any(f.endswith('.gz') for f in files):
                # the compressed original: read whole; a plain copy: searched
                plain = []
                for f in files:
                    if f.endswith('.gz'):
                        p = os.path.join(work, name + '-' + os.path.basename(f)[:-3])
                        with gzip.open(f) as src, open(p, 'wb') as dst:
                            shutil.copyfileobj(src, dst)
                        plain.append(p)
                    else:
                        plain.append(f)
                variants = [(name + ' (.gz)', files, False), (name, plain, True)]
            else:
                variants = [(name, files, True)]
            ids = qids_of(files)
            for vname, vfiles, want_search in variants:
                for i, q in enumerate(ids if want_search else ids[:3]):
                    fmts = ['json', 'text'] if i < 3 else ['json']
                    for fmt in fmts:
                        a = run(ml, ['--qid', q, '--format', fmt, '--search'] + vfiles)
                        b = run(ml, ['--qid', q, '--format', fmt] + vfiles)
                        compared += 1
                        if 'read every line' not in b[2]:
                            print(f'FAIL {vname} {q}: without --search, not every line was read: {b[2].strip()}')
                            failures += 1
                        took = 'searched' in a[2]
                        searched += took
                        if took != want_search:
                            print(f'FAIL {vname} {q}: search taken={took}, want {want_search}: {a[2].strip()}')
                            failures += 1
                        same = a[0] == b[0] and a[1] == b[1]
                        if (vname, q) in KNOWN:
                            # allowed to differ (it does not always: release timing)
                            if not same:
                                known_seen.add((vname, q))
                            continue
                        if not same:
                            failures += 1
                            print(f'FAIL {vname} --qid {q} --format {fmt}: exit {a[0]} vs {b[0]}')
                            al, bl = a[1].decode(errors='replace').split('\n'), b[1].decode(errors='replace').split('\n')
                            for k in range(max(len(al), len(bl))):
                                x = al[k] if k < len(al) else '<none>'
                                y = bl[k] if k < len(bl) else '<none>'
                                if x != y:
                                    print(f'     search: {x[:200]}\n     full:   {y[:200]}')
                                    break
            print(f'ok   {name}: {len(ids)} queue IDs')
        print(f'{compared} comparisons, {searched} by search, {len(known_seen)} known differences, {failures} failures')
        return 1 if failures or searched == 0 else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
