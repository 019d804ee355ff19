#!/usr/bin/env bash
# The README's first command works: test/demo.sh (what make demo runs)
# exits 0 and shows each step: the queued message in mailq, the log line
# with the SES message id, the delivered message, and an empty queue.
. "$(dirname "$0")/../lib.sh"
out=$(bash "$TOP/test/demo.sh" "$BUILD" 2>&1) || { echo "$out"; t_fail "demo failed"; }
has() { echo "$out" | grep -q -e "$1" || { echo "$out"; t_fail "$2"; }; t_ok "$2"; }
has '^[0-9a-f]\{16\} .*root@host.test' "mailq lists the queued message"
has 'status=sent (250 Ok [0-9a-f]\{16\}-' "log line with the SES message id"
has '| Thank you for your order\.' "the delivered message is shown"
has '"rcpt_tos": \["ops@example.com"' "root went to its alias"
has 'Mail queue is empty' "the queue is shown empty afterwards"
has 'Demo finished' "the demo ran to its end"
# It stops what it started: no stand-in of its own is left running.
root=$(echo "$out" | sed -n 's|^spool:  \(/tmp/sesrelay-t\.[^/]*\)/spool$|\1|p')
[ -n "$root" ] || t_fail "the demo did not show its spool"
sleep 0.2
! pgrep -f "ses_standin.py.*$root/" >/dev/null || t_fail "the demo left its stand-in running"
[ ! -e "$root" ] || t_fail "the demo left $root behind"
t_ok "nothing left running or behind"
