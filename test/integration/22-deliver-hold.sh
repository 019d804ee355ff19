#!/usr/bin/env bash
# Operator's mistakes hold the whole queue: nothing is bounced, one clear
# log line, and a SIGHUP with a fixed config resumes at once.
. "$(dirname "$0")/../lib.sh"
t_setup 'sender = "noreply@verified.example";'
t_standin --control "$TROOT/control.json"

# Wrong credentials (535): held, not bounced, still queued.
t_control '{"auth_fail": true}'
for i in 1 2 3; do t_send 'To: a%s@example.com\nSubject: h%s\n\nx\n' $i $i; done
t_drain; rc=$?
t_eq "$rc" 75 "daemon --once reports a held queue"
t_grep 'queue held: .*535 Authentication Credentials Invalid.*hint: SES refused the SMTP credentials' "$LOG"
t_grep 'status=held (535' "$LOG"
t_nogrep 'status=bounced' "$LOG"
t_eq "$(t_nqueue)" 3 "all three still queued"
t_eq "$(t_nfailed)" 0 "nothing failed"
t_grep '^hold_reason=535 Authentication Credentials Invalid' "$SPOOL/run/status"
t_grep '^held_since=[1-9]' "$SPOOL/run/status"
# Only what was already in flight was tried; attempts are not counted.
id=$(ls "$SPOOL/queue" | head -1)
[ -e "$SPOOL/state/$id" ] && t_grep $'^rcpt\t.*\tpending\t0\t' "$SPOOL/state/$id"
t_ok "held: attempts not counted"

# The running daemon resumes right after a reload with a fixed config.
t_daemon_bg
t_wait grep -q 'daemon started' "$LOG" || t_fail "daemon did not start"
# A started daemon tries again (a restart is an operator's action); wait
# until it has held the queue itself before fixing the credentials.
_held_twice() { [ "$(grep -c 'queue held:' "$LOG")" -ge 2 ]; }
t_wait _held_twice || t_fail "running daemon did not hold the queue"
rm -f "$TROOT/control.json"
kill -HUP "$DAEMON_PID"
t_wait_received 3 || t_fail "not delivered after SIGHUP"
t_ok "SIGHUP: held queue resumed and delivered"
t_grep 'queue released: configuration reloaded' "$LOG"
t_wait grep -q '^hold_reason=$' "$SPOOL/run/status" || t_fail "status still held"
# A broken config on reload is refused and the old one kept.
cp "$CONF" "$TROOT/good.conf"
echo 'port = "not a number";' >>"$CONF"
kill -HUP "$DAEMON_PID"
t_wait grep -q 'reload refused, keeping the running configuration' "$LOG" || t_fail "bad reload"
t_ok "broken reload refused"
cp "$TROOT/good.conf" "$CONF"
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
: >"$LOG"

# Our sender not verified (554 naming it), access denied, account paused:
# all hold the queue and bounce nothing.
for rcpt in data554sender denied paused; do
	t_send "To: $rcpt@example.com\nSubject: $rcpt\n\nx\n"
	t_drain
	t_grep "to=<$rcpt@example.com>.*status=held" "$LOG"
	t_nogrep 'status=bounced' "$LOG"
	rm -f "$SPOOL"/queue/* "$SPOOL"/state/*; : >"$LOG"
done
t_ok "554 sender-not-verified, access denied, paused: held"

# A password_file readable by others is refused: the queue holds with a hint.
sed -i '/^password/d' "$CONF"
echo testsecret >"$TROOT/secret"; chmod 644 "$TROOT/secret"; chown "$RELAY_USER" "$TROOT/secret"
echo "password_file = \"$TROOT/secret\";" >>"$CONF"
t_send 'To: p@example.com\nSubject: p\n\nx\n'
t_drain
t_grep 'readable by other users' "$LOG"
chmod 600 "$TROOT/secret"
t_drain
t_grep 'to=<p@example.com>.*status=sent' "$LOG"
