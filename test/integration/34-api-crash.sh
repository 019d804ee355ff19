#!/usr/bin/env bash
# API transport crash test: kill -9 the daemon at random moments while it
# drains 300 messages, restart it, and count: every message arrives once,
# except a request SES had answered 200 when the kill came before the state
# was saved (at most one per connection in flight per kill), as on SMTP.
. "$(dirname "$0")/../lib.sh"
. "$TOP/test/lib_aws.sh"
. "$TOP/test/lib_api.sh"
N=300; CONNS=2
t_setup "connections = $CONNS;" 'retry_min = 1;' 'retry_max = 1;'
t_api_standin
t_aws_control '{"reply_delay_ms": 4}'
for i in $(seq 1 $N); do
	printf 'To: c%s@example.com\nSubject: crash %s\n\nx\n' "$i" "$i" | "$SENDMAIL" -C "$CONF" -t -i
done
kills=0
for round in 1 2 3 4 5 6 7 8; do
	"$SESRELAY" -C "$CONF" daemon >>"$TROOT/daemon.out" 2>&1 & pid=$!
	sleep "0.$(( RANDOM % 6 + 2 ))"
	kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
	wait "$pid" 2>/dev/null
done
for i in 1 2 3 4 5; do t_drain; [ "$(t_nqueue)" -eq 0 ] && break; sleep 1; done
t_eq "$(t_nqueue)" 0 "queue drained"
t_eq "$(t_nfailed)" 0 "nothing failed"
"$PY" - "$MAILDIR" "$N" "$kills" "$CONNS" <<'PY' || t_fail "crash test counts"
import collections, glob, re, sys
maildir, n, kills, conns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
seen = collections.Counter()
for f in glob.glob(maildir + '/*.eml'):
    m = re.search(rb'^Subject: crash (\d+)\r$', open(f, 'rb').read(), re.M)
    seen[int(m.group(1))] += 1
missing = [i for i in range(1, n + 1) if seen[i] == 0]
dups = sum(c - 1 for c in seen.values())
print("API crash test: %d messages, %d kill -9, %d delivered, %d missing, %d duplicates "
      "(bound: %d = kills x connections)" % (n, kills, sum(seen.values()), len(missing),
      dups, kills * conns))
assert not missing, missing[:10]
assert dups <= kills * conns, dups
PY
t_ok "no message lost; duplicates within the bound"
[ "$(t_stat max_open_connections)" -ge 2 ] || t_fail "the two workers never had two connections open"
t_ok "requests went over $CONNS connections in parallel"
