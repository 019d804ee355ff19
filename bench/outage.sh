#!/usr/bin/env bash
# Issue 8: recovery from an outage.  N messages (2 KB) are deferred while
# SES answers 451, then SES is fine again and `sesrelay queue flush` runs.
# Measured: the flush command's time, the first message's departure after
# it, the whole drain (flush included) against the bare libcurl client
# (bench/ceiling.c, same connections, same stand-in, same run), fsyncs per
# delivered message and daemon CPU per message.  SLOWFSYNC_US (e.g. 5000)
# simulates a slow disk with an LD_PRELOAD shim (bench/slowfsync.c) that
# adds that much to every fsync/fdatasync/syncfs of the daemon.
# PERF_DATA=FILE records the daemon with perf(1) over the drain (PERF_OPTS
# adds options, e.g. --call-graph=dwarf).
# Prints one line: outage: ... .  Runs alone: bench/outage.sh [build].
set -u
BUILD=$(cd "${1:-build}" && pwd); export BUILD
. "$(dirname "$0")/../test/lib.sh"
B=$BUILD/bench; mkdir -p "$B"
[ -x "$B/spawn" ] || cc -O2 -o "$B/spawn" "$TOP/bench/spawn.c" || t_fail "spawn"
[ -x "$B/ceiling" ] || cc -O2 -Wall -o "$B/ceiling" "$TOP/bench/ceiling.c" \
	$(pkg-config --libs libcurl) || t_fail "ceiling"
cc -O2 -Wall -shared -fPIC -o "$B/slowfsync.so" "$TOP/bench/slowfsync.c" -ldl ||
	t_fail "slowfsync.so"
N=${N:-1000}; C=${CONNS:-1}; SLOW=${SLOWFSYNC_US:-0}
t_setup "connections = $C;" 'max_rate = 100000.0;' 'connection_max_messages = 100000;' \
	'connection_max_seconds = 3600;' 'retry_min = 3600;'
t_standin --no-store --control "$TROOT/control.json"
t_control '{"fail_all_data": "451 Temporary service failure"}'
MSG=$TROOT/msg2k
"$PY" - "$MSG" "$TROOT/msg.crlf" <<'PY'
import sys
head = "To: bench@example.com\nFrom: app@example.com\nSubject: bench\n\n"
m = (head + "The quick brown fox jumps over the lazy dog 0123456789 abcdefghij\n" * 40)[:2048]
open(sys.argv[1], "w").write(m)
open(sys.argv[2], "w").write(m.replace("\n", "\r\n"))
PY
COUNT=$TROOT/fsyncs; : >"$COUNT"; chmod 666 "$COUNT"
env LD_PRELOAD="$B/slowfsync.so" SLOWFSYNC_US="$SLOW" FSYNC_COUNT_FILE="$COUNT" \
	${WRAP:-} "$SESRELAY" -C "$CONF" daemon >>"$TROOT/daemon.out" 2>&1 &
DPID=$!; _pids+=($DPID)
t_wait grep -q 'daemon started' "$LOG" || t_fail "daemon did not start"
"$B/spawn" "$N" 8 "$MSG" "$SENDMAIL" -C "$CONF" -t -i >/dev/null || t_fail "enqueue"
_all_deferred() { [ "$(grep -c 'status=deferred' "$LOG")" -ge "$N" ]; }
T_WAIT=300 t_wait _all_deferred || t_fail "not all $N deferred"
sleep 0.5
rm -f "$TROOT/control.json"
accepted() { grep -o '"messages_accepted": *[0-9]*' "$TROOT/standin.stats" | grep -o '[0-9]*$'; }
fsyncs() { tr -dc 0-9 <"$COUNT"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$DPID/stat"; }
a0=$(accepted); f0=$(fsyncs); f0=${f0:-0}; c0=$(cpu_ticks)
if [ -n "${PERF_DATA:-}" ]; then	# profile the daemon over the drain only
	perf record -g ${PERF_OPTS:-} -o "$PERF_DATA" -p "$DPID" >/dev/null 2>&1 &
	PERFPID=$!; sleep 1
fi
t0=$EPOCHREALTIME
"$SESRELAY" -C "$CONF" queue flush >/dev/null || t_fail "queue flush"
t1=$EPOCHREALTIME
_drained() { [ "$(( $(accepted) - a0 ))" -ge "$N" ]; }
T_WAIT=600 t_wait _drained || t_fail "drain incomplete: $(( $(accepted) - a0 )) of $N"
t2=$EPOCHREALTIME
[ -n "${PERF_DATA:-}" ] && { kill -INT "$PERFPID"; wait "$PERFPID"; }
f1=$(fsyncs); f1=${f1:-0}; c1=$(cpu_ticks)
first=$("$PY" - "$STANDIN_LOG" "$t1" <<'PY'
import sys
t1 = float(sys.argv[2])
oks = [float(l.split()[0]) for l in open(sys.argv[1]) if '<< 250 Ok ' in l]
print("%.3f" % (min(t for t in oks if t >= t1 - 1) - t1))
PY
)
kill "$DPID"; wait "$DPID" 2>/dev/null
ceil=$("$B/ceiling" "smtp://127.0.0.1:$SMTP_PORT/bench" "$CERTS/ca.pem" AKIATESTUSER testsecret \
	"$TROOT/msg.crlf" "$N" "$C") || t_fail "ceiling: $ceil"
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
awk -v n="$N" -v c="$C" -v slow="$SLOW" -v t0="$t0" -v t1="$t1" -v t2="$t2" \
	-v first="$first" -v f="$((f1 - f0))" -v cpu="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" \
	-v cr="$(field msg_per_s "$ceil")" -v cc="$(field cpu_us_per_msg "$ceil")" 'BEGIN{
	rate = n / (t2 - t0)
	printf "outage: n=%d connections=%d slow_fsync_us=%d flush_s=%.3f first_after_flush_s=%.3f drain_msg_s=%.0f ceiling_msg_s=%.0f ratio_pct=%.0f fsyncs=%d fsync_per_msg=%.3f daemon_cpu_us_per_msg=%.0f ceiling_cpu_us_per_msg=%.0f cpu_ratio=%.2f\n", n, c, slow, t1 - t0, first, rate, cr, 100 * rate / cr, f, f / n, cpu * 1e6 / hz / n, cc, (cpu * 1e6 / hz / n) / cc }'
