#!/usr/bin/env bash
# make uninstall in a scratch root (DESTDIR): removes every file make
# install put there, keeps the spool (with its queued mail) and the config
# unless PURGE=1, keeps a link another MTA owns, and says what it kept.
. "$(dirname "$0")/../lib.sh"
t_setup
D=$TROOT/root
mk() { make -s -C "$TOP" BUILD="$BUILD" DESTDIR="$D" PREFIX=/usr SYSCONFDIR=/etc \
	SPOOLDIR=/var/spool/sesrelay "$@"; }
# Files and links below D, sorted, one per line.
files() { (cd "$D" && find . \( -type f -o -type l \) | sort); }

mk install >"$TROOT/install.out" 2>&1 || { cat "$TROOT/install.out"; t_fail "make install"; }
files >"$TROOT/installed"
t_check "install put sesrelay, sendmail and its links in place" grep -qx './usr/lib/sesrelay/sendmail' "$TROOT/installed"
# A message waits in the spool, and the config was edited.
echo "# edited" >>"$D/etc/sesrelay/sesrelay.conf"
echo "queued" >"$D/var/spool/sesrelay/queue/0123456789abcdef"

mk uninstall >"$TROOT/un.out" 2>&1 || { cat "$TROOT/un.out"; t_fail "make uninstall"; }
files >"$TROOT/left"
t_eq "$(cat "$TROOT/left")" "./etc/sesrelay/sesrelay.conf
./var/spool/sesrelay/queue/0123456789abcdef" "only the config and the queued mail are left"
t_grep "uninstall: kept the spool $D/var/spool/sesrelay (queued mail) and the config $D/etc/sesrelay; 'make uninstall PURGE=1' removes them too" "$TROOT/un.out"
t_grep "the $RELAY_USER user and group are kept" "$TROOT/un.out"
t_grep '# edited' "$D/etc/sesrelay/sesrelay.conf"
t_check "the sesrelay directory under lib is gone" test ! -e "$D/usr/lib/sesrelay"
# Everything install listed is gone but those two.
comm -23 "$TROOT/installed" "$TROOT/left" >"$TROOT/removed"
t_eq "$(comm -12 "$TROOT/removed" "$TROOT/left")" "" "nothing removed is left"
t_eq "$(wc -l <"$TROOT/removed")" "$(($(wc -l <"$TROOT/installed") - 1))" \
	"every installed file but the config was removed"

# Reinstall keeps the edited config; a link that another MTA put in place
# since is not ours to remove.
mk install >/dev/null 2>&1 || t_fail "make install again"
t_grep '# edited' "$D/etc/sesrelay/sesrelay.conf"
ln -sf ../sbin/postfix-sendmail "$D/usr/bin/mailq"
mk uninstall >"$TROOT/un2.out" 2>&1 || t_fail "make uninstall again"
t_eq "$(readlink "$D/usr/bin/mailq")" "../sbin/postfix-sendmail" "another MTA's mailq link kept"
t_grep "uninstall: kept $D/usr/bin/mailq: it is not sesrelay's" "$TROOT/un2.out"
t_check "our sendmail link removed" test ! -L "$D/usr/sbin/sendmail"
rm -f "$D/usr/bin/mailq"

# PURGE=1: spool and config go too; nothing is left.
mk install >/dev/null 2>&1 || t_fail "make install a third time"
mk uninstall PURGE=1 >"$TROOT/un3.out" 2>&1 || t_fail "make uninstall PURGE=1"
t_eq "$(files)" "" "PURGE=1: no file left"
t_check "spool directory gone" test ! -e "$D/var/spool/sesrelay"
t_check "config directory gone" test ! -e "$D/etc/sesrelay"
t_grep "uninstall: PURGE=1: removed the spool $D/var/spool/sesrelay (with any queued mail) and $D/etc/sesrelay" "$TROOT/un3.out"
