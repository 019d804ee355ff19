#!/usr/bin/env bash
# SES events end to end: a message sent through the SES stand-in (with the
# configuration set and tag headers) -> events published by the SQS
# stand-in (SNS envelope, SigV4 checked with botocore) -> the daemon's
# poller -> one log line per event, trace, status; then redelivered,
# malformed, unknown and early (before our 250 is recorded) events.
. "$(dirname "$0")/../lib.sh"
t_setup 'configuration_set = "relay";' 'message_tags = "app=test";' 'events_wait = 1;'
t_standin --control "$TROOT/control.json"
echo 'host_tag = "web1";' >>"$CONF"	# after t_standin: it looks for '^host'
t_sqs --delay 0.3 --visibility 2
export T_WAIT=30
tr() { "$SESRELAY" -C "$CONF" trace "$@"; }
t_daemon_bg
t_wait grep -q 'SES events: polling http://127.0.0.1' "$LOG" || t_fail "poller did not start"

# One message, one recipient per kind of event.
t_send 'From: app@host.test\nTo: ok@example.com, bounce@example.com, nouser@example.com, suppressed@example.com\nCc: softbounce@example.com, complaint@example.com, delay@example.com, blocked@example.com\nMessage-ID: <e2e.1@host.test>\nSubject: events\n\nbody\n'
eml=$(t_wait_received 1 && ls "$MAILDIR"/*.eml)
sesid=$(basename "$eml" .eml)
t_grep '^X-SES-CONFIGURATION-SET: relay' "$eml"
t_grep '^X-SES-MESSAGE-TAGS: sesrelay_host=web1, app=test' "$eml"
_n_events() { [ "$(grep -c "ses_id=$sesid, status=" "$LOG")" -ge "$1" ]; }
t_wait _n_events 9 || { cat "$TROOT/sqs.log" | tail -20; t_fail "9 event lines expected"; }
qid=$(sed -n "s/.* \([0-9a-f]\{16\}\): to=<ok@example.com>.*status=sent.*/\1/p" "$LOG")
ln() { grep -F "$qid: to=<$1>" "$LOG" | grep -F "ses_id=$sesid, status=$2"; }
ln ok@example.com 'delivered (250 2.0.0 OK queued as' >/dev/null || t_fail "delivered line"
t_ok "delivered: $(ln ok@example.com delivered)"
ln bounce@example.com 'bounced (Permanent/General: smtp; 550 5.1.1 user unknown) hint: the address does not exist' >/dev/null ||
	t_fail "bounced line"
t_ok "bounced line with its hint"
ln nouser@example.com 'bounced (Permanent/NoEmail: smtp; 550 5.1.1 user unknown)' >/dev/null || t_fail "NoEmail"
ln suppressed@example.com "bounced (Permanent/OnAccountSuppressionList) hint: the address is on the account's suppression list" >/dev/null ||
	t_fail "account suppression list"
ln softbounce@example.com 'bounced (Transient/MailboxFull: smtp; 452 4.2.2 mailbox full) hint: the recipient' >/dev/null ||
	t_fail "transient bounce"
ln complaint@example.com 'complaint (abuse) hint: the recipient marked this mail as spam' >/dev/null ||
	t_fail "complaint line"
ln complaint@example.com 'delivered' >/dev/null || t_fail "complaint recipient's delivery"
ln delay@example.com "delayed (MailboxFull: smtp; 452 4.2.2 mailbox full) hint: the recipient's mailbox is full" >/dev/null ||
	t_fail "delay line"
ln blocked@example.com "delayed (IPFailure: smtp; 421 4.7.0 IP blocked by policy) hint: blocked by the recipient's server" >/dev/null ||
	t_fail "blocked line"
t_grep "dsn=4.2.2, ses_id=$sesid, status=delayed" "$LOG"
t_ok "every kind of event logged with the remote words and a hint"

# trace: the whole path per recipient, by each key.
tr "$qid" >"$TROOT/out" || t_fail "trace by queue id"
t_grep "^$qid  Message-ID <e2e.1@host.test>" "$TROOT/out"
t_grep "<bounce@example.com>  bounced (Permanent/General): 5.1.1 smtp; 550 5.1.1 user unknown \[dsn; a1-2.smtp-out" "$TROOT/out"
t_grep "<delay@example.com>  delayed (MailboxFull): 4.2.2 smtp; 452 4.2.2 mailbox full \[198.51.100.7\]; SES retries until" "$TROOT/out"
t_grep "hint: the recipient's mailbox is full" "$TROOT/out"
tr delay@example.com >"$TROOT/out" || t_fail "trace by recipient"
t_grep "<delay@example.com>  sent to SES, SES message id $sesid" "$TROOT/out"
t_nogrep "<ok@example.com>" "$TROOT/out"
tr --json "$sesid" >"$TROOT/out.json" || t_fail "trace --json by SES id"
"$PY" - "$TROOT/out.json" <<'PY' || t_fail "trace --json steps"
import json, sys
m = json.load(open(sys.argv[1]))
assert len(m) == 1, m
steps = m[0]['steps']
kinds = sorted((s['recipient'], s['status']) for s in steps)
assert len(steps) == 8 + 9, kinds
b = [s for s in steps if s['recipient'] == 'suppressed@example.com' and s['event'] == 'Bounce'][0]
assert b['type'] == 'Permanent' and b['subtype'] == 'OnAccountSuppressionList' and 'suppression list' in b['hint'], b
d = [s for s in steps if s['event'] == 'DeliveryDelay' and s['recipient'] == 'delay@example.com'][0]
assert d['expires'] and d['dsn'] == '4.2.2', d
ok = [s for s in steps if s['recipient'] == 'ok@example.com']
assert [s['event'] for s in ok] == ['Sent', 'Delivery'] and ok[1]['remote_mta_ip'] == '192.0.2.25', ok
PY
t_ok "trace --json: 8 sent + 9 events in time order"

# status: 24 h counts (8 recipients are too few to judge the rates).
"$SESRELAY" -C "$CONF" status >"$TROOT/out"
t_grep '^last 24 h:       8 sent, 2 delivered, 2 hard bounces (25.00 %), 2 other bounces, 1 complaint (12.500 %), 2 delayed (too few' "$TROOT/out"

# Every event was deleted from the queue; no signature was refused.
_drained() { [ "$(t_sqs_stat queues.ses-events.visible)" = 0 ] && [ "$(t_sqs_stat queues.ses-events.in_flight)" = 0 ]; }
t_wait _drained || t_fail "queue not drained"
t_eq "$(t_sqs_stat signature_failures)" 0 "every request's SigV4 accepted by botocore"
t_eq "$(t_sqs_stat deleted)" 9 "9 events deleted"

# Redelivered (SNS at-least-once, or a lost delete): no second line.
body=$("$PY" - "$sesid" <<'PY'
import json, sys
rec = {"eventType": "Delivery", "mail": {"timestamp": "2026-12-01T10:00:00.000Z", "messageId": sys.argv[1],
       "source": "root@host.test", "destination": ["ok@example.com"], "tags": {"sesrelay_host": ["web1"]}},
       "delivery": {"timestamp": "2026-12-01T10:00:09.000Z", "recipients": ["ok@example.com"],
                    "smtpResponse": "250 2.0.0 again", "reportingMTA": "a9.example"}}
print(json.dumps(rec))
PY
)
t_sqs_inject "$body"; t_sqs_inject "$body"
_again() { grep -c '250 2.0.0 again' "$LOG" | grep -qx 1 && [ "$(t_sqs_stat deleted)" -ge 11 ]; }
t_wait _again || t_fail "a redelivered event must be stored and logged once, both deleted"
t_ok "the same event twice (raw delivery): one line, both deleted"

# Malformed: logged, dropped, the poller goes on.
t_sqs_inject '{"Type":"Notification","TopicArn":"arn:aws:sns:x","Message":"{broken"}'
t_sqs_inject 'not json at all'
t_wait grep -q 'malformed, dropped: SNS Message is not a JSON object' "$LOG" || t_fail "malformed SNS message"
t_wait grep -q 'malformed, dropped: not a JSON object' "$LOG" || t_fail "malformed body"
t_wait _drained || t_fail "malformed events deleted"

# Another host's event: left in the queue (it comes back), counted once.
other=$(sed 's/"web1"/"web2"/; s/250 2.0.0 again/250 other host/' <<<"$body")
other=${other//$sesid/0100000000000000-0000-other-000000}
t_sqs_inject "$other"
t_wait grep -q 'not a message this host sent (or not yet recorded): left in the queue' "$LOG" ||
	t_fail "unknown event"
sleep 5		# two visibility timeouts: received again, not logged again
t_check "left in the queue" test "$(( $(t_sqs_stat queues.ses-events.visible) + $(t_sqs_stat queues.ses-events.in_flight) ))" -eq 1
t_eq "$(grep -c 'left in the queue' "$LOG")" 1 "counted and logged once"
t_nogrep '250 other host' "$LOG"
"$SESRELAY" -C "$CONF" status >"$TROOT/out"
t_grep '^SES events:      1 not from this host (left in the queue), 2 malformed (dropped)' "$TROOT/out"

# An event that arrives while we still wait for SES's 250: stored at once
# (our host tag), and the 250's record then gives it its queue id.
t_control '{"reply_delay_ms": 1500}'
t_send 'To: early@example.com\nSubject: early\n\nx\n'
t_wait grep -q -- '-: to=<early@example.com>, .*status=delivered' "$LOG" || t_fail "early event not stored"
t_wait grep -q 'to=<early@example.com>.*status=sent' "$LOG" || t_fail "early message not sent"
grep -n 'early@example.com' "$LOG" | head -3
first=$(grep -n 'to=<early@example.com>' "$LOG" | head -1)
case $first in *status=delivered*) t_ok "the event came before our 250 was recorded";;
	*) t_fail "event not first: $first";; esac
eqid=$(sed -n 's/.* \([0-9a-f]\{16\}\): to=<early@example.com>.*status=sent.*/\1/p' "$LOG")
tr "$eqid" >"$TROOT/out" || t_fail "trace early"
t_grep "<early@example.com>  sent to SES" "$TROOT/out"
t_grep "<early@example.com>  delivered: 250 2.0.0 OK" "$TROOT/out"
t_control '{}'

# The daemon stops promptly with the poller running.
kill -TERM "$DAEMON_PID"
t_wait sh -c "! kill -0 $DAEMON_PID 2>/dev/null" || t_fail "daemon did not stop"
t_grep 'daemon stopped' "$LOG"
