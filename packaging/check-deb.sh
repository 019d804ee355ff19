#!/usr/bin/env bash
# packaging/check-deb.sh: build the Debian package and try it for real
# without touching this machine: dpkg -i, a local user's sendmail, an
# upgrade, remove and purge all happen in a private mount namespace whose
# /usr, /etc and /var are overlays on a tmpfs that vanishes afterwards.
# lintian must find no error and no warning that
# packaging/debian/sesrelay.lintian-overrides does not justify; the package
# must replace an MTA providing mail-transport-agent (a stand-in with
# Postfix's relations) and import nothing from it.  Needs root; installs
# debhelper, dpkg-dev, fakeroot and lintian when missing.  Not part of make
# check (about 100 s, and CI machines may not allow mount namespaces).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
# What this check needs beyond test/deps.sh (not part of make check).
missing=""
for p in debhelper dpkg-dev fakeroot lintian; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "check-deb: installing$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
W=$(mktemp -d /tmp/sesrelay-deb.XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir "$W/sesrelay-0.1.0"
(cd "$TOP" && git ls-files | tar -cf - -T -) | tar -xf - -C "$W/sesrelay-0.1.0"
cp -r "$TOP/packaging/debian" "$W/sesrelay-0.1.0/debian"
(cd "$W/sesrelay-0.1.0" && dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1 ||
	{ tail -30 "$W/build.log"; echo "check-deb: dpkg-buildpackage failed"; exit 1; }
deb=$(ls "$W"/sesrelay_*.deb)
echo "check-deb: built $(basename "$deb")"

# lintian: no error, and no warning that packaging/debian/
# sesrelay.lintian-overrides does not justify.
lintian --fail-on error,warning --display-info "$W"/sesrelay_*.changes >"$W/lintian.out" 2>&1 ||
	{ cat "$W/lintian.out"; echo "check-deb: FAIL: lintian"; exit 1; }
grep -E '^[EW]: ' "$W/lintian.out" && { echo "check-deb: FAIL: lintian tags"; exit 1; }
echo "check-deb: lintian: no errors, no warnings ($(grep -c '^[IP]: ' "$W/lintian.out") info/pedantic tags)"

# A stand-in for Postfix: an MTA package with Postfix's relations and files
# (sendmail, mailq, newaliases, mailq.1), to install sesrelay over.
F=$W/fake-mta
mkdir -p "$F/DEBIAN" "$F/usr/sbin" "$F/usr/bin" "$F/usr/share/man/man1"
printf '#!/bin/sh\necho fake-mta\n' >"$F/usr/sbin/sendmail"; chmod 755 "$F/usr/sbin/sendmail"
ln -s ../sbin/sendmail "$F/usr/bin/mailq"; ln -s ../sbin/sendmail "$F/usr/bin/newaliases"
echo '.TH MAILQ 1' >"$F/usr/share/man/man1/mailq.1"
cat >"$F/DEBIAN/control" <<CTL
Package: fake-mta
Version: 1.0
Architecture: all
Maintainer: sesrelay tests <tests@example.invalid>
Provides: mail-transport-agent
Conflicts: mail-transport-agent
Replaces: mail-transport-agent
Description: stand-in for Postfix in packaging/check-deb.sh
CTL
dpkg-deb --root-owner-group -b "$F" "$W/fake-mta.deb" >/dev/null || { echo "check-deb: FAIL: fake-mta"; exit 1; }

unshare -m --propagation private bash -s "$deb" "$W" <<'EOF'
set -u
deb=$1 ov=$2/ov fake=$2/fake-mta.deb
fail() { echo "check-deb: FAIL: $*"; exit 1; }
mkdir -p "$ov" && mount -t tmpfs tmpfs "$ov" || fail "tmpfs"
for d in usr etc var; do
	mkdir -p "$ov/$d-up" "$ov/$d-work"
	mount -t overlay overlay -o "lowerdir=/$d,upperdir=$ov/$d-up,workdir=$ov/$d-work" "/$d" ||
		fail "overlay on /$d"
done
# The host as Postfix leaves it: its package, /etc/aliases, /etc/mailname,
# a message still in its queue.
dpkg -i "$fake" >/dev/null 2>&1 || fail "dpkg -i fake-mta"
printf 'postmaster: root\nroot: admin@example.com\n' >/etc/aliases
echo mail.example.net >/etc/mailname
mkdir -p /var/spool/postfix/deferred/A && echo x >/var/spool/postfix/deferred/A/A1B2C3
aliases_sum=$(sha256sum /etc/aliases)
# apt swaps MTAs (dpkg alone refuses a conflict through a virtual package).
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$deb" \
	>"$ov/install.log" 2>&1 || { cat "$ov/install.log"; fail "apt-get install sesrelay.deb"; }
grep -A1 'The following packages will be REMOVED:' "$ov/install.log" | grep -qw 'fake-mta' ||
	{ cat "$ov/install.log"; fail "apt did not replace the other MTA"; }
dpkg -s fake-mta 2>/dev/null | grep -q '^Status: install ok installed' && fail "fake-mta still installed"
grep -q '/var/spool/postfix/deferred still holds 1 file(s) of the mail transport sesrelay replaced; they are NOT imported' \
	"$ov/install.log" || { cat "$ov/install.log"; fail "no word about the old queue"; }
grep -q '/etc/aliases is used as it is at delivery time (nothing copied)' "$ov/install.log" ||
	fail "no word about /etc/aliases"
[ "$(sha256sum /etc/aliases)" = "$aliases_sum" ] || fail "/etc/aliases changed"
cmp -s /etc/sesrelay/sesrelay.conf "$2/sesrelay-0.1.0/conf/sesrelay.conf" ||
	fail "the installed config is not the shipped example: something was imported"
[ -e /usr/share/man/man1/mailq.1.gz ] || fail "sesrelay's mailq.1 missing"
echo "check-deb: installed over an MTA providing mail-transport-agent; its queue reported, nothing imported"
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
newaliases >"$ov/na.out" 2>&1 || { cat "$ov/na.out"; fail "newaliases"; }
grep -qx 'postmaster: admin@example.com' "$ov/na.out" || { cat "$ov/na.out"; fail "newaliases map"; }
sed -i '/^domain = /d' /etc/sesrelay/sesrelay.conf
printf 'Subject: m\n\nx\n' | /usr/sbin/sendmail -f cron root || fail "sendmail as root"
mailq | grep -q 'cron@mail.example.net' || { mailq; fail "/etc/mailname not the default domain"; }
echo "check-deb: newaliases reads /etc/aliases; /etc/mailname qualifies bare names"
dpkg -i "$deb" >/dev/null 2>&1 || fail "reinstall"
[ "$(stat -c '%a' /usr/lib/sesrelay/sendmail)" = 2755 ] || fail "setgid lost on upgrade"
dpkg -r sesrelay >/dev/null 2>&1 || fail "dpkg -r"
[ "$(ls /var/spool/sesrelay/maildrop | wc -l)" -eq 2 ] || fail "remove did not keep the 2 queued messages"
dpkg -P sesrelay >/dev/null 2>&1 || fail "dpkg -P"
[ ! -e /var/spool/sesrelay ] && [ ! -e /etc/sesrelay ] || fail "purge left the spool or config"
! dpkg-statoverride --list /usr/lib/sesrelay/sendmail >/dev/null || fail "statoverride left"
echo "check-deb: upgrade keeps the mode, remove keeps the queue, purge removes both"
EOF
echo "check-deb: ok"
