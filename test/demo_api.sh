#!/usr/bin/env bash
# make demo TRANSPORT=api: sendmail -> spool -> daemon -> SES v2 SendEmail on
# the local AWS stand-in, signed with the temporary credentials of an EC2
# instance role from the stand-in's instance metadata (IMDSv2): no key and
# no secret in any file.  Throw-away spool and config; stops what it started.
set -u
BUILD=$(cd "${1:-build}" && pwd); export BUILD
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_aws.sh"
. "$(dirname "$0")/lib_api.sh"
if [ -t 1 ]; then
	h() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	h() { printf '\n== %s\n' "$*"; }
fi

h "1. A throw-away spool and config; the AWS stand-in on 127.0.0.1 (SES v2 API + EC2 instance metadata)"
t_setup 'aliases = { root = "ops@example.com"; };' 'sender = "noreply@example.com";'
T_API_KEYS=no t_api_standin
t_aws_imds	# the SDK variable that points instance metadata at the stand-in
echo "spool:  $SPOOL"
echo "config: $CONF"
echo "SES API stand-in: https://127.0.0.1:$AWS_HTTPS_PORT; instance metadata: http://127.0.0.1:$IMDS_PORT"

h "2. The configuration: transport = \"api\", and no credentials at all"
sed 's/^/    | /' "$CONF"
! grep -q 'access_key_id\|secret\|password' "$CONF" || t_fail "a credential in the config"
echo "(no access key, secret or password: the daemon asks the instance for its role's credentials)"

h "3. sesrelay credentials: where the daemon's credentials come from"
"$SESRELAY" -C "$CONF" credentials || t_fail "credentials failed"

h "4. An application sends mail: sendmail -t -i"
msg='To: root, customer@example.org
Subject: Your order #1234

Thank you for your order.'
echo "$msg" | sed 's/^/    | /'
echo "$msg" | "$SENDMAIL" -C "$CONF" -t -i || t_fail "sendmail failed"

h "5. The daemon delivers it with SendEmail (sesrelay daemon --once)"
"$SESRELAY" -C "$CONF" daemon --once || t_fail "daemon failed"
grep 'status=sent' "$LOG" | sed 's/^/    /'
grep -q 'relay=https://127.0.0.1:[0-9]*\[.*status=sent (200 OK [0-9a-f]\{16\}-' "$LOG" ||
	t_fail "no SES message id in the log"

h "6. The stand-in's side: the role's temporary key signed the request (checked with botocore)"
grep 'imds issued\|POST SendEmail' "$AWS_LOG" | sed 's/^[0-9.]* /    /'
grep -q 'POST SendEmail key=ASIA[A-Z0-9]* sig=ok' "$AWS_LOG" || t_fail "not signed with the role's key"

h "7. What SES received (root was mapped through aliases)"
eml=$(ls "$MAILDIR"/*.eml | head -1) || t_fail "nothing delivered"
echo "envelope: $(cat "${eml%.eml}.json")"
sed 's/\r$//; s/^/    | /' "$eml"

h "8. No secret on disk: the role's keys lived only in the daemon's memory"
if grep -rq 'ASIA\|imds-tok-' "$CONF" "$SPOOL"; then t_fail "a key in the config or spool"; fi
echo "config and spool hold no access key, secret or session token"

h "9. sesrelay status"
"$SESRELAY" -C "$CONF" status | grep -v '^ ' | head -12
printf '\nDemo finished: stand-in stopped, throw-away spool removed.\n'
