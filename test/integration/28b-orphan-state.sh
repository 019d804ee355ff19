#!/usr/bin/env bash
# Issue 7 item 11(b): the orphan-state purge must not delete the state of a
# message that is being moved (queue requeue: failed/ -> queue/; a failure:
# queue/ -> failed/): its three lookups, one at a time, can miss a moving
# message, and without its state a requeued message would go again to the
# recipients already served.  A message's state is written just before
# every move, so only a state untouched for an hour is purged.
. "$(dirname "$0")/../lib.sh"
t_setup
t_standin
# A state file whose message is in no area (as in the middle of a move),
# written just now: kept.
id=0123456789abcdef
printf 'SESRELAY-STATE 1\nheld 0\nend\n' >"$SPOOL/state/$id"
chown "$RELAY_USER" "$SPOOL/state/$id"; chmod 600 "$SPOOL/state/$id"
t_drain
[ -e "$SPOOL/state/$id" ] || t_fail "a fresh state without its message was purged"
t_ok "fresh state kept"
# A real requeue still works end to end: rcpt550 fails, requeue, the
# recipient already sent is not sent again.
t_send 'To: ok@example.com, rcpt550@example.com\nSubject: r\n\nx\n'
t_drain
t_eq "$(t_nfailed)" 1 "message failed for one recipient"
t_eq "$(t_received)" 1 "sent to the other"
"$SESRELAY" -C "$CONF" queue requeue ALL >/dev/null || t_fail "requeue"
t_drain
t_eq "$(t_received)" 1 "requeue: the recipient already served got nothing again"
