#!/usr/bin/env bash
# Figures for the sent-mail history and SES events (not tests):
#  1. ingest: SES events/s through events_ingest (the poller's path after
#     SQS), 20,000 SNS-wrapped Delivery events, 10 per transaction, 3 runs;
#     and the peak memory the history added in that process
#  2. trace: a history of 3,000,000 recipients over 30 days (100,000 a
#     day) with one Delivery event each; `sesrelay trace` by queue id,
#     Message-ID, SES id and recipient, 5 runs each (whole command)
#  3. end to end, when the daemon has the poller: 3,000 events queued in the
#     SQS stand-in, time until the daemon has stored and deleted them all,
#     and the daemon's VmHWM with and without events_queue_url
# Usage: bench/history.sh [BUILD] (as root; bench/run.sh calls it).
# HISTORY_N overrides the 3,000,000.
set -u
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/history.sh: run as root (it runs the daemon as the relay user)" >&2
	exit 77
fi
BUILD=$(cd "${1:-build}" && pwd); export BUILD
. "$(dirname "$0")/../test/lib.sh"
OUT=$TOP/bench/out; mkdir -p "$OUT"; RAW=$OUT/history-$(date +%Y%m%d-%H%M%S).txt
B=$BUILD/bench; mkdir -p "$B"
say() { echo "$*" | tee -a "$RAW"; }
N=${HISTORY_N:-3000000}
cc -O2 -std=c11 -D_GNU_SOURCE -I"$TOP/relay" -o "$B/history_bench" "$TOP/bench/history_bench.c" \
	"$BUILD/libsesrelay.a" $(pkg-config --libs libconfig libcurl openssl jansson sqlite3) \
	-lresolv -lpthread -lm || t_fail "building bench/history_bench.c"
say "== sesrelay history bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

t_setup 'connections = 2;' 'max_rate = 100000.0;'
say "-- ingest: 20,000 SES events (SNS envelope) through events_ingest, 10 per transaction"
for run in 1 2 3; do
	d=$(mktemp -d "$TROOT/ing.XXXX")
	say "run $run: $("$B/history_bench" ingest "$d" 20000)"
	rm -rf "$d"
done

say "-- trace over $N recipients (30 days) with one Delivery event each"
chown -R "$RELAY_USER:" "$SPOOL"
f=$("$B/history_bench" fill "$SPOOL" "$N") || t_fail "fill"
chown -R "$RELAY_USER:" "$SPOOL/history"
say "$f, $(du -m "$SPOOL/history/history.db" | cut -f1) MB on disk"
# The fill's ids (history_bench.c ids()): record i of N.
i=$((N / 2 + 12345))
qid=$(printf '%016x' $((0x5f00000000000 + i)))
ses=$(printf '0100018e%08x-%08x-0000-0000-000000000000-000000' $i $((i * 7)))
rcpt="user$i@example$((i % 1000)).com"
msgid="$qid.$i@web1.example.com"
for q in "$qid" "$msgid" "$ses" "$rcpt" "nobody@nowhere.example"; do
	times=""
	for run in 1 2 3 4 5; do
		t0=$EPOCHREALTIME
		"$SESRELAY" -C "$CONF" trace "$q" >/dev/null 2>&1
		rc=$?
		times="$times $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.3f", b-a}')"
	done
	say "trace $q: exit $rc, seconds:$times"
done
"$SESRELAY" -C "$CONF" status >/dev/null 2>&1
t0=$EPOCHREALTIME; "$SESRELAY" -C "$CONF" status >/dev/null 2>&1
say "status (24 h rates over the same history): $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.3f", b-a}') s"

if ! nm "$SESRELAY" 2>/dev/null | grep -q ' evpoll_start$'; then
	say "-- end to end: skipped, this build has no SQS poller"
	exit 0
fi
say "-- end to end: 3,000 events queued in the SQS stand-in, daemon running"
rm -rf "$SPOOL/history"
t_standin
t_sqs --visibility 30
echo 'events_wait = 1;' >>"$CONF"
echo 'host_tag = "web1";' >>"$CONF"
"$PY" - "http://127.0.0.1:$SQS_PORT/_inject/ses-events" 3000 <<'PY'
import json, sys, urllib.request
for i in range(int(sys.argv[2])):
    rec = {"eventType": "Delivery", "mail": {"timestamp": "2026-12-01T10:00:00.000Z",
           "messageId": "0100bench%08d-0000-000000" % i, "source": "app@host.test",
           "destination": ["u%d@example.com" % i], "tags": {"sesrelay_host": ["web1"]}},
           "delivery": {"timestamp": "2026-12-01T10:00:01.000Z", "recipients": ["u%d@example.com" % i],
                        "smtpResponse": "250 2.0.0 OK", "reportingMTA": "a1.example"}}
    urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=json.dumps(rec).encode(), method="POST")).read()
PY
t0=$EPOCHREALTIME
t_daemon_bg
_all_deleted() { [ "$(t_sqs_stat deleted)" -ge 3000 ]; }
T_WAIT=300 t_wait _all_deleted || t_fail "events not drained"
secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}')
hwm_on=$(sed -n 's/^VmHWM:[ \t]*//p' "/proc/$DAEMON_PID/status")
cpu() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
sqs_pid=$(pgrep -f "sqs_standin.py --port-file $TROOT/sqs.port" | head -1)
say "3,000 events received, stored, logged and deleted in $secs s ($(awk -v s="$secs" 'BEGIN{printf "%.0f", 3000/s}') events/s, including daemon start and the Python stand-in); CPU seconds: daemon $(cpu "$DAEMON_PID"), SQS stand-in $(cpu "$sqs_pid"); daemon VmHWM $hwm_on"
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
sed -i '/^events_queue_url/d' "$CONF"
t_daemon_bg
sleep 3
say "same daemon without events_queue_url: VmHWM $(sed -n 's/^VmHWM:[ \t]*//p' "/proc/$DAEMON_PID/status")"
