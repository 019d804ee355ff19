#!/usr/bin/env bash
# make install into a staging root (DESTDIR), as a packager does, and as
# root into a scratch prefix: binaries, links, modes, man pages, unit.
. "$(dirname "$0")/../lib.sh"
t_setup
D=$TROOT/stage
make -s -C "$TOP" BUILD="$BUILD" DESTDIR="$D" PREFIX=/usr SYSCONFDIR=/etc \
	SPOOLDIR=/var/spool/sesrelay install >"$TROOT/install.out" 2>&1 ||
	{ cat "$TROOT/install.out"; t_fail "make install"; }
for f in usr/sbin/sesrelay usr/lib/sesrelay/sendmail etc/sesrelay/sesrelay.conf \
	usr/share/man/man8/sendmail.8 usr/share/man/man8/sesrelay.8 \
	usr/share/man/man8/sesrelay-daemon.8 usr/share/man/man5/sesrelay.conf.5 \
	usr/share/man/man5/sesrelay-spool.5 usr/share/man/man1/mailq.1 \
	usr/lib/systemd/system/sesrelay.service; do
	[ -e "$D/$f" ] || t_fail "missing $f"
done
t_ok "files installed"
t_eq "$(readlink "$D/usr/sbin/sendmail")" "../lib/sesrelay/sendmail" "sendmail link"
t_eq "$(readlink "$D/usr/bin/mailq")" "../lib/sesrelay/sendmail" "mailq link"
t_eq "$(stat -c '%G %a' "$D/usr/lib/sesrelay/sendmail")" "$RELAY_USER 2755" "sendmail setgid relay group"
t_eq "$(stat -c '%U:%G %a' "$D/var/spool/sesrelay/maildrop")" "$RELAY_USER:$RELAY_USER 3770" "maildrop mode"
t_eq "$(stat -c '%a' "$D/var/spool/sesrelay/queue")" "700" "queue mode"
t_eq "$(stat -c '%G %a' "$D/etc/sesrelay/sesrelay.conf")" "$RELAY_USER 640" "config mode"
# A second install keeps an edited config.
echo '# edited' >>"$D/etc/sesrelay/sesrelay.conf"
make -s -C "$TOP" BUILD="$BUILD" DESTDIR="$D" PREFIX=/usr install >/dev/null 2>&1
t_grep '# edited' "$D/etc/sesrelay/sesrelay.conf"

# The installed unit is valid (paths pointed at the staged binaries).
sed "s|/usr/sbin/sesrelay|$D/usr/sbin/sesrelay|g" "$D/usr/lib/systemd/system/sesrelay.service" \
	>"$TROOT/sesrelay.service"
systemd-analyze verify --man=no "$TROOT/sesrelay.service" >"$TROOT/verify.out" 2>&1 ||
	{ cat "$TROOT/verify.out"; t_fail "systemd-analyze verify"; }
t_ok "systemd-analyze verify: unit clean"

# A packager's staging install as an unprivileged user: files staged, no
# user created, no owners changed, and it says what root must do.  The
# tree is copied (timestamps kept) so that the user can read it wherever
# the checkout lives, and make sees nothing to rebuild.
S=$TROOT/src; mkdir -p "$S"
cp -a "$TOP/Makefile" "$TOP/relay" "$TOP/man" "$TOP/conf" "$TOP/packaging" "$S/"
cp -a "$BUILD" "$S/$(basename "$BUILD")"
chown -R nobody "$S"
setpriv --reuid=nobody --regid=nogroup --clear-groups \
	make -s -C "$S" BUILD="$(basename "$BUILD")" DESTDIR="$S/stage" PREFIX=/usr install \
	>"$TROOT/install-user.out" 2>&1 || { cat "$TROOT/install-user.out"; t_fail "make install as nobody"; }
t_grep 'not root: staging only' "$TROOT/install-user.out"
t_eq "$(stat -c '%U %a' "$S/stage/usr/lib/sesrelay/sendmail")" "nobody 755" "staged sendmail not setgid"
t_eq "$(readlink "$S/stage/usr/sbin/sendmail")" "../lib/sesrelay/sendmail" "staged sendmail link"
[ -d "$S/stage/var/spool/sesrelay/maildrop" ] || t_fail "staged spool"
t_ok "staged spool directories"
