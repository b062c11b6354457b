#!/usr/bin/env bash
# error_paths.sh MAILLENS SHARED_DIR - every mistake a new user makes gets an
# error that tells the truth: a missing, unreadable or directory input is named
# on stderr with the fix, the exit code is non-zero and stdout stays empty (no
# all-zero report that looks like a quiet day); a partly readable input set
# still gets its report plus a line naming what was skipped. Unknown
# subcommands and options get "did you mean"; trace without a match exits 1;
# qshape refuses unknown queue names; report -d that matches nothing says
# which dates the input covers; serve on an unreadable file says "permission
# denied". Permission tests run the binary as nobody (setpriv), since CI is root.
set -uo pipefail
ml=$(readlink -f "$1") shared=$2
sample=$shared/corpora/realpostfix-sample/maillog
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -s "$work/err" ] && sed 's/^/     stderr: /' "$work/err" | head -5; }

# run ARGS...: runs maillens; $rc, $work/out, $work/err.
run() { "$ml" "$@" > "$work/out" 2> "$work/err"; rc=$?; }
# expect NAME RC STDERR_TEXT [stdout-empty|stdout-full]: checks the last run.
expect() {
  local name=$1 want_rc=$2 text=$3 stdout=${4:-stdout-empty} why=""
  [ "$rc" = "$want_rc" ] || why="exit $rc, want $want_rc; "
  grep -qF -- "$text" "$work/err" || why+="stderr lacks '$text'; "
  if [ "$stdout" = stdout-empty ]; then [ -s "$work/out" ] && why+="stdout not empty; "
  else [ -s "$work/out" ] || why+="stdout empty; "; fi
  if [ -z "$why" ]; then ok "$name"; else bad "$name: $why"; fi
}

missing=$work/no-such-mail.log
mkdir -p "$work/logdir"
cp "$sample" "$work/mail.log"
for cmd in report accounts reputation metrics trace export; do
  extra=(--year 2026)
  [ "$cmd" = metrics ] && extra=()
  [ "$cmd" = trace ] && extra+=(--qid 4C9B4A0B6C)
  [ "$cmd" = export ] && extra+=(--format jsonl)
  run "$cmd" "${extra[@]}" "$missing"
  expect "$cmd, missing input: exit 1, named, no report" 1 "no-such-mail.log: no such file"
  grep -qF "no input could be read" "$work/err" && ok "$cmd, missing input: says nothing is reported" \
    || bad "$cmd, missing input: says nothing is reported"
  run "$cmd" "${extra[@]}" "$work/logdir"
  expect "$cmd, directory input: exit 1, named, no report" 1 "logdir: is a directory"
done
run watch --once --no-queue "$missing"
expect "watch --once, missing input: exit 1, no frame" 1 "no-such-mail.log: no such file"
run watch --once --no-queue "$work/logdir"
expect "watch --once, directory: exit 1, no frame" 1 "logdir: is a directory"

# some input read: the report, and a line naming the skipped input
run report --year 2026 "$missing" "$work/mail.log"
expect "report, one of two missing: exit 1, report printed" 1 "read 1 of 2 inputs; skipped $missing" stdout-full
run metrics "$missing" "$work/mail.log"
expect "metrics, one of two missing: exit 1, metrics printed" 1 "read 1 of 2 inputs; skipped" stdout-full
run watch --once --no-queue "$missing" "$work/mail.log"
expect "watch --once, one of two missing: exit 1, frame printed" 1 "read 1 of 2 inputs" stdout-full

# permission denied, as an unprivileged user: which group to join
if setpriv --reuid=nobody --regid=nogroup --clear-groups true 2> /dev/null; then
  asnobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
  cp "$sample" "$work/adm.log" && chgrp adm "$work/adm.log" && chmod 640 "$work/adm.log"
  cp "$sample" "$work/root.log" && chmod 600 "$work/root.log"
  asnobody "$ml" report "$work/adm.log" > "$work/out" 2> "$work/err"; rc=$?
  expect "report, unreadable (group adm): exit 1, no report" 1 "adm.log: permission denied"
  expect "  ... says which group to join" 1 "readable by group adm: join it with \`sudo usermod -aG adm"
  asnobody "$ml" report "$work/root.log" > "$work/out" 2> "$work/err"; rc=$?
  expect "report, unreadable (owner only): names the owner" 1 "only its owner root may read it"
  asnobody "$ml" accounts "$work/adm.log" > "$work/out" 2> "$work/err"; rc=$?
  expect "accounts, unreadable: exit 1, no report" 1 "permission denied (readable by group adm"
  asnobody "$ml" watch --once --no-queue "$work/adm.log" > "$work/out" 2> "$work/err"; rc=$?
  expect "watch --once, unreadable: exit 1, no frame" 1 "permission denied (readable by group adm"
  # serve: an existing but unreadable file is "permission denied", not "not there yet"
  asnobody timeout 3 "$ml" serve --listen 127.0.0.1:0 --no-queue --checkpoint "$work/cp-nobody" \
    "$work/adm.log" > "$work/out" 2> "$work/err"
  rc=0
  if grep -q "adm.log: permission denied" "$work/err" && ! grep -q "not there yet" "$work/err"; then
    ok "serve, unreadable file: permission denied, not 'not there yet'"
  else bad "serve, unreadable file: permission denied, not 'not there yet'"; fi
  grep -q "join group adm" "$work/err" && ok "  ... says which group to join" || bad "  ... says which group to join"
else
  echo "skip permission tests: cannot drop privileges with setpriv here"
fi
timeout 3 "$ml" serve --listen 127.0.0.1:0 --no-queue --checkpoint "$work/cp" "$missing" > "$work/out" 2> "$work/err"
grep -q "no-such-mail.log: not there yet" "$work/err" && ok "serve, missing file: still 'not there yet'" \
  || bad "serve, missing file: still 'not there yet'"

# subcommands and options
run repot "$sample"
expect "unknown subcommand: exit 2, did you mean" 2 'unknown command "repot"; did you mean "report"?'
run
expect "bare maillens: exit 2, lists the subcommands" 2 "report"
grep -q "reputation" "$work/err" && ok "  ... all of them" || bad "  ... all of them"
run report --formt json "$sample"
expect "option typo: exit 2, did you mean" 2 "did you mean --format (not --formt)?"
run trace --qid 4C9B4A0B6C --sinse 1h "$sample"
expect "trace option typo: did you mean --since" 2 "did you mean --since"

# trace without a match: grep's convention
run trace --year 2026 --qid NOSUCHQID "$sample"
expect "trace, no match: exit 1, said on stderr" 1 "no message matched"

# qshape: unknown queue name
printf '' > "$work/empty.json"
run qshape --input "$work/empty.json" deffered
expect "qshape, unknown queue: exit 2, did you mean" 2 'unknown queue "deffered"; did you mean deferred?'

# report -d matching nothing: which dates the input covers
run report --year 2026 -d 2020-01-01 "$sample"
expect "report -d outside the input: says what it covers" 0 "no line of 2020-01-01 in the input; it covers 2026-" stdout-full

# --version: the release, the git revision built from, what inputs it reads.
"$ml" --version > "$work/out" 2>&1
src_rev=$(git -C "$(dirname "$0")" rev-parse --short=12 HEAD 2> /dev/null || echo none)
head -1 "$work/out" | grep -qE "^maillens [0-9]+\.[0-9]+\.[0-9]+ \(git ${src_rev}(-dirty)?\)$" \
  && grep -q "^inputs: .*gzip.*zstd.*journal" "$work/out" \
  && ok "--version names release, git revision $src_rev and inputs" || bad "--version: $(head -2 "$work/out")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
