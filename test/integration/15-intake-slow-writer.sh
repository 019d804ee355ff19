#!/usr/bin/env bash
# A slow submission is never taken for a stale temp file: sendmail holds a
# lock on its maildrop temp file while it reads, and the daemon's purge of
# temp files older than an hour removes only unlocked ones.  (cron streams a
# long job's output to sendmail as it comes: one line, then an hour of
# silence.)  An abandoned temp file (its writer killed) is still removed.
. "$(dirname "$0")/../lib.sh"
t_setup
t_standin
has_temp() { ls "$SPOOL/maildrop" | grep -q '^t\.'; }

mkfifo "$TROOT/fifo"
"$SENDMAIL" -C "$CONF" -i a@example.com <"$TROOT/fifo" >"$TROOT/sm.out" 2>&1 & pid=$!
exec 3>"$TROOT/fifo"
printf 'Subject: slow job\n\nfirst line\n' >&3
t_wait has_temp || t_fail "temp file not created"
tmp=$(ls "$SPOOL"/maildrop/t.*)
# The writer has been quiet for two hours (as far as the mtime tells).
touch -d '2 hours ago' "$tmp"
# An abandoned temp file of a killed writer, just as old.
cp "$tmp" "$SPOOL/maildrop/t.0123456789abcdef.1"
touch -d '2 hours ago' "$SPOOL/maildrop/t.0123456789abcdef.1"
t_drain || t_fail "daemon --once"
[ -e "$tmp" ] || t_fail "the purge removed the temp file of a live writer"
t_ok "live writer's temp file kept"
[ ! -e "$SPOOL/maildrop/t.0123456789abcdef.1" ] || t_fail "abandoned temp file kept"
t_ok "abandoned temp file removed"

printf 'last line\n' >&3
exec 3>&-
wait $pid; rc=$?
cat "$TROOT/sm.out"
t_eq "$rc" 0 "slow sendmail exits 0"
t_eq "$(t_ndrops)" 1 "slow message queued"
t_message "$(t_one_drop)" >"$TROOT/m"
t_grep '^first line$' "$TROOT/m"; t_grep '^last line$' "$TROOT/m"
t_drain || t_fail "daemon --once"
t_eq "$(t_received)" 1 "slow message delivered"
t_grep '^last line' "$(find "$MAILDIR" -name '*.eml')"
