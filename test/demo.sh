#!/usr/bin/env bash
# make demo: sendmail -> spool -> daemon -> the local SES stand-in, shown
# step by step, with a throw-away spool and config; stops what it started.
set -u
[ "${TRANSPORT:-smtp}" = api ] && exec bash "$(dirname "$0")/demo_api.sh" "$@"
BUILD=$(cd "${1:-build}" && pwd); export BUILD
. "$(dirname "$0")/lib.sh"
if [ -t 1 ]; then
	h() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	h() { printf '\n== %s\n' "$*"; }
fi

h "1. A throw-away spool, config and the SES stand-in on 127.0.0.1 (STARTTLS + AUTH)"
t_setup 'aliases = { root = "ops@example.com"; };' 'sender = "noreply@example.com";' 'rewrite_from = true;'
t_standin
echo "spool:  $SPOOL"
echo "config: $CONF"
echo "SES stand-in listening on 127.0.0.1:$SMTP_PORT"
# mailq is the same binary as sendmail, dispatched on its name, as installed.
mkdir -p "$TROOT/bin"; ln -s "$SENDMAIL" "$TROOT/bin/mailq"

h "2. An application sends mail the way PHP's mail() does: sendmail -t -i"
msg='To: root, customer@example.org
Subject: Your order #1234
Content-Type: text/plain; charset=utf-8

Thank you for your order.
.
(this line after a lone dot is kept: -i)'
echo "$msg" | sed 's/^/    | /'
echo "$msg" | "$SENDMAIL" -C "$CONF" -t -i || t_fail "sendmail failed"
echo "sendmail exit status: 0 (the message is on disk)"

h "3. mailq: the message waits in the spool"
"$TROOT/bin/mailq" -C "$CONF" || t_fail "mailq failed"

h "4. The daemon delivers it (sesrelay daemon --once)"
"$SESRELAY" -C "$CONF" daemon --once || t_fail "daemon failed"

h "5. mailq again"
"$TROOT/bin/mailq" -C "$CONF" || t_fail "mailq failed"

h "6. The log lines (syslog, facility mail) with the SES message id"
grep 'status=sent' "$LOG" | sed 's/^/    /'
grep -q 'status=sent (250 Ok [0-9a-f]\{16\}-' "$LOG" || t_fail "no SES message id in the log"

h "7. What the SES stand-in received (root was mapped through aliases)"
eml=$(ls "$MAILDIR"/*.eml | head -1) || t_fail "nothing delivered"
echo "envelope: $(cat "${eml%.eml}.json")"
sed 's/\r$//; s/^/    | /' "$eml"

h "8. sesrelay status"
"$SESRELAY" -C "$CONF" status
echo "(status exit code $?: the daemon is not left running by this demo)"
printf '\nDemo finished: stand-in stopped, throw-away spool removed.\n'
