#!/bin/sh
# postinst-spool.sh SPOOLDIR USER SENDMAIL_BIN CONFDIR
# Called by `make install` and the Debian postinst: creates the relay user,
# the spool with its owners and modes, and makes the intake binary setgid
# to the relay group.  Without root (staging with DESTDIR) it only says
# what a root install would do.
set -e
spool=$1 user=$2 bin=$3 confdir=$4
# Same owners and modes as `sesrelay setup` (relay/spool.c spool_setup).
# Under fakeroot (a package build) root is pretend: creating a user there
# would touch the build machine, so that is staging too.
if [ "$(id -u)" -ne 0 ] || [ -n "${FAKEROOTKEY:-}" ]; then
	echo "postinst-spool: not root: staging only; skipping user creation, ownership and the setgid bit"
	echo "postinst-spool: as root on the target, run: $0 ${spool#"${DESTDIR:-}"} $user ${bin#"${DESTDIR:-}"} ${confdir#"${DESTDIR:-}"}"
	for d in maildrop queue failed state run; do mkdir -p "$spool/$d"; done
	exit 0
fi
if ! getent passwd "$user" >/dev/null; then
	useradd --system --user-group --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
fi
mkdir -p "$spool"
for d in maildrop queue failed state run; do mkdir -p "$spool/$d"; done
chown "$user:$user" "$spool" "$spool"/maildrop "$spool"/queue "$spool"/failed \
	"$spool"/state "$spool"/run
chmod 0755 "$spool"
chmod 3770 "$spool/maildrop"
chmod 0700 "$spool/queue" "$spool/failed" "$spool/state" "$spool/run"
chgrp "$user" "$bin"
chmod 2755 "$bin"
if [ -d "$confdir" ]; then
	chown root:"$user" "$confdir"
	chmod 0750 "$confdir"
	[ -f "$confdir/sesrelay.conf" ] && chown root:"$user" "$confdir/sesrelay.conf" &&
		chmod 0640 "$confdir/sesrelay.conf"
fi
exit 0
