#!/usr/bin/env python3
"""check_prune.py - `maillens prune` and the ClickHouse statements of prune and forget.

Usage: check_prune.py --maillens BIN

With the clock pinned (--now), on a guard state file (`guard --state`):
--dry-run says what would go and changes nothing; the run removes exactly
the failures and ended bans older than --older-than (and the ban counts of
addresses with nothing left), keeps running bans. The ClickHouse statements
that `prune --dry-run` and `forget --dry-run` print (without a server) are
the expected ALTER TABLE ... DELETE ones. Usage errors exit 2.
Exit 0 when all hold; prints each failure.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_anonymize import fail, verdict  # noqa: E402

NOW = 1795000000            # --now (2026-11-18T...Z)
BEFORE = NOW - 30 * 86400   # --older-than 30d

STATE = ('guard-state 1\n'
         'T 192.0.2.1 100 200 3\n'
         'T 192.0.2.2 %d %d 2\n'
         'B 192.0.2.3 100 700 5 1\n'
         'A 192.0.2.4 100 -1 5 1\n'
         'B 192.0.2.5 %d %d 5 2\n'
         'N 192.0.2.1 2\n'
         'N 192.0.2.3 1\n'
         'N 192.0.2.4 1\n'
         'N 192.0.2.5 2\n') % (BEFORE - 10, BEFORE + 10, BEFORE - 100, BEFORE + 100)
KEPT = {'T 192.0.2.2 %d %d 2' % (BEFORE - 10, BEFORE + 10), 'A 192.0.2.4 100 -1 5 1',
        'B 192.0.2.5 %d %d 5 2' % (BEFORE - 100, BEFORE + 100), 'N 192.0.2.4 1', 'N 192.0.2.5 2', 'guard-state 1'}

PRUNE_SQL = [
    'ALTER TABLE `maillens`.`messages` DELETE WHERE `last_seen` < toDateTime(%d);' % BEFORE,
    'ALTER TABLE `maillens`.`deliveries` DELETE WHERE `time` < toDateTime(%d);' % BEFORE,
    'ALTER TABLE `maillens`.`rejects` DELETE WHERE `time` < toDateTime(%d);' % BEFORE,
    'ALTER TABLE `maillens`.`connections` DELETE WHERE ifNull(`disconnect_time`, `connect_time`) < toDateTime(%d);'
    % BEFORE,
]
FORGET_USER_SQL = [
    "ALTER TABLE `m2`.`messages` DELETE WHERE lower(`sasl_user`) = 'webmaster';",
    "ALTER TABLE `m2`.`deliveries` DELETE WHERE lower(`sasl_user`) = 'webmaster';",
    "ALTER TABLE `m2`.`connections` DELETE WHERE lower(`sasl_user`) = 'webmaster';",
]


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ, TZ='UTC'))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--maillens', required=True)
    args = ap.parse_args()
    ml = args.maillens
    tmp = tempfile.mkdtemp(prefix='check-prune-')
    try:
        state = os.path.join(tmp, 'guard.state')
        with open(state, 'w') as f:
            f.write(STATE)
        base = [ml, 'prune', '--older-than', '30d', '--now', str(NOW), '--guard-state', state]
        r = run(base + ['--dry-run'])
        if r.returncode != 0 or b'4 guard records' not in r.stdout or b'would go' not in r.stdout:
            fail('prune --dry-run: exit %d, %r' % (r.returncode, r.stdout))
        if open(state).read() != STATE:
            fail('prune --dry-run changed the state file')
        r = run(base)
        if r.returncode != 0 or b'4 guard records' not in r.stdout:
            fail('prune: exit %d, %r %r' % (r.returncode, r.stdout, r.stderr))
        got = set(open(state).read().splitlines())
        if got != KEPT:
            fail('prune kept %s, want %s' % (sorted(got), sorted(KEPT)))
        r = run(base)
        if r.returncode != 0 or b'0 guard records' not in r.stdout:
            fail('prune again: %r' % r.stdout)
        # ClickHouse statements, printed without a server
        r = run([ml, 'prune', '--older-than', '30d', '--now', str(NOW), '--clickhouse', 'http://127.0.0.1:9',
                 '--dry-run'])
        if r.returncode != 0 or r.stdout.decode().splitlines() != PRUNE_SQL:
            fail('prune --clickhouse --dry-run printed %r' % r.stdout.decode())
        r = run([ml, 'forget', 'WebMaster', '--clickhouse', 'http://127.0.0.1:9', '--database', 'm2', '--dry-run'])
        if r.returncode != 0 or r.stdout.decode().splitlines() != FORGET_USER_SQL:
            fail('forget USER --clickhouse --dry-run printed %r' % r.stdout.decode())
        r = run([ml, 'forget', "o'hara@example.org", '--clickhouse', 'http://127.0.0.1:9', '--dry-run'])
        out = r.stdout.decode()
        for want in ("lower(`to`) = 'o\\'hara@example.org'", "positionCaseInsensitive(`from`, 'o\\'hara=example.org@')",
                     "positionCaseInsensitive(`orig_to`, '=example.org=o\\'hara@')",
                     "positionCaseInsensitive(`reason`, 'o\\'hara@example.org')", "lower(`sasl_user`) = "):
            if want not in out:
                fail('forget ADDRESS --clickhouse --dry-run: no %s in %r' % (want, out))
        r = run([ml, 'forget', '192.0.2.7', '--clickhouse', 'http://127.0.0.1:9', '--dry-run'])
        out = r.stdout.decode()
        for want in ("`client_addr` = '192.0.2.7'", "position(`client`, '[192.0.2.7]') > 0",
                     "match(`reason`, '(^|[^0-9A-Fa-f.:])192\\\\.0\\\\.2\\\\.7([^0-9A-Fa-f:]|\\\\.[^0-9]|$)')"):
            if want not in out:
                fail('forget IP --clickhouse --dry-run: no %s in %r' % (want, out))
        if 'sasl_user' in out or len(out.splitlines()) != 4:
            fail('forget IP --clickhouse --dry-run: %r' % out)
        # usage errors
        for cmd in ([ml, 'prune', '--older-than', '30d'], [ml, 'prune', '--older-than', 'soon', '--guard-state', state],
                    [ml, 'forget', 'a b@example.org', '--clickhouse', 'http://127.0.0.1:9', '--dry-run'],
                    [ml, 'forget', 'x@example.org', '--clickhouse', 'ftp://127.0.0.1:9', '--dry-run']):
            r = run(cmd)
            if r.returncode != 2:
                fail('%s: exit %d, want 2' % (' '.join(cmd[1:]), r.returncode))
        r = run([ml, 'prune', '--older-than', '30d', '--guard-state', os.path.join(tmp, 'none')])
        if r.returncode != 1:
            fail('prune of a missing state file: exit %d, want 1' % r.returncode)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return verdict('check_prune')


if __name__ == '__main__':
    sys.exit(main())
