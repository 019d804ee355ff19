#!/usr/bin/env bash
# API transport, permanent failures and operator's mistakes: a sandbox
# recipient or a bad request fails with a bounce (sent through the API,
# null sender); our own sender unverified, a suspended or paused account,
# a MAIL FROM domain not verified, a missing configuration set, access
# denied, a wrong secret, no credentials at all or an untrusted certificate
# hold the whole queue, bounce nothing, and name the fix.
. "$(dirname "$0")/../lib.sh"
. "$TOP/test/lib_aws.sh"
. "$TOP/test/lib_api.sh"
t_setup
t_api_standin

printf 'To: notverified@example.com\nSubject: sandbox\n\nx\n' |
	"$SENDMAIL" -C "$CONF" -t -i -f app@example.com
t_drain
t_grep 'to=<notverified@example.com>.*dsn=5.7.1, status=bounced (400 MessageRejected: Email address is not verified.*hint: SES rejected this message; in the sandbox' "$LOG"
t_eq "$(t_nfailed)" 1 "message in failed/"
t_grep 'sender non-delivery notification' "$LOG"
t_drain		# delivers the bounce, by API too
t_eq "$(t_received)" 1 "bounce delivered"
bounce=$(ls "$MAILDIR"/*.eml)
t_grep '"mail_from": ""' "${bounce%.eml}.json"	# null sender: no FromEmailAddress
t_grep '"rcpt_tos": \["app@example.com"\]' "${bounce%.eml}.json"
t_grep '^Content-Type: multipart/report' "$bounce"

printf 'To: badrequest@example.com\nSubject: b\n\nx\n' | "$SENDMAIL" -C "$CONF" -t -i -f app@example.com
t_drain
t_grep 'to=<badrequest@example.com>.*dsn=5.6.0, status=bounced (400 BadRequestException' "$LOG"

# Configuration and account problems: held, nothing bounced.
rm -f "$SPOOL"/queue/* "$SPOOL"/state/* "$SPOOL"/failed/*; : >"$LOG"
echo 'sender = "relay@example.com";' >>"$CONF"
check_held() {	# local-part, words of the reply, words of the hint
	t_send "To: $1@example.com\nSubject: $1\n\nx\n"
	t_drain; rc=$?
	t_eq "$rc" 75 "$1: daemon --once reports a held queue"
	t_grep "to=<$1@example.com>.*status=held ($2.*hint: $3" "$LOG"
	t_grep "queue held: .*$2" "$LOG"
	t_nogrep 'status=bounced' "$LOG"
	t_eq "$(t_nqueue)" 1 "$1: still queued"
	id=$(ls "$SPOOL/queue")
	[ ! -e "$SPOOL/state/$id" ] || t_grep $'^rcpt\t.*\tpending\t0\t' "$SPOOL/state/$id"
	rm -f "$SPOOL"/queue/* "$SPOOL"/state/*; : >"$LOG"
}
check_held sendernotverified '400 MessageRejected: Email address is not verified.*relay@example.com' \
	'SES says our sender address or its domain is not verified'
check_held suspended '400 AccountSuspendedException' 'AWS suspended sending'
check_held paused '400 SendingPausedException' 'AWS paused sending'
check_held mailfrom '400 MailFromDomainNotVerifiedException' 'the custom MAIL FROM domain'
check_held notfound '404 NotFoundException' 'SES does not know a resource'
check_held denied '403 AccessDeniedException: .*ses:SendRawEmail' 'the IAM identity behind the API credentials may not send: allow ses:SendRawEmail'

# A wrong secret: SES (botocore) computes another signature.
t_secret_file "$TROOT/aws-secret" not-the-secret
t_send 'To: a@example.com\nSubject: s\n\nx\n'
t_drain
t_grep 'status=held (403 SignatureDoesNotMatch.*hint: SES refused the API credentials' "$LOG"
t_secret_file "$TROOT/aws-secret" test-secret-key
t_drain
t_grep 'to=<a@example.com>.*status=sent' "$LOG"
t_ok "sent once the secret is right"
: >"$LOG"

# No credentials anywhere (no keys, no SDK variables, IMDS off).
sed -i '/^access_key_id/d; /^secret_access_key_file/d' "$CONF"
t_send 'To: b@example.com\nSubject: n\n\nx\n'
t_drain
t_grep 'to=<b@example.com>.*status=held (no credentials: .*hint: no AWS credentials were found' "$LOG"
rm -f "$SPOOL"/queue/* "$SPOOL"/state/*; : >"$LOG"

# A certificate the configured CA did not sign.
echo "access_key_id = \"AKIDTEST\";" >>"$CONF"
echo "secret_access_key_file = \"$TROOT/aws-secret\";" >>"$CONF"
sed -i "s|^aws_ca_file = .*|aws_ca_file = \"$CERTS/untrusted.pem\";|" "$CONF"
t_send 'To: c@example.com\nSubject: t\n\nx\n'
t_drain
t_grep 'to=<c@example.com>.*status=held (TLS: .*hint: the TLS handshake or the certificate check of the SES API failed' "$LOG"
