# maillens(1) completion for bash - subcommands and options are read from
# `maillens --help` and `maillens SUBCOMMAND --help` when completing, so they
# never go stale; everything else completes as file names.
_maillens() {
  local cur=${COMP_WORDS[COMP_CWORD]} cmd="${COMP_WORDS[0]}" sub="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      -*) ;;
      *) sub=${COMP_WORDS[i]}; break ;;
    esac
  done
  if [[ -z $sub && $cur != -* ]]; then
    local subs
    subs=$("$cmd" --help 2>/dev/null | sed -n '/^Subcommands:/,$s/^  \([a-z][a-z0-9-]*\) .*/\1/p')
    COMPREPLY=($(compgen -W "$subs pflogsumm" -- "$cur"))
    return
  fi
  if [[ $cur == -* ]]; then
    local opts
    opts=$("$cmd" ${sub:+"$sub"} --help 2>/dev/null | grep -oE -- '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9._-]*' | tr -d ' ,' | sort -u)
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _maillens maillens
