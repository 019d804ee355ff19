#!/usr/bin/env bash
# Issue 7 item 2: SES refusing a user's own -f sender ("not verified") holds
# only that sender's mail; everyone else's goes on.  Status and queue show
# say so; attempts are not counted.
. "$(dirname "$0")/../lib.sh"
t_setup 'hold_probe_interval = 600;'	# sender empty: the documented default
t_standin --control "$TROOT/control.json"
send_from() {	# sender, recipient, subject
	printf 'To: %s\nSubject: %s\n\nx\n' "$2" "$3" |
		"$SENDMAIL" -C "$CONF" -f "$1" -t -i || t_fail "sendmail"
}
t_daemon_bg
t_wait grep -q 'daemon started' "$LOG" || t_fail "daemon did not start"

send_from alice@users.example data554sender@example.com first
t_wait grep -q 'mail from <alice@users.example> held' "$LOG" || t_fail "sender not held"
t_nogrep 'queue held' "$LOG"
t_grep 'to=<data554sender@example.com>.*status=held' "$LOG"
first=$(ls "$SPOOL/queue" | head -1)

# Bob's mail goes on; Alice's next message waits without being tried.
send_from alice@users.example ok1@example.com second
send_from bob@users.example ok2@example.com third
t_wait_received 1 || t_fail "bob's message not delivered: the whole queue is held"
t_ok "other senders' mail delivered"
sleep 1
t_eq "$(t_received)" 1 "alice's second message not sent"
t_nogrep 'to=<ok1@example.com>' "$LOG"
t_eq "$(t_nqueue)" 2 "alice's two messages queued"
t_eq "$(t_nfailed)" 0 "nothing failed"
t_grep $'^rcpt\tdata554sender@example.com\tpending\t0\t' "$SPOOL/state/$first"
t_ok "held attempt not counted"

# status: a warning naming the sender, not a critical queue hold.
t_wait grep -q '^sender_hold=' "$SPOOL/run/status" || t_fail "status file"
rc=0; "$SESRELAY" -C "$CONF" status >"$TROOT/status.out" || rc=$?
t_eq "$rc" 1 "status: warning"
t_grep '^SESRELAY WARNING - mail from <alice@users.example> held since' "$TROOT/status.out"
t_grep '^sender held:     mail from <alice@users.example>' "$TROOT/status.out"
t_grep "^to retry now: .*sesrelay queue flush" "$TROOT/status.out"
t_grep '^queue:           not held' "$TROOT/status.out"
"$SESRELAY" -C "$CONF" status --json >"$TROOT/status.json"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["held_senders"][0]["sender"] == "alice@users.example", d' \
	"$TROOT/status.json" || t_fail "status --json held_senders"
"$SESRELAY" -C "$CONF" queue show "$first" >"$TROOT/show.out"
t_grep '^Held:      mail from <alice@users.example> is held' "$TROOT/show.out"
t_ok "status and queue show name the held sender"

# A flush tries the held sender at once (item 12): SES says the same, the
# hold goes on and nothing is counted.
n=$(grep -c 'status=held' "$LOG")
"$SESRELAY" -C "$CONF" queue flush >/dev/null || t_fail "queue flush"
_more_held() { [ "$(grep -c 'status=held' "$LOG")" -gt "$n" ]; }
T_WAIT=5 t_wait _more_held || t_fail "flush did not probe the held sender"
t_grep 'to=<data554sender@example.com>.*attempts=0.*status=held' "$LOG"
t_nogrep 'mail from <alice@users.example> released' "$LOG"
t_ok "flush probed the held sender; still held"

# Issue 7 item 11(a): a recipient's 553 whose text merely contains the
# sender's address (rcpt553+u@example.com ends with u@example.com) is that
# recipient's failure, not a hold of the queue or of the sender.
: >"$LOG"
send_from u@example.com rcpt553+u@example.com fourth
t_wait grep -q 'to=<rcpt553+u@example.com>.*status=bounced' "$LOG" ||
	{ cat "$LOG"; t_fail "553 at RCPT not a bounce"; }
t_nogrep 'queue held' "$LOG"
t_nogrep 'mail from <u@example.com> held' "$LOG"
t_ok "553 naming an address that contains the sender: bounced, nothing held"
