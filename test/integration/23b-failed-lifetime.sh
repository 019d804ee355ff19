#!/usr/bin/env bash
# Issue 7 item 11(d): a failed message with a null sender is never bounced;
# failed/ keeps it for failed_lifetime, then the daemon removes it.
. "$(dirname "$0")/../lib.sh"
t_setup 'failed_lifetime = 86400;'
t_standin
printf 'To: rcpt550@example.com\nSubject: dsn\n\nx\n' | "$SENDMAIL" -C "$CONF" -f '' -t -i ||
	t_fail "sendmail"
t_drain
t_grep 'no bounce for a bounce (null sender): kept in failed/' "$LOG"
t_eq "$(t_nfailed)" 1 "kept in failed/"
id=$(ls "$SPOOL/failed" | grep -E '^[0-9a-f]{16}$')
t_drain
t_eq "$(t_nfailed)" 1 "still kept within failed_lifetime"
# Two days old (same number of digits: the envelope stays valid).
old=$(sed -n 's/^arrival \([0-9]*\)\..*/\1/p' "$SPOOL/failed/$id")
sed -i "s/^arrival $old\./arrival $((old - 2 * 86400))./" "$SPOOL/failed/$id"
t_drain
t_eq "$(t_nfailed)" 0 "removed after failed_lifetime"
t_grep "$id: removed from failed/ after 2 days (failed_lifetime)" "$LOG"
