#!/bin/bash
# completion_test.sh - the bash completion (packaging/completions/maillens.bash)
# completes subcommands, each subcommand's options (read from its --help) and
# file names, against the built binary; the zsh one at least parses (zsh -n)
# when zsh is installed.
# Usage: completion_test.sh MAILLENS SOURCE_DIR
set -euo pipefail
bin=$(dirname "$(realpath "$1")"); src=$2
export PATH="$bin:$PATH"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
touch "$tmp/mail.log.1"
# shellcheck source=/dev/null
source "$src/packaging/completions/maillens.bash"
complete_words() {  # complete_words WORD... : COMPREPLY for the last word
  COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
  _maillens
  printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
check() {  # check EXPECTED WORD...
  local want=$1; shift
  local got; got=$(complete_words "$@")
  [ "$got" = "$want" ] || { echo "FAIL: '$*' completed to '$got', want '$want'"; exit 1; }
}
check "report reputation " maillens rep
check "pflogsumm " maillens pfl
check "--ignore-case " maillens report --ign
check "--listen " maillens serve --lis
check "--qid " maillens trace --qi
check "--dedupe-content-filter --deferral-detail --detail " maillens report --de
check "$tmp/mail.log.1 " maillens report "$tmp/mail.l"
if command -v zsh >/dev/null; then
  zsh -n "$src/packaging/completions/_maillens" || { echo "FAIL: zsh completion does not parse"; exit 1; }
fi
echo "PASS: bash completion"
