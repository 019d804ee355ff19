#!/usr/bin/env bash
# Queue changes racing the daemon: delete, requeue, hold/release and flush
# while it drains.  Whatever the interleaving, every message is either
# delivered exactly once or deleted (never both, never twice), and every
# requeued failure ends up in failed/ again, once.  The send rate is
# limited so that the daemon is still draining while we change the queue;
# the assertions are invariants, not timings.
. "$(dirname "$0")/../lib.sh"
t_setup 'max_rate = 40.0;' 'retry_min = 1;' 'aliases = { root = "postmaster@example.com"; };'
t_standin --reply-delay-ms 10
q() { "$SESRELAY" -C "$CONF" queue "$@"; }

# Ten permanent failures (550 at RCPT) in failed/ before the race starts.
for i in $(seq 1 10); do t_send 'To: rcpt550@example.com\nSubject: fail %s\n\nx\n' $i; done
t_drain >/dev/null 2>&1
t_eq "$(t_nfailed)" 10 "ten failures in failed/"

for i in $(seq 1 80); do t_send 'To: d%s@example.com\nSubject: drain %s\n\nx\n' $i $i; done
q list --json >"$TROOT/snap.json" || t_fail "queue list --json"
# The daemon starts draining; the changes below happen while it does.
t_daemon_bg
t_wait_received 1 || t_fail "the daemon did not start delivering"
# Every third message still waiting, by id (the snapshot maps ids to numbers).
"$PY" - "$TROOT/snap.json" >"$TROOT/ids" <<'PY'
import json, re, sys
for m in json.load(open(sys.argv[1])):
    a = m['recipients'][0]['address'] if m['recipients'] else ''
    n = re.match(r'd(\d+)@', a)
    if n and int(n.group(1)) % 3 == 0:
        print(m['id'], n.group(1))
PY
# Exit 1 when a named message was delivered before we got to it; the
# output says which, and the check below accounts for each.
q delete -y $(cut -d' ' -f1 "$TROOT/ids") >"$TROOT/deleted" 2>&1
[ $? -le 1 ] || { cat "$TROOT/deleted"; t_fail "queue delete"; }
for round in 1 2 3; do
	q requeue failed >/dev/null 2>&1
	q hold ALL >/dev/null 2>&1; q release ALL >/dev/null 2>&1
	q flush >/dev/null 2>&1
done
q requeue failed >/dev/null 2>&1

# Done when nothing waits and the ten failures are back in failed/.
drained() { [ "$(t_nqueue)" -eq 0 ] && [ "$(t_ndrops)" -eq 0 ] && [ "$(t_nfailed)" -eq 10 ]; }
T_WAIT=30 t_wait drained || { ls -R "$SPOOL"; t_fail "queue did not drain"; }
sleep 0.5	# a message sent twice would arrive now
"$PY" - "$MAILDIR" "$TROOT/ids" "$TROOT/deleted" <<'PY' || t_fail "lost, doubled or deleted-and-sent"
import collections, email, glob, sys
maildir, ids, deleted = sys.argv[1:]
got = collections.Counter()
for f in glob.glob(maildir + '/*.eml'):
    s = email.message_from_binary_file(open(f, 'rb')).get('Subject', '')
    if s.startswith('drain '):
        got[int(s.split()[1])] += 1
    assert not s.startswith('fail '), 'a failed message was delivered: ' + s
num = dict(l.split() for l in open(ids))
gone = {int(num[l.split(':')[0]]) for l in open(deleted) if l.rstrip().endswith(': deleted')}
late = {int(num[l.split(':')[0]]) for l in open(deleted) if 'already delivered' in l}
late |= {int(num[l.split()[3]]) for l in open(deleted) if ': no message ' in l}
assert len(gone) + len(late) == len(num), open(deleted).read()
doubled = [n for n, c in got.items() if c > 1]
assert not doubled, 'delivered twice: %s' % doubled
assert not gone & set(got), 'deleted but delivered: %s' % sorted(gone & set(got))
missing = set(range(1, 81)) - set(got) - gone
assert not missing, 'lost: %s' % sorted(missing)
assert late <= set(got), 'reported delivered but not received: %s' % sorted(late - set(got))
print('delivered %d, deleted %d while draining, %d already delivered when asked'
      % (len(got), len(gone), len(late)))
PY
t_ok "80 messages: each delivered once or deleted, none both"
ls "$SPOOL/maildrop" "$SPOOL/queue" "$SPOOL/failed" | grep -E '^[0-9a-f]{16}$' | sort | uniq -d >"$TROOT/dups"
[ ! -s "$TROOT/dups" ] || t_fail "a message in two areas: $(cat "$TROOT/dups")"
for f in "$SPOOL"/failed/*; do
	t_grep $'^rcpt\trcpt550@example.com\tfailed' "$SPOOL/state/$(basename "$f")"
done
t_ok "requeued failures failed again, each once"
kill "$DAEMON_PID"; wait "$DAEMON_PID"; rc=$?
[ $rc -eq 0 ] || { tail -30 "$TROOT/daemon.out"; t_fail "daemon exit status $rc"; }
t_ok "daemon stopped cleanly"
