#!/usr/bin/env bash
# Two hosts on one SNS topic.  With one queue each and the documented
# filter policy on the sesrelay_host tag, each host receives and stores
# only its own events.  On one shared queue without a filter, each host
# stores its own and leaves the other's in the queue, so both histories
# still end up complete and the queue empty.
. "$(dirname "$0")/../lib.sh"
t_setup 'configuration_set = "relay";' 'events_wait = 1;'
t_standin
echo 'host_tag = "web1";' >>"$CONF"
NO_QUEUE_URL=1 t_sqs --delay 0.2 --visibility 1 --queue web1:sesrelay_host=web1 \
	--queue web2:sesrelay_host=web2 --queue shared
Q=http://127.0.0.1:$SQS_PORT/123456789012
export T_WAIT=30

# Host B: its own spool, log and tag; same SES account and topic.
CONF2=$TROOT/b.conf; SPOOL2=$TROOT/spool-b; LOG2=$TROOT/b.log
: >"$LOG2"; chmod 666 "$LOG2"
sed -e "s|^spool_dir = .*|spool_dir = \"$SPOOL2\";|" -e "s|^log_file = .*|log_file = \"$LOG2\";|" \
	-e 's|^host_tag = .*|host_tag = "web2";|' "$CONF" >"$CONF2"
"$SESRELAY" -C "$CONF2" setup >/dev/null || t_fail "setup B"
cp "$CONF" "$TROOT/a.base"; cp "$CONF2" "$TROOT/b.base"
start() {	# queue-for-A queue-for-B
	cp "$TROOT/a.base" "$CONF"; echo "events_queue_url = \"$Q/$1\";" >>"$CONF"
	cp "$TROOT/b.base" "$CONF2"; echo "events_queue_url = \"$Q/$2\";" >>"$CONF2"
	t_daemon_bg; PID_A=$DAEMON_PID
	"$SESRELAY" -C "$CONF2" daemon >>"$TROOT/daemon-b.out" 2>&1 & PID_B=$!; _pids+=($PID_B)
}
stop() { kill "$PID_A" "$PID_B"; wait "$PID_A" "$PID_B" 2>/dev/null; }
send_b() { printf "$@" | "$SENDMAIL" -C "$CONF2" -t -i || t_fail "sendmail B"; }
lines() { grep -c 'ses_id=.*, status=' "$1"; }
_lines() { [ "$(lines "$1")" -ge "$2" ]; }

# 1. One queue per host, filtered on the tag.
start web1 web2
t_send 'To: a1@example.com, bounce+a@example.com\nSubject: from A\n\nx\n'
send_b 'To: b1@example.com, bounce+b@example.com\nSubject: from B\n\nx\n'
t_wait _lines "$LOG" 2 || t_fail "A's events"
t_wait _lines "$LOG2" 2 || t_fail "B's events"
sleep 2
t_eq "$(lines "$LOG")" 2 "A logged its 2 events only"
t_eq "$(lines "$LOG2")" 2 "B logged its 2 events only"
t_grep 'to=<bounce+a@example.com>.*status=bounced' "$LOG"
t_nogrep 'b1@example.com' "$LOG"; t_nogrep 'bounce+b@example.com' "$LOG"
t_nogrep 'a1@example.com' "$LOG2"
"$SESRELAY" -C "$CONF" trace b1@example.com >/dev/null 2>&1; t_eq $? 1 "A's trace does not know B's mail"
"$SESRELAY" -C "$CONF2" trace b1@example.com >"$TROOT/out" || t_fail "B's trace"
t_grep '<b1@example.com>  delivered: 250 2.0.0 OK' "$TROOT/out"
t_nogrep 'left in the queue' "$LOG"; t_nogrep 'left in the queue' "$LOG2"
stop

# 2. Both hosts on one queue without a filter.
start shared shared
t_send 'To: a2@example.com\nSubject: from A again\n\nx\n'
send_b 'To: b2@example.com\nSubject: from B again\n\nx\n'
t_wait _lines "$LOG" 3 || t_fail "A's event from the shared queue"
t_wait _lines "$LOG2" 3 || t_fail "B's event from the shared queue"
_empty() { [ "$(t_sqs_stat queues.shared.visible)" = 0 ] && [ "$(t_sqs_stat queues.shared.in_flight)" = 0 ]; }
t_wait _empty || t_fail "shared queue not drained"
t_grep 'to=<a2@example.com>.*status=delivered' "$LOG"
t_grep 'to=<b2@example.com>.*status=delivered' "$LOG2"
t_nogrep 'b2@example.com' "$LOG"; t_nogrep 'a2@example.com' "$LOG2"
"$SESRELAY" -C "$CONF2" trace b2@example.com >"$TROOT/out" || t_fail "B's trace"
t_grep '<b2@example.com>  delivered' "$TROOT/out"
t_ok "on a shared queue each host stored its own events, the queue is empty"
echo "events left for the other host: A $(grep -c 'left in the queue' "$LOG"), B $(grep -c 'left in the queue' "$LOG2")"
stop
