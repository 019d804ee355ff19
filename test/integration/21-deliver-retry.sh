#!/usr/bin/env bash
# Temporary failures: deferred with backoff and retried; a dropped or silent
# server after the final dot is retried with "duplicate possible" logged.
. "$(dirname "$0")/../lib.sh"
t_setup 'retry_min = 3;' 'retry_max = 3;' 'response_timeout = 2;' 'connections = 2;'
t_standin

t_send 'To: flaky@example.com\nSubject: flaky\n\nx\n'
t_drain
t_eq "$(t_received)" 0 "451 first: nothing delivered"
t_grep 'to=<flaky@example.com>.*attempts=1, dsn=4.0.0, status=deferred (451 Temporary service failure)' "$LOG"
id=$(ls "$SPOOL/queue"); t_grep $'^rcpt\tflaky@example.com\tpending\t1\t' "$SPOOL/state/$id"
# Not due yet: a run now does not retry it.
t_drain; t_eq "$(grep -c 'to=<flaky@' "$LOG")" 1 "not retried before its time"
sleep 3.5
t_drain
t_eq "$(t_received)" 1 "delivered on retry"
t_grep 'to=<flaky@example.com>.*attempts=2, dsn=2.0.0, status=sent' "$LOG"

# 421 after the final dot, then close: deferred, not lost.
t_send 'To: close421@example.com\nSubject: c\n\nx\n'
t_drain
t_grep 'to=<close421@example.com>.*status=deferred (421' "$LOG"
t_eq "$(t_nqueue)" 1 "421: still queued"

# Connection dropped after the final dot: outcome unknown.
t_send 'To: dropdata@example.com\nSubject: d\n\nx\n'
t_drain
t_grep 'to=<dropdata@example.com>.*status=deferred (outcome unknown, a duplicate is possible' "$LOG"

# Connection cut in the middle of DATA: deferred, retried later.
"$PY" -c 'print("To: dropmid@example.com\nSubject: m\n\n" + ("z" * 70 + "\n") * 20000)' |
	"$SENDMAIL" -C "$CONF" -t -i
t_drain
t_grep 'to=<dropmid@example.com>.*status=deferred' "$LOG"
t_grep 'dropping the connection in the middle of DATA' "$STANDIN_LOG"

# No reply to the final dot: response timeout, duplicate possible.
t_send 'To: hangend@example.com\nSubject: h\n\nx\n'
t_drain
t_grep 'to=<hangend@example.com>.*status=deferred (outcome unknown, a duplicate is possible' "$LOG"
t_eq "$(t_nqueue)" 4 "all four still queued"

# Past queue_lifetime: a deferred message fails permanently.
echo 'queue_lifetime = 60;' >>"$CONF"
t_send 'To: data451@example.com\nSubject: old\n\nx\n'
id=$(ls -t "$SPOOL/maildrop" | head -1)
old=$(( $(date +%s) - 120 ))
"$PY" - "$SPOOL/maildrop/$id" "$old" <<'PY'
import sys, re
p, t = sys.argv[1], sys.argv[2]
d = open(p, 'rb').read()
d = re.sub(rb'^arrival [0-9.]+$', b'arrival ' + t.encode() + b'.000000', d, count=1, flags=re.M)
open(p, 'wb').write(d)
PY
t_drain
t_grep 'to=<data451@example.com>.*status=bounced (gave up' "$LOG"

# A reused connection that the server closed between messages: the next
# message is retried at once on a new connection, not counted as a failure.
t_cleanup; trap t_cleanup EXIT
t_setup 'connections = 1;'
t_standin --close-after 1 --close-mode silent
t_send 'To: one@example.com\nSubject: 1\n\nx\n'
t_send 'To: two@example.com\nSubject: 2\n\nx\n'
t_drain
t_eq "$(t_received)" 2 "both delivered"
t_grep 'to=<two@example.com>.*attempts=1, dsn=2.0.0, status=sent' "$LOG"
t_nogrep 'status=deferred' "$LOG"

# A message larger than max_message_size (the limit was lowered after it
# was queued) fails before any upload, with a clear reason.
echo 'max_message_size = 2048;' >>"$CONF"
"$PY" -c 'print("To: big@example.com\nSubject: big\n\n" + "y" * 1500)' | "$SENDMAIL" -C "$CONF" -t -i
sed -i 's/^max_message_size = 2048;/max_message_size = 1024;/' "$CONF"
t_drain
t_grep 'to=<big@example.com>.*status=bounced (message size [0-9]* exceeds max_message_size (1024): not sent)' "$LOG"
t_eq "$(t_received)" 2 "nothing uploaded"
