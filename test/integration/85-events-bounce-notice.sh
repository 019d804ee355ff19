#!/usr/bin/env bash
# bounce_notice: a hard bounce SES reports after its 250 becomes an RFC 3464
# notice to the original sender (through SES, from the null sender); once,
# though the event is delivered twice; none for a soft bounce, none for
# mail that was itself a bounce, none when the option is off.
. "$(dirname "$0")/../lib.sh"
t_setup 'configuration_set = "relay";' 'events_wait = 1;' 'bounce_notice = true;'
t_standin
echo 'host_tag = "web1";' >>"$CONF"
t_sqs --delay 0.2 --visibility 1 --duplicate
export T_WAIT=30
t_daemon_bg

printf 'To: nouser@example.com, softbounce@example.com, ok@example.com\nMessage-ID: <orig.1@host.test>\nSubject: hello\n\nx\n' |
	"$SENDMAIL" -C "$CONF" -f app@example.org -i nouser@example.com softbounce@example.com ok@example.com ||
	t_fail "sendmail"
t_wait grep -q 'sender non-delivery notification: [0-9a-f]\{16\} (SES bounce for <nouser@example.com>)' "$LOG" ||
	t_fail "no notice queued"
dsn() { grep -l 'report-type=delivery-status' "$MAILDIR"/*.eml 2>/dev/null; }
_dsn() { [ -n "$(dsn)" ]; }
t_wait _dsn || t_fail "the notice did not reach SES"
f=$(dsn); j=${f%.eml}.json
t_grep '"mail_from": "<>"' "$j"	# MAIL FROM:<>
t_grep '"rcpt_tos": \["app@example.org"\]' "$j"
t_grep '^Subject: Undelivered Mail Returned to Sender' "$f"
t_grep '^Auto-Submitted: auto-replied' "$f"
t_grep '^Final-Recipient: rfc822; nouser@example.com' "$f"
t_grep '^Status: 5.1.1' "$f"
t_grep '^Diagnostic-Code: smtp; 550 5.1.1 user unknown' "$f"
t_grep '^Message-ID: <orig.1@host.test>' "$f"
t_grep 'Permanent/NoEmail: smtp; 550 5.1.1 user unknown' "$f"

# The stand-in published every event twice: still one notice; none for the
# soft bounce.
sleep 3
t_eq "$(grep -c 'sender non-delivery notification' "$LOG")" 1 "one notice for a redelivered event"
t_nogrep 'SES bounce for <softbounce@example.com>' "$LOG"
t_grep 'to=<softbounce@example.com>.*status=bounced (Transient/MailboxFull' "$LOG"

# Mail with the null sender that bounces: no notice (no bounce for a bounce).
printf 'To: bounce@example.com\nSubject: a bounce itself\n\nx\n' |
	"$SENDMAIL" -C "$CONF" -f '<>' -i bounce@example.com || t_fail "sendmail -f <>"
t_wait grep -q 'no bounce notice for a bounce (null sender)' "$LOG" || t_fail "bounce for a bounce"
t_eq "$(grep -c 'sender non-delivery notification' "$LOG")" 1 "still one notice"
