#!/usr/bin/env python3
"""check_export.py - `maillens export` against `maillens report`, and every
format against the others.

For each log (the bundled samples, the conformance and difference logs, every
log of ../shared/corpora, and generated logs when the generator is given):

1. Counts: the rows of `export --format jsonl` give the report's Grand Totals
   (`report --format json`), by the rules of doc/schema.md ("The report's
   totals"): received, delivered, forwarded, deferred, deferrals, bounced,
   rejected, reject warnings, held, discarded.
2. CSV: `export --format csv` parsed with Python's csv module has the same
   header as the schema and the same cells as the JSON lines (null as empty,
   booleans as 1/0, a cell starting with = + - @ tab or CR with a leading ');
   the file is UTF-8.
3. SQLite: `export --format sqlite` read back with the sqlite3 command line
   tool has the four tables with the schema's columns, an index on every
   indexed column, and as many rows as the JSON lines of each kind.

A crafted hostile log (formula cells, quotes, commas, CR, tabs, control
characters, invalid UTF-8) goes through all three as well.

Usage: check_export.py --maillens BIN --shared DIR [--loggen BIN]
Exit status 0 when everything matches, 1 otherwise.
"""
import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'conformance'))
from pflogsumm_compare import corpus_cases, difference_cases  # noqa: E402

KINDS = ['messages', 'deliveries', 'rejects', 'connections']
CLEANUP_COUNTED = ('header', 'body', 'END-OF-MESSAGE')  # the stages pflogsumm counts for cleanup
FORMULA = ('=', '+', '-', '@', '\t', '\r')

failures = []


def fail(case, what):
    failures.append(f'{case}: {what}')
    print(f'FAIL {case}: {what}')


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def export_rows(ml, files, kind, fmt):
    r = run([ml, 'export', '--records', kind, '--format', fmt] + files)
    return r.returncode, r.stdout


def expected_totals(rows):
    """The report's Grand Totals as doc/schema.md derives them from the records."""
    m, d, j = rows['messages'], rows['deliveries'], rows['rejects']

    def counted(r, actions, cleanup_actions=None):
        if r['daemon'] == 'cleanup':
            return r['action'] in (cleanup_actions or actions) and r['stage'] in CLEANUP_COUNTED
        return r['action'] in actions
    sent = [r for r in d if r['status'] == 'sent']
    return {
        'received': sum(1 for r in m if r['origin'] in ('smtpd', 'pickup')),
        'delivered': sum(1 for r in sent if 'forwarded as ' not in r['reason']),
        'forwarded': sum(1 for r in sent if 'forwarded as ' in r['reason']),
        'deferred': sum(1 for r in m if r['deferred'] > 0),
        'deferrals': sum(1 for r in d if r['status'] == 'deferred'),
        'bounced': sum(1 for r in d if r['status'] == 'bounced'),
        'rejected': sum(1 for r in j if counted(r, ('reject', 'milter-reject'))),
        'reject_warnings': sum(1 for r in j if counted(r, ('reject_warning',), ('warning',))),
        'held': sum(1 for r in j if counted(r, ('hold', 'milter-hold'))),
        'discarded': sum(1 for r in j if counted(r, ('discard', 'milter-discard'))),
    }


def csv_cell(v):
    """What the CSV cell of JSON value v reads back as."""
    if v is None:
        return ''
    if v is True:
        return '1'
    if v is False:
        return '0'
    if isinstance(v, str):
        return "'" + v if v.startswith(FORMULA) else v
    return str(v)


def schema_columns(ml, kind):
    """Column names from the CSV header of an empty export."""
    r = run([ml, 'export', '--records', kind, '--format', 'csv', '/dev/null'])
    return r.stdout.decode().rstrip('\r\n').split(',')


def check_csv(case, kind, jsonl_rows, data, columns):
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as e:
        fail(case, f'{kind} CSV is not UTF-8: {e}')
        return
    rows = list(csv.reader(io.StringIO(text, newline='')))
    if not rows or rows[0] != columns:
        fail(case, f'{kind} CSV header {rows[:1]} != schema {columns}')
        return
    body = rows[1:]
    if len(body) != len(jsonl_rows):
        fail(case, f'{kind}: {len(body)} CSV rows, {len(jsonl_rows)} JSON lines')
        return
    for n, (c, j) in enumerate(zip(body, jsonl_rows)):
        want = [csv_cell(j[k]) for k in columns]
        if c != want:
            diff = [(k, a, b) for k, a, b in zip(columns, c, want) if a != b]
            fail(case, f'{kind} row {n + 1}: CSV != JSON lines: {diff[:3]}')
            return
        for k, cell in zip(columns, c):
            if cell.startswith(FORMULA):
                fail(case, f'{kind} row {n + 1}: formula cell {k}={cell!r}')
                return


def sqlite(db, sql):
    r = run(['sqlite3', '-batch', '-noheader', db, sql])
    if r.returncode != 0:
        raise RuntimeError(r.stderr.decode())
    return r.stdout.decode().split('\n')[:-1]


def check_sqlite(case, ml, files, counts, columns_of, work):
    db = os.path.join(work, 'out.db')
    r = run([ml, 'export', '--format', 'sqlite', '-o', db] + files)
    if r.returncode not in (0, 1) or not os.path.exists(db):
        fail(case, f'sqlite export exit {r.returncode}: {r.stderr.decode()[:200]}')
        return
    tables = sqlite(db, "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
    if tables != sorted(KINDS):
        fail(case, f'sqlite tables {tables}')
        return
    for kind in KINDS:
        cols = [line.split('|')[1] for line in sqlite(db, f'PRAGMA table_info("{kind}")')]
        if cols != columns_of[kind]:
            fail(case, f'sqlite {kind} columns {cols} != {columns_of[kind]}')
        n = int(sqlite(db, f'SELECT count(*) FROM "{kind}"')[0])
        if n != counts[kind]:
            fail(case, f'sqlite {kind}: {n} rows, JSON lines {counts[kind]}')
    indexes = set(sqlite(db, "SELECT name FROM sqlite_master WHERE type='index'"))
    for want in ('idx_deliveries_queue_id', 'idx_deliveries_message_id', 'idx_deliveries_from', 'idx_deliveries_to',
                 'idx_deliveries_time', 'idx_messages_queue_id', 'idx_messages_message_id', 'idx_messages_from',
                 'idx_messages_first_seen', 'idx_rejects_time', 'idx_rejects_from', 'idx_rejects_to',
                 'idx_rejects_client_addr', 'idx_connections_client_addr', 'idx_connections_connect_time'):
        if want not in indexes:
            fail(case, f'sqlite index {want} missing (have {sorted(indexes)})')
    os.unlink(db)


def check_case(ml, case, files, columns_of, work, totals=True):
    rows, counts = {}, {}
    rc_report = None
    if totals:
        r = run([ml, 'report', '--format', 'json'] + files)
        rc_report = r.returncode
        if r.returncode not in (0, 1):
            fail(case, f'report exit {r.returncode}')
            return
        report = json.loads(r.stdout)['grand_totals']
    for kind in KINDS:
        rc, data = export_rows(ml, files, kind, 'jsonl')
        if rc_report is not None and rc != rc_report:
            fail(case, f'export {kind} exit {rc}, report exit {rc_report}')
        try:
            rows[kind] = [json.loads(line) for line in data.decode('utf-8').splitlines()]
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            fail(case, f'{kind} JSON lines invalid: {e}')
            return
        counts[kind] = len(rows[kind])
        for r in rows[kind]:
            if list(r.keys()) != columns_of[kind]:
                fail(case, f'{kind} keys {list(r.keys())} != schema')
                return
        rc, data = export_rows(ml, files, kind, 'csv')
        check_csv(case, kind, rows[kind], data, columns_of[kind])
    if totals:
        got = expected_totals(rows)
        for k, v in got.items():
            if report[k] != v:
                fail(case, f'{k}: report {report[k]}, from the records {v}')
    check_sqlite(case, ml, files, counts, columns_of, work)
    print(f'ok   {case}: ' + ', '.join(f'{k} {counts[k]}' for k in KINDS))
    return rows


def hostile_log(path):
    """Lines whose attacker-chosen fields hold formula starts, CSV metacharacters and bad bytes."""
    lines = []
    evil = ['=HYPERLINK("http://x","y")', '+1+2', '-2', '@SUM(A1)', 'a,b', 'say "hi"', 'tab\there', 'cr\rhere',
            '\tlead', '\rlead', 'esc\x1b[31m', 'bad\xff\xfeutf8', 'nul?\x01\x02', 'ok\u00e9\u4e2d']
    for n, e in enumerate(evil):
        b = e.encode('utf-8', 'surrogateescape') if '\xff' not in e else e.encode('latin-1')
        qid = f'4A{n:03X}B{n:04X}'.upper()
        helo = b'helo' + b
        lines.append(b'Nov 22 10:00:%02d mx postfix/smtpd[%d]: connect from evil.test[192.0.2.%d]' % (n, 100 + n, n))
        lines.append(b'Nov 22 10:00:%02d mx postfix/smtpd[%d]: NOQUEUE: reject: RCPT from evil.test[192.0.2.%d]: '
                     b'554 5.7.1 <' % (n, 100 + n, n) + b + b'@x.test>: Relay access denied; from=<' + b +
                     b'@evil.test> to=<' + b + b'@x.test> proto=ESMTP helo=<' + helo + b'>')
        lines.append(b'Nov 22 10:00:%02d mx postfix/smtpd[%d]: %s: client=evil.test[192.0.2.%d]' %
                     (n, 100 + n, qid.encode(), n))
        lines.append(b'Nov 22 10:00:%02d mx postfix/cleanup[9]: %s: message-id=<' % (n, qid.encode()) + b + b'>')
        lines.append(b'Nov 22 10:00:%02d mx postfix/qmgr[8]: %s: from=<' % (n, qid.encode()) + b +
                     b'@evil.test>, size=%d, nrcpt=1 (queue active)' % (100 + n))
        lines.append(b'Nov 22 10:00:%02d mx postfix/smtp[7]: %s: to=<' % (n, qid.encode()) + b +
                     b'@x.test>, relay=mx.x.test[198.51.100.1]:25, delay=0.5, delays=0.1/0/0.2/0.2, dsn=5.0.0, '
                     b'status=bounced (host mx.x.test said: 550 ' + b + b' (in reply to RCPT TO command))')
        lines.append(b'Nov 22 10:00:%02d mx postfix/qmgr[8]: %s: removed' % (n, qid.encode()))
        lines.append(b'Nov 22 10:00:%02d mx postfix/smtpd[%d]: disconnect from evil.test[192.0.2.%d] ehlo=1 mail=1 '
                     b'rcpt=1/2 data=1 quit=1 commands=5/6' % (n, 100 + n, n))
    with open(path, 'wb') as f:
        f.write(b'\n'.join(lines) + b'\n')
    return evil


def check_hostile(ml, columns_of, work):
    path = os.path.join(work, 'hostile.log')
    evil = hostile_log(path)
    rows = check_case(ml, 'hostile', [path], columns_of, work)
    if not rows:
        return
    # The values come back (invalid bytes as U+FFFD), and CSV neutralises formulas.
    tos = [r['to'] for r in rows['deliveries']]
    for e in evil:
        want = (e.encode('latin-1').decode('utf-8', 'replace') if '\xff' in e else e) + '@x.test'
        if want not in tos:
            fail('hostile', f'recipient {want!r} not exported as is (have {tos[:3]}...)')
    rc, data = export_rows(ml, [path], 'deliveries', 'csv')
    cells = [row for row in csv.reader(io.StringIO(data.decode('utf-8'), newline=''))][1:]
    col = columns_of['deliveries'].index('to')
    starts = [c[col] for c in cells if c[col].startswith("'")]
    if len(starts) != sum(1 for e in evil if e.startswith(FORMULA)):
        fail('hostile', f'formula cells neutralised: {starts}')


def check_cli(ml, work):
    """Usage errors, output errors, stdin, an existing database replaced."""
    sample = os.path.join(ROOT, 'tests/data/e2e-sample/maillog')

    def expect(name, args, rc, stdin=None):
        r = subprocess.run([ml, 'export'] + args, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != rc:
            fail('cli', f'{name}: exit {r.returncode}, want {rc}; stderr {r.stderr.decode()[:200]!r}')
        elif rc != 0 and not r.stderr:
            fail('cli', f'{name}: no message on stderr')
        else:
            print(f'ok   cli: {name}')
        return r
    expect('sqlite without --output', ['--format', 'sqlite', sample], 2)
    expect('unknown format', ['--format', 'xml', sample], 2)
    expect('unknown record kind', ['--records', 'mails', sample], 2)
    expect('unwritable output', ['-o', os.path.join(work, 'no/such/dir/x.csv'), sample], 2)
    expect('unwritable database', ['--format', 'sqlite', '-o', os.path.join(work, 'no/such/dir/x.db'), sample], 2)
    if os.path.exists('/dev/full'):
        expect('write error (disk full)', ['-o', '/dev/full', sample], 1)
    expect('missing input still exports the rest', [sample, os.path.join(work, 'missing.log')], 1)
    with open(sample, 'rb') as f:
        data = f.read()
    a = expect('stdin', ['--records', 'deliveries'], 0, stdin=data).stdout
    b = expect('file', ['--records', 'deliveries', sample], 0).stdout
    if a != b:
        fail('cli', 'stdin and file exports differ')
    db = os.path.join(work, 'replace.db')
    with open(db, 'w') as f:
        f.write('not a database')
    expect('existing database replaced', ['--format', 'sqlite', '-o', db, sample], 0)
    if sqlite(db, 'SELECT count(*) FROM deliveries') != [str(b.count(b'\n'))]:
        fail('cli', 'replaced database has the wrong rows')
    if os.path.exists(db + '.tmp'):
        fail('cli', 'temporary database left behind')


def generated_cases(loggen, work):
    out = []
    for name, args in (('gen-traditional', ['--size', '3M', '--seed', '7', '--days', '2']),
                       ('gen-rfc3339', ['--size', '2M', '--seed', '8', '--rfc3339']),
                       ('gen-longqid', ['--size', '2M', '--seed', '9', '--long-queue-ids'])):
        p = os.path.join(work, name + '.log')
        subprocess.run([loggen] + args + ['-o', p], check=True)
        out.append((name, [p]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--maillens', required=True)
    ap.add_argument('--shared', required=True)
    ap.add_argument('--loggen')
    args = ap.parse_args()
    ml = args.maillens
    columns_of = {k: schema_columns(ml, k) for k in KINDS}
    with tempfile.TemporaryDirectory() as work:
        cases = [('realpostfix-sample', [os.path.join(ROOT, 'tests/data/realpostfix-sample/maillog')])]
        cases += [(name, files) for name, files, _ in difference_cases()]
        cases += [(name, files) for name, files, _ in corpus_cases(os.path.join(args.shared, 'corpora'))]
        if args.loggen and os.access(args.loggen, os.X_OK):
            cases += generated_cases(args.loggen, work)
        for name, files in cases:
            check_case(ml, name, files, columns_of, work)
        check_hostile(ml, columns_of, work)
        check_cli(ml, work)
    if failures:
        print(f'{len(failures)} failures')
        return 1
    print('all export checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
