#!/bin/bash
# deb_test.sh - the Debian package, installed into a fresh Debian 12 root.
#
# Builds maillens_VERSION_amd64.deb (`cmake --build BUILD --target package`),
# checks it with lintian (no errors, no warnings), debootstraps a minimal
# bookworm root (no compiler, no build tools), installs the package there with
# apt (so Depends must be right), and checks: `maillens report` on the bundled
# sample prints what the build tree's binary prints; maillens-pflogsumm and the
# `pflogsumm` alternative run; the system user is in group adm; the config is
# a conffile; `systemd-analyze verify` accepts the installed unit; then a
# purge leaves no file, user, alternative or state behind.
# Needs root (debootstrap, chroot) and Debian's mirror; skipped (77) only
# when not root or debootstrap is missing.
# Usage: deb_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(realpath "$1"); src=$(realpath "$2")
[ "$(id -u)" -eq 0 ] || { echo "not root: skipped"; exit 77; }
command -v debootstrap >/dev/null || { echo "debootstrap missing: skipped"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

echo "== package"
cmake --build "$build" --target package > "$build/deb_test_package.log" 2>&1 || { cat "$build/deb_test_package.log"; fail "package target"; }
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
deb="$build/maillens_${version}_amd64.deb"
[ -f "$deb" ] || fail "$deb not built"
dpkg-deb -I "$deb" | sed -n 's/^ Depends: /Depends: /p'

echo "== lintian"
lint=$(lintian --fail-on none "$deb" 2>&1 | grep -v '^running with root privileges' || true)
echo "${lint:-(nothing)}"
if grep -qE '^[EW]: ' <<<"$lint"; then fail "lintian reports errors or warnings"; fi

# A minimal bookworm root, made once per build tree and copied for each run.
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p; s/^deb \(http[^ ]*debian\) bookworm .*/\1/p' \
  /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
base="$build/debroot-base"
if [ ! -x "$base/usr/bin/apt-get" ]; then
  echo "== debootstrap bookworm from $mirror"
  rm -rf "$base"
  debootstrap --variant=minbase bookworm "$base" "$mirror" > "$build/deb_test_debootstrap.log" 2>&1 \
    || { tail -20 "$build/deb_test_debootstrap.log"; fail "debootstrap"; }
fi
root=$(mktemp -d "$build/debroot.XXXXXX")
cleanup() {
  umount "$root/proc" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT
[ -n "${DEB_TEST_KEEP:-}" ] && trap - EXIT
cp -a "$base/." "$root/"
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"; chmod +x "$root/usr/sbin/policy-rc.d"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
  DEBIAN_FRONTEND=noninteractive "$@"; }
for tool in cc gcc g++ c++ cmake make ninja; do
  in_root sh -c "command -v $tool" >/dev/null && fail "the fresh root has $tool"
done

echo "== apt install ./$(basename "$deb")"
cp "$deb" "$root/tmp/"
cp "$src/tests/data/realpostfix-sample/maillog" "$root/tmp/maillog"
in_root apt-get update -qq > /dev/null || fail "apt-get update in the root"
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$deb")" > "$build/deb_test_install.log" 2>&1 \
  || { tail -20 "$build/deb_test_install.log"; fail "apt-get install"; }

echo "== installed"
in_root maillens --version
in_root maillens report /tmp/maillog > "$root/tmp/report.txt" || fail "maillens report in the root"
"$build/maillens" report "$src/tests/data/realpostfix-sample/maillog" > "$root/tmp/expected.txt"
cmp "$root/tmp/expected.txt" "$root/tmp/report.txt" || fail "the installed report differs from the build tree's"
grep -qE '^ +[0-9]+ +received' "$root/tmp/report.txt" || fail "no report"
in_root maillens-pflogsumm /tmp/maillog > "$root/tmp/pflogsumm.txt" || fail "maillens-pflogsumm"
grep -q 'Grand Totals' "$root/tmp/pflogsumm.txt" || fail "maillens-pflogsumm printed no report"
in_root pflogsumm /tmp/maillog > "$root/tmp/alternative.txt" || fail "pflogsumm (the alternative)"
cmp "$root/tmp/pflogsumm.txt" "$root/tmp/alternative.txt" || fail "the pflogsumm alternative is not maillens-pflogsumm"
in_root update-alternatives --query pflogsumm > "$root/tmp/alt.txt" || fail "no pflogsumm alternative"
grep -q "^Value: /usr/bin/maillens-pflogsumm" "$root/tmp/alt.txt" || fail "alternative: $(cat "$root/tmp/alt.txt")"
groups=$(in_root id -nG maillens) || fail "no user maillens"
[[ " $groups " == *" adm "* ]] || fail "user maillens not in group adm ($groups)"
[ "$(in_root stat -c %U:%a /var/lib/maillens)" = maillens:750 ] || fail "/var/lib/maillens owner/mode"
conffiles=$(in_root dpkg-query -W -f='${Conffiles}' maillens)
[[ $conffiles == *" /etc/maillens/maillens.toml "* ]] || fail "maillens.toml is not a conffile"
[ -f "$root/usr/share/bash-completion/completions/maillens" ] || fail "bash completion"
[ -f "$root/usr/share/zsh/vendor-completions/_maillens" ] || fail "zsh completion"

echo "== systemd-analyze verify (and man, which it runs for Documentation=man:maillens(1))"
in_root apt-get install -y -qq --no-install-recommends systemd man-db > "$build/deb_test_systemd.log" 2>&1 \
  || { tail -20 "$build/deb_test_systemd.log"; fail "apt-get install systemd"; }
out=$(in_root systemd-analyze verify /lib/systemd/system/maillens.service 2>&1) || fail "systemd-analyze: $out"
[ -z "$out" ] || fail "systemd-analyze said: $out"
in_root man -w maillens-pflogsumm >/dev/null || fail "man maillens-pflogsumm"
[[ $(in_root man -w pflogsumm) == *maillens* ]] || fail "man pflogsumm is not the alternative's"

echo "== purge"
in_root apt-get purge -y -qq maillens > /dev/null 2>&1 || fail "apt-get purge"
[ -z "$(in_root dpkg-query -W -f='${Status}' maillens 2>/dev/null)" ] || fail "package still known to dpkg"
for p in /etc/maillens /var/lib/maillens /usr/bin/maillens /usr/bin/maillens-pflogsumm /usr/bin/pflogsumm \
         /lib/systemd/system/maillens.service /usr/share/doc/maillens; do
  [ -e "$root$p" ] || [ -L "$root$p" ] && fail "$p left after purge"
done
in_root getent passwd maillens >/dev/null && fail "user maillens left after purge"
in_root update-alternatives --query pflogsumm >/dev/null 2>&1 && fail "pflogsumm alternative left after purge"
echo "PASS: the .deb installs, runs, verifies and purges in a fresh Debian 12 root"
