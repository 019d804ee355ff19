#!/usr/bin/env bash
# make demo TRANSPORT=api works: test/demo.sh with TRANSPORT=api exits 0 and
# shows a message sent with SendEmail, signed with IMDSv2 role credentials,
# with no credential in the config, and leaves nothing running or behind.
. "$(dirname "$0")/../lib.sh"
out=$(TRANSPORT=api bash "$TOP/test/demo.sh" "$BUILD" 2>&1) || { echo "$out"; t_fail "demo failed"; }
has() { echo "$out" | grep -q -e "$1" || { echo "$out"; t_fail "$2"; }; t_ok "$2"; }
has '^source: *EC2 instance metadata (IMDSv2)' "credentials from the instance role"
has 'status=sent (200 OK [0-9a-f]\{16\}-' "log line with the SES message id"
has 'POST SendEmail key=ASIAIMDS[0-9A-F]* sig=ok' "signed with the role's temporary key"
has '| Thank you for your order\.' "the delivered message is shown"
has 'config and spool hold no access key, secret or session token' "no secret on disk"
has '^transport: *api' "status shows the transport"
has 'Demo finished' "the demo ran to its end"
root=$(echo "$out" | sed -n 's|^spool:  \(/tmp/sesrelay-t\.[^/]*\)/spool$|\1|p')
[ -n "$root" ] || t_fail "the demo did not show its spool"
sleep 0.2
! pgrep -f "aws_standin.py.*$root/" >/dev/null || t_fail "the demo left its stand-in running"
[ ! -e "$root" ] || t_fail "the demo left $root behind"
t_ok "nothing left running or behind"
