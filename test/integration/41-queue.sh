#!/usr/bin/env bash
# Queue management: mailq / -bp / queue list (text and JSON), show, hold,
# release, delete, requeue, flush; permissions for other users; and changes
# made while the daemon drains lose or double nothing.
. "$(dirname "$0")/../lib.sh"
t_setup 'retry_min = 3600;' 'aliases = { root = "postmaster@example.com"; };'
t_standin
ln -s "$SENDMAIL" "$TROOT/mailq"
q() { "$SESRELAY" -C "$CONF" queue "$@"; }

"$TROOT/mailq" -C "$CONF" | grep -qx 'Mail queue is empty' || t_fail "empty queue text"
t_ok "Mail queue is empty"

t_send 'To: data451@example.com\nSubject: one\n\nx\n'
t_send 'To: data552@example.com\nSubject: two\n\nx\n'
t_send 'To: rcpt550@example.com, ok@example.com\nSubject: three\n\nx\n'
t_drain
t_drain		# the bounces to root (postmaster@) go out: not the subject here
"$SENDMAIL" -C "$CONF" -bp >"$TROOT/list"
t_grep 'data451@example.com  pending, 1 attempt, next ' "$TROOT/list"
t_grep '(451 Temporary service failure)' "$TROOT/list"
t_grep '(deferred)' "$TROOT/list"; t_grep '(failed)' "$TROOT/list"
t_grep 'ok@example.com  sent, 1 attempt, SES id ' "$TROOT/list"
q list --json >"$TROOT/list.json"
"$PY" - "$TROOT/list.json" <<'PY' || t_fail "JSON listing"
import json, sys
msgs = json.load(open(sys.argv[1]))
assert len(msgs) == 3, msgs
states = sorted(m['state'] for m in msgs)
assert states == ['deferred', 'failed', 'failed'], states
for m in msgs:
    for k in ('id', 'area', 'size', 'arrival', 'sender', 'user', 'uid', 'recipients'):
        assert k in m, k
r = {x['address']: x for m in msgs for x in m['recipients']}
assert r['ok@example.com']['ses_message_id'].endswith('-000000')
assert r['ok@example.com']['state'] == 'sent'
assert r['rcpt550@example.com']['state'] == 'failed'
assert r['data451@example.com']['last_reply'].startswith('451')
assert r['data451@example.com']['attempts'] == 1
PY
t_ok "JSON listing"
deferred=$(ls "$SPOOL/queue")
failed=$(grep -l '^rcpt <data552@' "$SPOOL"/failed/* | xargs -n1 basename)
q show "$failed" >"$TROOT/show"
t_grep 'hint: the message is larger than SES accepts' "$TROOT/show"
t_grep 'Subject: two' "$TROOT/show"; t_grep 'History:' "$TROOT/show"

# hold / release / requeue / delete.
q hold "$deferred" | grep -q held || t_fail "hold"
t_grep '^held 1$' "$SPOOL/state/$deferred"
q list | grep -q "$deferred.*(held)" || t_fail "held not listed"
q release "$deferred" >/dev/null; t_grep '^held 0$' "$SPOOL/state/$deferred"
q requeue failed >/dev/null
t_eq "$(t_nfailed)" 0 "requeued out of failed/"
t_grep $'^rcpt\tok@example.com\tsent\t1' "$SPOOL/state/$(ls "$SPOOL/queue" | grep -v "$deferred" | grep -v "$failed")"
t_grep $'^rcpt\tdata552@example.com\tpending\t0\t0' "$SPOOL/state/$failed"
q delete -y "$failed" >/dev/null
[ ! -e "$SPOOL/queue/$failed" ] && [ ! -e "$SPOOL/state/$failed" ] || t_fail "delete"
t_ok "hold, release, requeue, delete"

# flush: retry now (no daemon running: delivers in-process).
"$SENDMAIL" -C "$CONF" -q
t_grep 'to=<data451@example.com>.*attempts=2' "$LOG"
t_ok "sendmail -q retried the deferred message"

# Other users may neither list nor change the queue.
runuser -u www-data -- "$SESRELAY" -C "$CONF" queue list >/dev/null 2>"$TROOT/err"; rc=$?
t_eq "$rc" 77 "www-data: mailq refused"; t_grep 'permission denied' "$TROOT/err"
runuser -u www-data -- "$SESRELAY" -C "$CONF" queue delete -y ALL >/dev/null 2>&1
t_eq "$?" 77 "www-data: delete refused"

# Changes while the daemon drains: nothing lost, nothing doubled.
q delete -y ALL >/dev/null; rm -f "$MAILDIR"/*
sed -i '/retry_min/d' "$CONF"; echo 'retry_min = 1;' >>"$CONF"
t_control() { :; }
"$SESRELAY" -C "$CONF" daemon >>"$TROOT/daemon.out" 2>&1 & dpid=$!; _pids+=($dpid)
for i in $(seq 1 60); do t_send 'To: d%s@example.com\nSubject: drain %s\n\nx\n' $i $i; done
for round in 1 2 3; do
	q hold ALL >/dev/null 2>&1; sleep 0.2; q release ALL >/dev/null 2>&1; sleep 0.2
done
q flush >/dev/null
t_wait_received 60 || t_fail "not all delivered while managing the queue"
sleep 1
"$PY" - "$MAILDIR" <<'PY' || t_fail "lost or doubled"
import collections, glob, re, sys
c = collections.Counter(re.search(rb'Subject: drain (\d+)', open(f, 'rb').read()).group(1)
                        for f in glob.glob(sys.argv[1] + '/*.eml'))
assert len(c) == 60 and max(c.values()) == 1, c
PY
t_ok "60 delivered exactly once while holding/releasing/flushing"
kill $dpid; wait $dpid; rc=$?
[ $rc -eq 0 ] || { tail -30 "$TROOT/daemon.out"; t_fail "daemon exit status $rc"; }
t_ok "daemon stopped cleanly"
