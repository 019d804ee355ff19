#!/usr/bin/env bash
# The real callers' command lines: PHP mail(), PHPMailer, cron, cronie,
# mutt, git send-email, unattended-upgrades; every classic flag accepted.
. "$(dirname "$0")/../lib.sh"
t_setup
SM="$SENDMAIL -C $CONF"

# PHP mail() with the default sendmail_path "sendmail -t -i".
php -d "sendmail_path=$SM -t -i" -r '
$h = "From: Shop <shop@example.com>\r\nCc: cc1@example.com, \"Doe, Jane\" <jane@example.org>\r\n"
   . "Bcc: hidden@example.net\r\nReply-To: help@example.com";
exit(mail("buyer@example.com", "Ihre Bestellung – 주문 확인", "Hello\r\n.\r\nline after dot\r\n", $h) ? 0 : 1);' ||
	t_fail "php mail() returned false"
f=$(t_one_drop)
t_envelope "$f" >"$TROOT/env"; t_message "$f" >"$TROOT/msg"
for r in buyer@example.com cc1@example.com jane@example.org hidden@example.net; do
	t_grep "^rcpt <$r>$" "$TROOT/env"
done
t_eq "$(grep -c '^rcpt' "$TROOT/env")" 4 "php: exactly four recipients"
t_nogrep '^Bcc:' "$TROOT/msg"
t_grep '^Subject: =?UTF-8?B?' "$TROOT/msg"
t_grep '^Reply-To: help@example.com' "$TROOT/msg"
t_grep '^line after dot' "$TROOT/msg"		# -i: a lone dot does not end it
t_nogrep $'\r' "$TROOT/msg"			# CRLF stored as LF
t_grep '^Date: ' "$TROOT/msg"
t_grep '^Message-ID: <' "$TROOT/msg"
# The UTF-8 subject decodes back to the original.
"$PY" - "$TROOT/msg" <<'PY' || t_fail "subject does not decode"
import sys, email, email.header, email.policy
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
assert m['Subject'] == 'Ihre Bestellung – 주문 확인', m['Subject']
PY
t_ok "php subject decodes"
t_grep "$(basename "$f"): uid=0 user=root from=<root@host.test> nrcpt=4" "$LOG"
t_clear_drops

# PHPMailer sendmail mode.
printf 'To: a@example.com\nFrom: s@example.com\nSubject: x\n\nbody\n' |
	$SM -oi -fsender@example.com -t || t_fail "phpmailer line"
t_grep '^from <sender@example.com>$' "$(t_one_drop)"
t_clear_drops

# Debian cron and cronie.
printf 'Subject: Cron <root@h> true\n\noutput\n' |
	$SM -FCronDaemon -i -B8BITMIME -oem root || t_fail "debian cron line"
f=$(t_one_drop)
t_grep '^rcpt <root>$' "$f"
t_grep '^From: "CronDaemon" <root@host.test>' "$f"
t_clear_drops
printf 'To: root\nSubject: Cron\n\nout\n' |
	$SM -FCronDaemon -i -odi -oem -oi -t -f root || t_fail "cronie line"
f=$(t_one_drop)
t_grep '^from <root@host.test>$' "$f"
t_grep '^rcpt <root>$' "$f"
t_clear_drops

# mutt, git send-email, unattended-upgrades/logwatch/mdadm.
printf 'Subject: m\n\nx\n' | $SM -oem -oi -- a@example.com || t_fail "mutt line"
t_grep '^rcpt <a@example.com>$' "$(t_one_drop)"; t_clear_drops
printf 'Subject: g\n\nx\n' | $SM -i -f a@example.com b@example.com || t_fail "git line"
f=$(t_one_drop); t_grep '^from <a@example.com>$' "$f"; t_grep '^rcpt <b@example.com>$' "$f"; t_clear_drops
printf 'To: root\nSubject: u\n\nx\n' | $SM -oi -t || t_fail "-oi -t"; t_clear_drops
printf 'To: root\nSubject: u\n\nx\n' | $SM -t || t_fail "-t"; t_clear_drops

# Every classic flag is accepted (those that mean nothing here are ignored).
printf 'Subject: flags\n\nx\n' | $SM -i -v -B 8BITMIME -N never -R hdrs -V envid -L label \
	-X /dev/null -O Timeout=1 -G -U -oem -oee -odb -odi -r s@example.com -F Name -bm \
	-- z@example.com || t_fail "all flags accepted"
t_grep '^rcpt <z@example.com>$' "$(t_one_drop)"; t_clear_drops
printf 'Subject: flags\n\nx\n' | $SM -Ltag -Bbinarymime -Ohop=1 -oQ/tmp -odq -n -m -x -A c -h 5 \
	-d0.1 z@example.com || t_fail "legacy flags accepted"
t_clear_drops

# -t plus argument recipients: both (Postfix behaviour).
printf 'To: h@example.com\nSubject: x\n\nx\n' | $SM -t -i arg@example.com || t_fail "-t + args"
f=$(t_one_drop); t_grep '^rcpt <h@example.com>$' "$f"; t_grep '^rcpt <arg@example.com>$' "$f"
t_clear_drops

# newaliases is a polite no-op.
ln -s "$SENDMAIL" "$TROOT/newaliases"
"$TROOT/newaliases" -C "$CONF" | grep -q "nothing to rebuild" || t_fail "newaliases"
t_ok "newaliases"
