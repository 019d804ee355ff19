#!/usr/bin/env bash
# The event poller against a queue that fails: wrong secret, a queue that
# does not exist, an endpoint that is down and comes back.  Each failure
# is logged once in the operator's terms, delivery goes on, and polling
# resumes by itself once the queue answers.
. "$(dirname "$0")/../lib.sh"
t_setup 'configuration_set = "relay";' 'events_wait = 1;'
t_standin
echo 'host_tag = "web1";' >>"$CONF"
NO_QUEUE_URL=1 t_sqs --delay 0.2 --visibility 1
export T_WAIT=20
n() { grep -c "$1" "$LOG"; }

# Wrong secret: SQS says SignatureDoesNotMatch; mail still goes out.
echo "events_queue_url = \"$SQS_URL\";" >>"$CONF"
AWS_SECRET_ACCESS_KEY=wrong t_daemon_bg
t_wait grep -q "SES events: cannot read $SQS_URL: credentials refused: HTTP 403 SignatureDoesNotMatch" "$LOG" ||
	t_fail "refused signature not logged"
t_grep "SignatureDoesNotMatch.*; retrying -- check the AWS credentials: sesrelay credentials" "$LOG"
t_send 'To: ok@example.com\nSubject: still delivered\n\nx\n'
t_wait grep -q 'to=<ok@example.com>.*status=sent' "$LOG" || t_fail "delivery stopped by the poller"
sleep 4
t_eq "$(n 'credentials refused')" 1 "logged once, not at every retry"
[ "$(t_sqs_stat signature_failures)" -ge 2 ] || t_fail "no retry"
t_ok "retried with a backoff ($(t_sqs_stat signature_failures) attempts)"
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null

# A queue that does not exist.
sed -i '/^events_queue_url/d' "$CONF"
echo "events_queue_url = \"${SQS_URL%/*}/no-such-queue\";" >>"$CONF"
t_daemon_bg
t_wait grep -q 'queue does not exist: HTTP 400 QueueDoesNotExist: The specified queue does not exist' "$LOG" || t_fail "no such queue not logged"
t_grep 'QueueDoesNotExist: The specified queue does not exist.; retrying -- check events_queue_url' "$LOG"
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null

# Not a queue URL at all: refused at start, in words.
sed -i '/^events_queue_url/d' "$CONF"
echo 'events_queue_url = "sqs.eu-west-1.amazonaws.com/ses-events";' >>"$CONF"
t_daemon_bg
t_wait grep -q "SES events off: events_queue_url 'sqs.eu-west-1.amazonaws.com/ses-events' is not a queue URL" "$LOG" ||
	t_fail "bad URL not explained"
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null

# The endpoint is down, then comes back: events flow without a restart.
sed -i '/^events_queue_url/d' "$CONF"
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "events_queue_url = \"http://127.0.0.1:$port/123456789012/ses-events\";" >>"$CONF"
t_daemon_bg
t_wait grep -q "SES events: cannot read http://127.0.0.1:$port/123456789012/ses-events: no reply: " "$LOG" ||
	t_fail "endpoint down not logged"
"$PY" "$TOP/test/standin/sqs_standin.py" --port "$port" --maildir "$MAILDIR" --delay 0.2 \
	--log "$TROOT/sqs2.log" >/dev/null 2>&1 &
_pids+=($!)
t_send 'To: back@example.com\nSubject: after the outage\n\nx\n'
T_WAIT=60 t_wait grep -q 'to=<back@example.com>.*status=delivered' "$LOG" ||
	t_fail "polling did not resume"
t_grep 'SES events: reading http://127.0.0.1:.* again' "$LOG"
t_eq "$(n 'no reply')" 1 "the outage logged once"
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
t_grep 'daemon stopped' "$LOG"
