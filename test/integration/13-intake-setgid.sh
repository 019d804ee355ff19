#!/usr/bin/env bash
# The installed shape: sendmail setgid to the relay group, run by a real
# unprivileged user (www-data).  What works and what is denied.
. "$(dirname "$0")/../lib.sh"
t_setup
id www-data >/dev/null 2>&1 || useradd --system --no-create-home www-data
# A privileged sendmail reads only its compiled-in config path, so build a
# copy whose path is inside this test's root.
ETC=$TROOT/etc/sesrelay; mkdir -p "$ETC"
make -s -C "$TOP" BUILD="$TROOT/b" SYSCONFDIR="$TROOT/etc" "$TROOT/b/sendmail" >/dev/null ||
	t_fail "building the test copy"
mkdir -p "$TROOT/bin"; BIN=$TROOT/bin/sendmail
install -o root -g "$RELAY_USER" -m 2755 "$TROOT/b/sendmail" "$BIN"
install -o root -g "$RELAY_USER" -m 0640 "$CONF" "$ETC/sesrelay.conf"
as_www() { runuser -u www-data -- "$@"; }
# The log file as an admin would share it between daemon and sendmail:
# group-writable by the relay group only, not by www-data itself.
chown "$RELAY_USER:$RELAY_USER" "$LOG"; chmod 0660 "$LOG"
# A nosuid mount would silently run the binary without the group, and the
# test would measure that instead of the installed shape.
findmnt -n -o OPTIONS --target "$BIN" | grep -qw nosuid &&
	t_fail "$TROOT is on a nosuid file system (is /tmp mounted nosuid?): the setgid bit would be ignored"
t_eq "$(stat -c '%G %a' "$BIN")" "$RELAY_USER 2755" "test copy is setgid $RELAY_USER"
# The test copy really carries the test's config path (not /etc).
grep -aq "$TROOT/etc/sesrelay/sesrelay.conf" "$BIN" || t_fail "config path not compiled in"

printf 'Subject: www\n\nhello\n' | as_www "$BIN" -i a@example.com || t_fail "www-data enqueue"
f=$(t_one_drop)
t_grep '^user www-data$' "$f"; t_grep '^from <www-data@host.test>$' "$f"
t_eq "$(stat -c '%U:%G %a' "$f")" "www-data:$RELAY_USER 640" "file owner, group and mode"
t_grep "uid=$(id -u www-data) user=www-data" "$LOG"
t_clear_drops

# PHP running as www-data, default sendmail_path shape.
as_www php -d "sendmail_path=$BIN -t -i" -r 'exit(mail("c@example.com","s","b","From: w@example.com")?0:1);' ||
	t_fail "php as www-data"
t_grep '^rcpt <c@example.com>$' "$(t_one_drop)"; t_clear_drops

# Denied: reading the spool, the queued mail, the config (and its secret).
as_www ls "$SPOOL/maildrop" >/dev/null 2>&1 && t_fail "www-data can list maildrop"
for d in queue state failed run; do
	as_www ls "$SPOOL/$d" >/dev/null 2>&1 && t_fail "www-data can list $d"
done
as_www cat "$ETC/sesrelay.conf" >/dev/null 2>&1 && t_fail "www-data can read the config"
t_ok "www-data cannot read spool or config"
printf 'x\n' | as_www "$BIN" -i a@example.com
id=$(basename "$(t_one_drop)"); as_www cat "$SPOOL/maildrop/$id" >/dev/null 2>&1 && t_fail "www-data can read a queued message"
t_ok "www-data cannot read its queued message back"; t_clear_drops

# -C is ignored when privileged (the message goes to the configured spool).
mkdir -p "$TROOT/other"; chmod 777 "$TROOT/other"
printf 'spool_dir = "%s";\n' "$TROOT/other" >"$TROOT/other.conf"; chmod 644 "$TROOT/other.conf"
printf 'x\n' | as_www "$BIN" -C "$TROOT/other.conf" -i a@example.com || t_fail "-C as www-data"
t_eq "$(t_ndrops)" 1 "-C ignored: message in the configured spool"; t_clear_drops
t_grep '-C .*ignored' "$LOG"

# The environment is cleaned: TZ from the caller does not reach the Date.
printf 'x\n' | as_www env TZ=Pacific/Kiritimati "$BIN" -i a@example.com
t_message "$(t_one_drop)" | grep -q '^Date: .* +1400$' && t_fail "caller's TZ reached the setgid sendmail"
t_ok "environment cleaned"; t_clear_drops

# A missing log file is not created by a caller (it would own it).
rm -f "$LOG"
printf 'x\n' | as_www "$BIN" -i a@example.com || t_fail "enqueue without a log file"
[ ! -e "$LOG" ] || t_fail "a www-data sendmail created the log file"
t_ok "log file not created by the caller"; t_clear_drops
: >"$LOG"; chmod 666 "$LOG"

# Without the setgid bit the same user is refused with a clear message, 75.
chmod 0755 "$BIN"
printf 'x\n' | as_www "$BIN" -i a@example.com 2>"$TROOT/err"; rc=$?
t_eq "$rc" 75 "no setgid: EX_TEMPFAIL"; t_grep 'setgid' "$TROOT/err"
