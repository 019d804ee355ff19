#!/usr/bin/env bash
# Permanent failures: failed/ area, an RFC 3464 bounce to the sender through
# the same relay, and never a bounce for a bounce.
. "$(dirname "$0")/../lib.sh"
t_setup
t_standin

# Sandbox recipient not verified: failed + DSN to the envelope sender.
printf 'To: data554notverified@example.com\nSubject: sandbox\n\nx\n' |
	"$SENDMAIL" -C "$CONF" -t -i -f app@example.com
t_drain
t_grep 'to=<data554notverified@example.com>.*dsn=5.7.1, status=bounced (554 Message rejected: Email address is not verified.*hint: your SES account is in the sandbox' "$LOG"
t_eq "$(t_nfailed)" 1 "message in failed/"
t_grep 'sender non-delivery notification' "$LOG"
t_drain		# delivers the bounce
t_eq "$(t_received)" 1 "bounce delivered"
bounce=$(ls "$MAILDIR"/*.eml)
t_grep '"mail_from": "<>"' "${bounce%.eml}.json"
t_grep '"rcpt_tos": \["app@example.com"\]' "${bounce%.eml}.json"
"$PY" - "$bounce" <<'PY' || t_fail "DSN structure"
import sys, email
m = email.message_from_binary_file(open(sys.argv[1], 'rb'))
assert m.get_content_type() == 'multipart/report', m.get_content_type()
assert m.get_param('report-type') == 'delivery-status'
parts = [p.get_content_type() for p in m.walk()]
assert 'message/delivery-status' in parts and 'text/rfc822-headers' in parts, parts
text = m.get_payload(0).get_payload()
assert 'data554notverified@example.com' in text and 'sandbox' in text, text
PY
t_ok "bounce is a multipart/report with the reason and the hint"

# 552 too long and a duplicate header: failed.
for r in data552 data554dup; do
	printf "To: $r@example.com\nSubject: x\n\nx\n" | "$SENDMAIL" -C "$CONF" -t -i -f app@example.com
done
t_drain
t_grep 'to=<data552@example.com>.*dsn=5.3.4, status=bounced (552 5.3.4 Message is too long.)' "$LOG"
t_grep "to=<data554dup@example.com>.*status=bounced (554 Transaction failed: Duplicate header 'Subject'.)" "$LOG"

# No bounce for a bounce: the sender's own address fails too.
t_drain		# the bounces queued above go out first
rm -f "$MAILDIR"/*
printf 'To: data552@example.com\nSubject: loop\n\nx\n' | "$SENDMAIL" -C "$CONF" -t -i -f data552@example.com
t_drain; t_drain
t_grep 'no bounce for a bounce' "$LOG"
t_eq "$(t_received)" 0 "nothing delivered, no storm"
n=$(t_nfailed); t_drain; t_drain
t_eq "$(t_nfailed)" "$n" "failed/ stays stable"

# bounce_to overrides the envelope sender.
echo 'bounce_to = "postmaster@example.com";' >>"$CONF"
printf 'To: data552@example.com\nSubject: b\n\nx\n' | "$SENDMAIL" -C "$CONF" -t -i -f app@example.com
t_drain; t_drain
t_eq "$(grep -l 'postmaster@example.com' "$MAILDIR"/*.json | wc -l)" 1 "bounce went to bounce_to"

# A recipient refused at RCPT fails alone; the others in the message go out.
rm -f "$MAILDIR"/*
printf 'To: rcpt550@example.com, ok@example.com\nSubject: r\n\nx\n' | "$SENDMAIL" -C "$CONF" -t -i -f app@example.com
t_drain
t_grep 'to=<rcpt550@example.com>.*status=bounced (550 5.1.1' "$LOG"
t_grep 'to=<ok@example.com>.*status=sent' "$LOG"
