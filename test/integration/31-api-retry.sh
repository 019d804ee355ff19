#!/usr/bin/env bash
# API transport, temporary failures: 5xx deferred with backoff and retried;
# a timeout or a dropped connection after the whole request was sent is
# retried with "duplicate possible" logged; an unreachable endpoint is
# deferred with a hint; a message over SES's 40 MB fails before upload.
. "$(dirname "$0")/../lib.sh"
. "$TOP/test/lib_aws.sh"
. "$TOP/test/lib_api.sh"
t_setup 'retry_min = 3;' 'retry_max = 3;' 'response_timeout = 2;' 'connections = 2;'
t_api_standin

t_send 'To: flaky@example.com\nSubject: flaky\n\nx\n'
t_drain
t_eq "$(t_received)" 0 "500 first: nothing delivered"
t_grep 'to=<flaky@example.com>, relay=https://127.0.0.1:[0-9]*\[127.0.0.1:[0-9]*\], .*attempts=1, dsn=4.4.1, status=deferred (500 InternalFailure: An internal error occurred.)' "$LOG"
id=$(ls "$SPOOL/queue"); t_grep $'^rcpt\tflaky@example.com\tpending\t1\t' "$SPOOL/state/$id"
t_drain; t_eq "$(grep -c 'to=<flaky@' "$LOG")" 1 "not retried before its time"
sleep 3.5
t_drain
t_eq "$(t_received)" 1 "delivered on retry"
t_grep 'to=<flaky@example.com>.*attempts=2, dsn=2.0.0, status=sent (200 OK ' "$LOG"

t_send 'To: err503@example.com\nSubject: 503\n\nx\n'
t_drain
t_grep 'to=<err503@example.com>.*dsn=4.4.1, status=deferred (503 ServiceUnavailable' "$LOG"

# No reply after the whole request: the stall timeout; SES may have sent it.
t_send 'To: hangend@example.com\nSubject: h\n\nx\n'
t_drain
t_grep 'to=<hangend@example.com>.*dsn=4.4.2, status=deferred (outcome unknown, a duplicate is possible: timeout: .*hint: no answer after the whole request was sent' "$LOG"
# The connection closed after the whole request, without a reply.
t_send 'To: dropdata@example.com\nSubject: d\n\nx\n'
t_drain
t_grep 'to=<dropdata@example.com>.*status=deferred (outcome unknown, a duplicate is possible' "$LOG"
t_eq "$(t_nqueue)" 3 "the three still queued"

# Past queue_lifetime: a deferred message fails permanently.
echo 'queue_lifetime = 60;' >>"$CONF"
t_send 'To: err503@example.com\nSubject: old\n\nx\n'
id=$(ls -t "$SPOOL/maildrop" | head -1)
old=$(( $(date +%s) - 120 ))
sed -i "s/^arrival [0-9.]*\$/arrival $old.000000/" "$SPOOL/maildrop/$id"
t_drain
t_grep "$id: to=<err503@example.com>.*status=bounced (gave up" "$LOG"

# Over SES's raw limit as sent: a message stored within max_message_size
# (40 MB) whose CRLF line ends take it past 41943040 octets fails with a
# clear reason, and nothing is uploaded.
"$PY" -c '
import sys
sys.stdout.write("To: big@example.com\nSubject: big\n\n")
sys.stdout.write(("x" * 9 + "\n") * 4150000)' | "$SENDMAIL" -C "$CONF" -t -i || t_fail "queue 41 MB"
t_drain
t_grep 'to=<big@example.com>.*dsn=5.3.4, status=bounced (too big: the message is over 41943040 octets as sent (CRLF line ends), the SES API.s limit of 40 MB: not sent)' "$LOG"
t_nogrep 'POST SendEmail .* raw=[0-9]\{8,\}' "$AWS_LOG"	# nothing of 10 MB or more came

# An endpoint that refuses connections: deferred, with a hint.
t_cleanup; trap t_cleanup EXIT
t_setup 'retry_min = 3;' 'retry_max = 3;'
t_api_standin
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s|^ses_endpoint = .*|ses_endpoint = \"https://127.0.0.1:$port\";|" "$CONF"
t_send 'To: a@example.com\nSubject: x\n\nx\n'
t_drain
t_grep 'to=<a@example.com>.*status=deferred (cannot connect: .*hint: cannot reach the SES API endpoint' "$LOG"
