#!/usr/bin/env bash
# packaging/check-deb.sh: build the Debian package and try it for real
# without touching this machine: dpkg -i, a local user's sendmail, an
# upgrade, remove and purge all happen in a private mount namespace whose
# /usr, /etc and /var are overlays on a tmpfs that vanishes afterwards.
# Needs root, debhelper and dpkg-dev.  Not part of make check: CI machines
# may not allow mount namespaces.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/sesrelay-deb.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir "$W/sesrelay-0.1.0"
(cd "$TOP" && git ls-files | tar -cf - -T -) | tar -xf - -C "$W/sesrelay-0.1.0"
cp -r "$TOP/packaging/debian" "$W/sesrelay-0.1.0/debian"
(cd "$W/sesrelay-0.1.0" && dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1 ||
	{ tail -30 "$W/build.log"; echo "check-deb: dpkg-buildpackage failed"; exit 1; }
deb=$(ls "$W"/sesrelay_*.deb)
echo "check-deb: built $(basename "$deb")"

unshare -m --propagation private bash -s "$deb" "$W" <<'EOF'
set -u
deb=$1 ov=$2/ov
fail() { echo "check-deb: FAIL: $*"; exit 1; }
mkdir -p "$ov" && mount -t tmpfs tmpfs "$ov" || fail "tmpfs"
for d in usr etc var; do
	mkdir -p "$ov/$d-up" "$ov/$d-work"
	mount -t overlay overlay -o "lowerdir=/$d,upperdir=$ov/$d-up,workdir=$ov/$d-work" "/$d" ||
		fail "overlay on /$d"
done
dpkg -i "$deb" >"$ov/install.log" 2>&1 || { cat "$ov/install.log"; fail "dpkg -i"; }
[ "$(stat -c '%U:%G %a' /usr/lib/sesrelay/sendmail)" = "root:sesrelay 2755" ] || fail "sendmail mode"
[ "$(readlink /usr/sbin/sendmail)" = ../lib/sesrelay/sendmail ] || fail "sendmail link"
[ "$(stat -c '%U:%G %a' /var/spool/sesrelay/maildrop)" = "sesrelay:sesrelay 3770" ] || fail "maildrop"
[ "$(stat -c '%U:%G %a' /etc/sesrelay/sesrelay.conf)" = "root:sesrelay 640" ] || fail "config mode"
echo "check-deb: installed: setgid sendmail, spool and config modes right"
printf 'host = "127.0.0.1";\nusername = "AKIATEST";\npassword = "x";\ndomain = "host.test";\n' \
	>/etc/sesrelay/sesrelay.conf
printf 'To: a@example.com\nSubject: hi\n\nbody\n' |
	setpriv --reuid=www-data --regid=www-data --clear-groups /usr/sbin/sendmail -t -i ||
	fail "www-data's sendmail"
mailq | grep -q 'www-data@host.test' || fail "mailq does not show www-data's message"
echo "check-deb: www-data queued a message through the installed sendmail"
dpkg -i "$deb" >/dev/null 2>&1 || fail "reinstall"
[ "$(stat -c '%a' /usr/lib/sesrelay/sendmail)" = 2755 ] || fail "setgid lost on upgrade"
dpkg -r sesrelay >/dev/null 2>&1 || fail "dpkg -r"
[ "$(ls /var/spool/sesrelay/maildrop | wc -l)" -eq 1 ] || fail "remove did not keep queued mail"
dpkg -P sesrelay >/dev/null 2>&1 || fail "dpkg -P"
[ ! -e /var/spool/sesrelay ] && [ ! -e /etc/sesrelay ] || fail "purge left the spool or config"
! dpkg-statoverride --list /usr/lib/sesrelay/sendmail >/dev/null || fail "statoverride left"
echo "check-deb: upgrade keeps the mode, remove keeps the queue, purge removes both"
EOF
echo "check-deb: ok"
