#!/usr/bin/env bash
# Queue changes while the daemon drains: delete and requeue race with
# delivery; every message ends up delivered exactly once or deleted, never
# both, never twice, never lost.
. "$(dirname "$0")/../lib.sh"
t_setup 'retry_min = 1;' 'max_rate = 1000;' 'aliases = { root = "postmaster@example.com"; };'
t_standin --control "$TROOT/control.json" --reply-delay-ms 20
q() { "$SESRELAY" -C "$CONF" queue "$@"; }
# Subject counts among the delivered messages (headers only: bounces quote
# the original message in their body).
subjects() { "$PY" - "$MAILDIR" "$1" <<'PY'
import collections, glob, re, sys
c = collections.Counter()
for f in glob.glob(sys.argv[1] + '/*.eml'):
    head = open(f, 'rb').read().split(b'\r\n\r\n', 1)[0]
    m = re.search(rb'^Subject: ' + sys.argv[2].encode() + rb' (\d+)', head, re.M)
    if m:
        c[int(m.group(1))] += 1
print(len(c), max(c.values(), default=0))
PY
}
empty() { [ "$(t_nqueue)" -eq 0 ] && [ "$(t_ndrops)" -eq 0 ]; }

t_daemon_bg
t_wait grep -q 'daemon started' "$LOG" || t_fail "daemon start"

# delete ALL while 40 messages are being delivered.
for i in $(seq 1 40); do t_send 'To: d%s@example.com\nSubject: del %s\n\nx\n' $i $i; done
q delete -y ALL >"$TROOT/del.out" 2>&1 || { cat "$TROOT/del.out"; t_fail "delete ALL"; }
ndel=$(grep -c ': deleted$' "$TROOT/del.out")
t_wait empty || t_fail "queue not empty after delete"
sleep 0.5	# a delivery in flight would land now
read -r nrecv maxc < <(subjects del)
echo "deleted $ndel, delivered $nrecv"
t_eq "$maxc" 1 "no message delivered twice"
t_eq "$((nrecv + ndel))" 40 "each message either delivered or deleted"
t_eq "$(ls "$SPOOL/state" | wc -l)" 0 "no state file left behind"

# requeue failed/ while new mail is being delivered.
t_control "{\"fail_all_data\": \"554 Transaction failed: Duplicate header 'Subject'.\"}"
for i in $(seq 1 20); do t_send 'To: r%s@example.com\nSubject: again %s\n\nx\n' $i $i; done
t_wait empty || t_fail "not all failed"
nfailed=$(t_nfailed)
[ "$nfailed" -ge 20 ] || t_fail "only $nfailed in failed/"
rm -f "$TROOT/control.json"
for i in $(seq 1 20); do t_send 'To: f%s@example.com\nSubject: fresh %s\n\nx\n' $i $i; done &
sender=$!
q requeue failed >"$TROOT/rq.out" 2>&1 || { cat "$TROOT/rq.out"; t_fail "requeue failed"; }
wait $sender
t_eq "$(grep -c ': requeued$' "$TROOT/rq.out")" "$nfailed" "all failed messages requeued"
t_wait empty || t_fail "requeued mail not drained"
t_eq "$(t_nfailed)" 0 "failed/ empty"
sleep 0.5
t_eq "$(subjects again)" "20 1" "requeued: each delivered exactly once"
t_eq "$(subjects fresh)" "20 1" "new mail during requeue: each delivered exactly once"
kill "$DAEMON_PID"; wait "$DAEMON_PID"; t_eq "$?" 0 "daemon stopped cleanly"
