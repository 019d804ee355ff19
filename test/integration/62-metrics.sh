#!/usr/bin/env bash
# sesrelay metrics and the daemon's metrics_file: valid Prometheus text
# (promtool check metrics, Debian's prometheus package), values that match a
# queue built to be known (sent, deferred, bounced, failed, held, incoming),
# counters that survive a restart, held/paused with their reason labels,
# an atomic file of mode 0644.
. "$(dirname "$0")/../lib.sh"
command -v promtool >/dev/null || t_fail "promtool missing (apt-get install prometheus; test/deps.sh)"
t_setup 'retry_min = 3600;' 'metrics_interval = 1;' 'max_rate = 20.0;'
echo "metrics_file = \"$TROOT/textfile/sesrelay.prom\";" >>"$CONF"
t_standin
mkdir "$TROOT/textfile"; chown "$RELAY_USER" "$TROOT/textfile"
metrics() { "$SESRELAY" -C "$CONF" metrics; }
# val NAME{labels} FILE: the value of one series.
val() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
lint() { promtool check metrics <"$1" >"$TROOT/lint.out" 2>&1 ||
	{ cat "$TROOT/lint.out"; t_fail "promtool check metrics $1"; }; t_ok "promtool: $1 clean"; }

# An empty spool, no daemon, no counters yet.
metrics >"$TROOT/m0" || t_fail "sesrelay metrics"
lint "$TROOT/m0"
t_eq "$(val 'sesrelay_queue_messages{state="deferred"}' "$TROOT/m0")" 0 "empty: 0 deferred"
t_eq "$(val sesrelay_daemon_running "$TROOT/m0")" 0 "no daemon"
t_eq "$(val 'sesrelay_recipients_total{status="sent"}' "$TROOT/m0")" 0 "no counters yet"

# The known queue: one message to 3 recipients that SES accepts, one
# deferred (451), one to a recipient refused with 550 (null sender: no
# bounce notice), one held by the operator, one still in the maildrop.
t_send 'To: a@example.com, b@example.com, c@example.com\nSubject: ok\n\nx\n'
t_send 'To: data451@example.com\nSubject: deferred\n\nx\n'
printf 'To: rcpt550@example.com\nSubject: bounced\n\nx\n' | "$SENDMAIL" -C "$CONF" -t -i -f '<>'
t_drain || t_fail "drain"
t_send 'To: h@example.com\nSubject: held\n\nx\n'
"$SESRELAY" -C "$CONF" queue hold "$(t_drops)" >/dev/null || t_fail "hold"
t_send 'To: i@example.com\nSubject: incoming\n\nx\n'
metrics >"$TROOT/m1" || t_fail "sesrelay metrics"
lint "$TROOT/m1"
cat "$TROOT/m1"
"$SESRELAY" -C "$CONF" status --json >"$TROOT/status.json"
for s in incoming active deferred held failed; do
	want=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["messages"][sys.argv[2]])' \
		"$TROOT/status.json" "$s")
	t_eq "$(val "sesrelay_queue_messages{state=\"$s\"}" "$TROOT/m1")" "$want" "$s agrees with status"
done
t_eq "$(val 'sesrelay_queue_messages{state="deferred"}' "$TROOT/m1")" 1 "1 deferred"
t_eq "$(val 'sesrelay_queue_messages{state="failed"}' "$TROOT/m1")" 1 "1 failed"
t_eq "$(val 'sesrelay_queue_messages{state="held"}' "$TROOT/m1")" 1 "1 held"
t_eq "$(val 'sesrelay_queue_messages{state="incoming"}' "$TROOT/m1")" 1 "1 incoming"
t_eq "$(val 'sesrelay_recipients_total{status="sent"}' "$TROOT/m1")" 3 "3 recipients sent"
t_eq "$(val 'sesrelay_recipients_total{status="deferred"}' "$TROOT/m1")" 1 "1 deferral"
t_eq "$(val 'sesrelay_recipients_total{status="bounced"}' "$TROOT/m1")" 1 "1 bounced"
t_eq "$(val sesrelay_messages_failed_total "$TROOT/m1")" 1 "1 message failed"
t_eq "$(val sesrelay_max_send_rate "$TROOT/m1")" 20.000 "configured rate"
t_eq "$(val sesrelay_queue_held "$TROOT/m1")" 0 "queue not held"
age=$(val sesrelay_queue_oldest_message_age_seconds "$TROOT/m1")
want=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["oldest_age"])' "$TROOT/status.json")
[ "$age" -ge $((want - 2)) ] && [ "$age" -le $((want + 2)) ] || t_fail "oldest age $age, status says $want"
t_ok "oldest age $age s"
t_grep '^# TYPE sesrelay_recipients_total counter$' "$TROOT/m1"
t_grep '^# TYPE sesrelay_queue_oldest_message_age_seconds gauge$' "$TROOT/m1"
# The counters are saved at exit and reloaded: the file says the same.
t_grep '^sent 3$' "$SPOOL/run/counters"
t_eq "$(val sesrelay_last_success_timestamp_seconds "$TROOT/m1" | cut -c1-3)" "$(date +%s | cut -c1-3)" \
	"last success is a recent epoch time"

# The daemon writes metrics_file: valid, 0644, no temp file left, counters
# carried on from the earlier run.
"$SESRELAY" -C "$CONF" queue delete -y ALL >/dev/null
t_daemon_bg
t_wait grep -q 'daemon started' "$LOG" || t_fail "daemon start"
prom=$TROOT/textfile/sesrelay.prom
t_wait test -s "$prom" || t_fail "metrics_file not written"
t_send 'To: d@example.com\nSubject: live\n\nx\n'
_sent4() { [ "$(val 'sesrelay_recipients_total{status="sent"}' "$prom")" = 4 ]; }
t_wait _sent4 || { cat "$prom"; t_fail "metrics_file does not show the 4th recipient"; }
t_ok "metrics_file updated by the daemon: 4 sent over two daemon runs"
cp "$prom" "$TROOT/m2"; lint "$TROOT/m2"
t_eq "$(val sesrelay_daemon_running "$TROOT/m2")" 1 "daemon running"
t_eq "$(stat -c %a "$prom")" 644 "metrics_file mode 0644"
t_eq "$(ls "$TROOT/textfile")" "sesrelay.prom" "no temporary file left"

# Held after "Access denied" (the stand-in's fault address, refused at
# DATA, so a reused connection cannot dodge it): the reason as code and DSN.
t_send 'To: denied@example.com\nSubject: s\n\nx\n'
t_wait grep -q 'queue held' "$LOG" || t_fail "not held"
_held() { [ "$(val sesrelay_queue_held "$prom")" = 1 ]; }
t_wait _held || { cat "$prom"; t_fail "metrics_file does not show the hold"; }
cp "$prom" "$TROOT/m3"; lint "$TROOT/m3"
t_eq "$(val 'sesrelay_queue_held_info{code="554",dsn="5.7.1"}' "$TROOT/m3")" 1 "held: 554 5.7.1"
t_eq "$(grep -c '^sesrelay_queue_held_info{' "$TROOT/m3")" 1 "one held_info series"
# Quota: paused with reason quota.
"$SESRELAY" -C "$CONF" queue delete -y ALL >/dev/null
kill -HUP "$DAEMON_PID"
t_wait grep -q 'queue released' "$LOG" || t_fail "release after reload"
t_send 'To: quota@example.com\nSubject: s\n\nx\n'
t_wait grep -q 'sending paused' "$LOG" || t_fail "quota pause"
_quota() { [ "$(val 'sesrelay_sending_paused{reason="quota"}' "$prom")" = 1 ]; }
t_wait _quota || { cat "$prom"; t_fail "metrics_file does not show the quota pause"; }
cp "$prom" "$TROOT/m4"; lint "$TROOT/m4"
t_eq "$(val 'sesrelay_sending_paused{reason="throttle"}' "$TROOT/m4")" 0 "not a throttle"
t_eq "$(val sesrelay_queue_held "$TROOT/m4")" 0 "no longer held"
t_nogrep 'sesrelay_queue_held_info{' "$TROOT/m4"
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null

# Other users may not read the queue's figures.
runuser -u www-data -- "$SESRELAY" -C "$CONF" metrics >"$TROOT/out" 2>&1
t_eq "$?" 77 "www-data: metrics refused"
