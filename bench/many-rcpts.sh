#!/usr/bin/env bash
# One message with 50,000 recipients and a ~900 KB header (issue 7 item 1):
# sendmail's time to queue it (argument recipients), the daemon's peak RSS
# beside a one-recipient run, and its CPU for the attempt.  Prints one line: many_rcpts: ... .  Called by bench/run.sh;
# runs alone too: bench/many-rcpts.sh [build] (as root).
set -u
BUILD=$(cd "${1:-build}" && pwd); export BUILD
. "$(dirname "$0")/../test/lib.sh"
B=$BUILD/bench; mkdir -p "$B"
[ -x "$B/spawn" ] || cc -O2 -o "$B/spawn" "$TOP/bench/spawn.c" || t_fail "spawn"
N=${N_RCPTS:-50000}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
t_setup 'connections = 4;' 'max_rate = 100000.0;' "max_recipients = $N;" \
	'connection_max_messages = 100000;' 'connection_max_seconds = 3600;'
t_standin --no-store
# The header: ~900 KB of folded X-Note lines, as the review's 1 MB case.
"$PY" - "$TROOT/head" "${HEAD_LINES:-12000}" <<'PY'
import sys
lines = ["Subject: many", "X-Note: " + "\n ".join(["y" * 70] * int(sys.argv[2])), "", "body"]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
"$SENDMAIL" -C "$CONF" -i one@example.com <"$TROOT/head" || t_fail "enqueue 1"
one=$("$B/spawn" 1 1 /dev/null "$SESRELAY" -C "$CONF" daemon --once) || t_fail "daemon: $one"
seq -f 'user%g@example.com' 1 "$N" >"$TROOT/rcpts"
t0=$EPOCHREALTIME
# shellcheck disable=SC2046
"$SENDMAIL" -C "$CONF" -i $(cat "$TROOT/rcpts") <"$TROOT/head" || t_fail "enqueue $N"
enq_s=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}')
# One message, not several.
[ "$(t_ndrops)" -eq 1 ] || t_fail "the $N recipients were split into $(t_ndrops) messages"
n0=$(t_stat recipients_accepted 2>/dev/null || echo 0)
many=$("$B/spawn" 1 1 /dev/null ${WRAP:-} "$SESRELAY" -C "$CONF" daemon --once) || t_fail "daemon: $many"
sent=$(grep -c 'status=sent' "$LOG")
[ "$(t_nqueue)" -eq 0 ] || t_fail "the message is still queued"
echo "many_rcpts: recipients=$N enqueue_s=$enq_s sent_logged=$((sent - 1)) rss_one_kb=$(field maxrss_kb "$one")" \
	"rss_many_kb=$(field maxrss_kb "$many")" \
	"rss_added_kb=$(( $(field maxrss_kb "$many") - $(field maxrss_kb "$one") ))" \
	"cpu_s=$(awk -v c="$(field cpu_ms_per_run "$many")" 'BEGIN{printf "%.2f", c/1000}')" \
	"wall_s=$(field total_s "$many")" \
	"$(sed -n 's/.*CPU used: \([0-9.]*\) s by the delivery loop, \([0-9.]*\) s by the SMTP workers.*/loop_cpu_s=\1 workers_cpu_s=\2/p' "$LOG" | tail -1)"
