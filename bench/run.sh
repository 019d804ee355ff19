#!/usr/bin/env bash
# make bench: figures, not tests.  Intake cost against a floor program,
# drain rate against a minimal libcurl client (the stand-in's ceiling),
# daemon memory, and the idle-daemon delay from sendmail to SES's 250.
# Raw output in bench/out/.
set -u
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: run as root: it creates the sesrelay user, runs the daemon as that user" >&2
	echo "bench: and runs the peers in a private mount namespace" >&2
	exit 77
fi
BUILD=$(cd "${1:-build}" && pwd); export BUILD
. "$(dirname "$0")/../test/lib.sh"
OUT=$TOP/bench/out; mkdir -p "$OUT"; RAW=$OUT/raw-$(date +%Y%m%d-%H%M%S).txt
B=$BUILD/bench; mkdir -p "$B"
cc -O2 -o "$B/spawn" "$TOP/bench/spawn.c" &&
cc -O2 -o "$B/floor" "$TOP/bench/floor.c" &&
cc -O2 -Wall -o "$B/ceiling" "$TOP/bench/ceiling.c" $(pkg-config --libs libcurl) ||
	t_fail "building the bench helpers"
field() { sed -n "s/.*[ :]$1=\([-0-9.]*\).*/\1/p" <<<" $2"; }
say() { echo "$*" | tee -a "$RAW"; }

t_setup 'connections = 1;' 'max_rate = 100000.0;' 'connection_max_messages = 100000;' \
	'connection_max_seconds = 3600;'
MSG=$TROOT/msg2k
"$PY" - "$MSG" <<'PY'
import sys
head = "To: bench@example.com\nFrom: app@example.com\nSubject: bench\n\n"
body = ("The quick brown fox jumps over the lazy dog 0123456789 abcdefghij\n" * 40)
open(sys.argv[1], "w").write((head + body)[:2048])
PY
mkdir -p "$TROOT/floordir"
# Load from other work on the machine skews every figure: print it.
say "== sesrelay bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"

say "-- intake: 1,000 x 2 KB, sendmail -t -i vs the floor (exec + read + O_EXCL + write + fsync + rename + fsync dir)"
declare -A R
# The two run in alternating rounds of 100, so that both see the same
# machine: fsync latency and other load drift over seconds on a shared VM.
intake_pair() {	# P: prints "floor WALL_MS CPU_MS sendmail WALL_MS CPU_MS" per run
	local i f s fw=0 fc=0 sw=0 sc=0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		f=$("$B/spawn" 100 "$1" "$MSG" "$B/floor" "$TROOT/floordir") || t_fail "floor"
		rm -f "$TROOT"/floordir/*
		s=$("$B/spawn" 100 "$1" "$MSG" "$SENDMAIL" -C "$CONF" -t -i) || t_fail "sendmail"
		[ "$(t_ndrops)" -eq 100 ] || t_fail "sendmail stored $(t_ndrops) of 100 messages"
		t_clear_drops
		fw=$(awk -v a=$fw -v b="$(field total_s "$f")" 'BEGIN{print a+b}')
		sw=$(awk -v a=$sw -v b="$(field total_s "$s")" 'BEGIN{print a+b}')
		fc=$(awk -v a=$fc -v b="$(field cpu_ms_per_run "$f")" 'BEGIN{print a+b}')
		sc=$(awk -v a=$sc -v b="$(field cpu_ms_per_run "$s")" 'BEGIN{print a+b}')
	done
	awk -v fw=$fw -v fc=$fc -v sw=$sw -v sc=$sc \
		'BEGIN{printf "floor_wall_ms=%.3f floor_cpu_ms=%.3f sendmail_wall_ms=%.3f sendmail_cpu_ms=%.3f\n", fw, fc/10, sw, sc/10}'
}
for par in 1 8; do
	r=$(intake_pair $par)
	say "P=$par (1,000 runs each, per run): $r"
	R[intake$par]=$(awk -v a="$(field sendmail_wall_ms "$r")" -v b="$(field floor_wall_ms "$r")" \
		-v c="$(field sendmail_cpu_ms "$r")" -v d="$(field floor_cpu_ms "$r")" \
		'BEGIN{printf "%.3f ms wall (floor %.3f, ratio %.2fx), %.3f ms CPU (floor %.3f)", a, b, a/b, c, d}')
done
t_standin --no-store
set_conns() { sed -i '/^connections/d' "$CONF"; echo "connections = $1;" >>"$CONF"; }
enqueue() { "$B/spawn" "$1" 8 "$MSG" "$SENDMAIL" -C "$CONF" -t -i >/dev/null || t_fail "enqueue"; }
say "-- drain: 2,000 queued 2 KB messages to the stand-in (daemon --once)"
"$PY" -c 'import sys; d=open(sys.argv[1]).read().replace("\n","\r\n"); open(sys.argv[2],"w").write(d)' "$MSG" "$TROOT/msg.crlf"
# Each drain is followed at once by the ceiling with as many connections.
for c in 1 4; do
	set_conns $c; enqueue 2000
	n0=$(t_stat messages_accepted)
	d=$("$B/spawn" 1 1 /dev/null "$SESRELAY" -C "$CONF" daemon --once) || t_fail "daemon --once: $d"
	n=$(( $(t_stat messages_accepted) - n0 ))
	[ "$n" -eq 2000 ] || say "warning: the stand-in accepted $n of 2000 messages in this drain"
	rate=$(awk -v w="$(field total_s "$d")" 'BEGIN{printf "%.0f", 2000/w}')
	cpu=$(awk -v c="$(field cpu_ms_per_run "$d")" 'BEGIN{printf "%.0f", c*1000/2000}')
	say "sesrelay connections=$c: $rate msg/s, $cpu us CPU/msg ($d; stand-in accepted $n)"
	R[drain$c]=$rate; R[draincpu$c]=$cpu
	x=$("$B/ceiling" "smtp://127.0.0.1:$SMTP_PORT/bench" "$CERTS/ca.pem" AKIATESTUSER testsecret \
		"$TROOT/msg.crlf" 2000 $c) || t_fail "ceiling: $x"
	say "ceiling (minimal libcurl multi client) connections=$c: $x"
	R[ceil$c]=$(field msg_per_s "$x"); R[ceilcpu$c]=$(field cpu_us_per_msg "$x")
	R[ceilrss$c]=$(field maxrss_kb "$x")
done
# The peers, unpacked from their Debian packages and run in a private
# mount namespace (bench/peers.sh; nothing is installed).  PEERS=0 skips.
R[postfix]="(not measured; PRODUCT.md: 263)"
if [ "${PEERS:-1}" != 0 ]; then
	say "-- peers (Debian packages unpacked into $TROOT/peers, run in a private mount namespace)"
	bash "$TOP/bench/peers.sh" "$B" "$MSG" "$TROOT/peers" "$SMTP_PORT" "$CERTS/ca.pem" \
		"$TROOT/standin.stats" >"$TROOT/peers.out" 2>&1
	while IFS= read -r l; do
		say "$l"
		case $l in
		"postfix drain:"*) R[postfix]=$(field msg_per_s "$l") ;;
		*" P=1: "*wall_ms*) R[peer1]="${R[peer1]:-}${R[peer1]:+, }${l%% *} $(field wall_ms_per_run "$l")" ;;
		*" P=8: "*wall_ms*) R[peer8]="${R[peer8]:-}${R[peer8]:+, }${l%% *} $(field wall_ms_per_run "$l")" ;;
		esac
	done <"$TROOT/peers.out"
else
	say "peers: skipped (PEERS=0)"
fi

say "-- memory: peak RSS of daemon --once draining 10,000 queued messages"
# VmHWM (the kernel's peak RSS, as ru_maxrss) includes the file-backed
# pages of the shared libraries; RssAnon is the daemon's own heap and
# stacks.  Sampled from /proc every 50 ms while it runs.
rss_watch() {	# command...: prints vmhwm_kb= rssanon_max_kb= rssfile_kb=
	"$@" >/dev/null 2>&1 & local pid=$! hwm=0 anon=0 file=0 k v
	while [ -r /proc/$pid/status ]; do
		while read -r k v _; do
			case $k in
			VmHWM:) hwm=$v ;;
			RssAnon:) [ "$v" -gt "$anon" ] && anon=$v ;;
			RssFile:) file=$v ;;
			esac
		done </proc/$pid/status 2>/dev/null
		sleep 0.05
	done
	wait $pid || t_fail "$* failed"
	echo "vmhwm_kb=$hwm rssanon_max_kb=$anon rssfile_kb=$file"
}
set_conns 4; enqueue 10000
d=$(rss_watch "$SESRELAY" -C "$CONF" daemon --once); say "$d"
R[rss10k]=$(field vmhwm_kb "$d"); R[anon10k]=$(field rssanon_max_kb "$d"); R[file10k]=$(field rssfile_kb "$d")
[ "$(ls "$SPOOL/queue" "$SPOOL/maildrop" | grep -cE '^[0-9a-f]{16}$')" -eq 0 ] ||
	say "warning: messages left in the spool after the 10,000-message drain"
enqueue 1
# The added RSS is the difference of the kernel's peak (ru_maxrss) between
# a run with one 2 KB message and a run with one 30 MB message; a 40 ms
# run is too short for the /proc sampler.
base=$("$B/spawn" 1 1 /dev/null "$SESRELAY" -C "$CONF" daemon --once); say "one 2 KB message: $base"
"$PY" -c '
import sys
open(sys.argv[1], "w").write("To: big@example.com\nSubject: 30 MB\n\n" + ("x" * 76 + "\n") * (30 * 1024 * 1024 // 77))' "$TROOT/big"
"$SENDMAIL" -C "$CONF" -t -i <"$TROOT/big" || t_fail "enqueue 30 MB"
big=$("$B/spawn" 1 1 /dev/null "$SESRELAY" -C "$CONF" daemon --once); say "one 30 MB message: $big"
R[rss30]=$(( $(field maxrss_kb "$big") - $(field maxrss_kb "$base") ))

say "-- many recipients: one message to 50,000 recipients (bench/many-rcpts.sh), ~900 KB header, then a short one"
m=$(bash "$TOP/bench/many-rcpts.sh" "$BUILD" 2>&1 | tail -1); say "900 KB header: $m"
R[mrss]=$(field rss_added_kb "$m")
m=$(HEAD_LINES=1 bash "$TOP/bench/many-rcpts.sh" "$BUILD" 2>&1 | tail -1); say "short header: $m"
R[mloop]=$(field loop_cpu_s "$m"); R[mwork]=$(field workers_cpu_s "$m"); R[mrss2]=$(field rss_added_kb "$m")

say "-- outage recovery: 1,000 deferred, then queue flush, 1 connection (bench/outage.sh), normal disk and slow disk (LD_PRELOAD shim: +5 ms per fsync)"
o=$(bash "$TOP/bench/outage.sh" "$BUILD" 2>&1 | tail -1); say "normal disk: $o"
for k in flush_s first_after_flush_s drain_msg_s ceiling_msg_s ratio_pct fsync_per_msg daemon_cpu_us_per_msg ceiling_cpu_us_per_msg cpu_ratio; do R[o_$k]=$(field $k "$o"); done
o=$(SLOWFSYNC_US=5000 bash "$TOP/bench/outage.sh" "$BUILD" 2>&1 | tail -1); say "slow disk: $o"
for k in drain_msg_s ceiling_msg_s ratio_pct fsync_per_msg cpu_ratio; do R[s_$k]=$(field $k "$o"); done
say "-- 100,000 queued (bench/bigqueue.sh)"
q=$(bash "$TOP/bench/bigqueue.sh" "$BUILD" 2>&1 | tail -1); say "$q"
for k in daemon_once_s mailq_s list_json_s daemon_rssanon_kb; do R[q_$k]=$(field $k "$q"); done
q=$(N=10000 bash "$TOP/bench/outage.sh" "$BUILD" 2>&1 | tail -1); say "10,000 deferred: $q"
R[flush10k]=$(field flush_s "$q"); R[first10k]=$(field first_after_flush_s "$q")

say "-- delay from sendmail's exit to the stand-in's 250, idle running daemon: 50 messages 0.3 s apart, then 5 after the connection closed"
t_daemon_bg
t_wait grep -q 'daemon started' "$LOG"
: >"$TROOT/exits"
# Waiting greps the stand-in's log: a Python poll would compete with the
# daemon for the 2 cores while it delivers.
oks() { grep -c '<< 250 Ok ' "$STANDIN_LOG"; }
_oks_ge() { [ "$(oks)" -ge "$1" ]; }
before=$(oks)
for i in $(seq 1 50); do
	# $EPOCHREALTIME: no fork, so the exit time is not late by a date(1).
	"$SENDMAIL" -C "$CONF" -t -i <"$MSG"; echo "$EPOCHREALTIME" >>"$TROOT/exits"
	t_wait _oks_ge $((before + i)) || say "warning: message $i not accepted within 10 s"
	sleep 0.3	# let the connection go idle-ish, as on a quiet server
done 2>/dev/null
R[delay]=$("$PY" - "$STANDIN_LOG" "$TROOT/exits" <<'PY'
import sys, statistics
oks = [float(l.split()[0]) for l in open(sys.argv[1]) if '<< 250 Ok ' in l][-50:]
exits = [float(l) for l in open(sys.argv[2])]
d = sorted((o - e) * 1000 for o, e in zip(oks, exits))
print("median %.1f ms, p90 %.1f ms, min %.1f ms, max %.1f ms, %d samples" % (statistics.median(d), d[int(len(d) * .9)], d[0], d[-1], len(d)))
PY
)
say "${R[delay]}"
# Cold: the daemon has closed its idle connection (after ~4 s), so each
# message pays for TCP, STARTTLS and AUTH as on a quiet server.
_no_conns() {	# a stand-in without that counter: wait out IDLE_CLOSE (4 s)
	local n; n=$(t_stat open_connections 2>/dev/null) || { sleep 5; return 0; }
	[ "$n" -eq 0 ]
}
: >"$TROOT/exits"; before=$(oks)
for i in 1 2 3 4 5; do
	t_wait _no_conns || say "warning: the daemon kept its connection open for 10 s"
	"$SENDMAIL" -C "$CONF" -t -i <"$MSG"; echo "$EPOCHREALTIME" >>"$TROOT/exits"
	t_wait _oks_ge $((before + i)) || say "warning: message $i not accepted within 10 s"
done
R[cold]=$("$PY" - "$STANDIN_LOG" "$TROOT/exits" <<'PY'
import sys, statistics
oks = [float(l.split()[0]) for l in open(sys.argv[1]) if '<< 250 Ok ' in l][-5:]
exits = [float(l) for l in open(sys.argv[2])]
d = sorted((o - e) * 1000 for o, e in zip(oks, exits))
print("median %.1f ms, max %.1f ms, %d samples" % (statistics.median(d), d[-1], len(d)))
PY
)
say "cold (new connection each): ${R[cold]}"

say ""
say "== summary"
say "intake, sequential:       ${R[intake1]}   (target <= 1.3x, issue 8)"
say "   peers, ms wall:        ${R[peer1]:-not measured}"
say "intake, 8 concurrent:     ${R[intake8]}"
say "   peers, ms wall:        ${R[peer8]:-not measured}"
say "drain, 1 connection:      ${R[drain1]} msg/s, ${R[draincpu1]} us CPU/msg; ceiling ${R[ceil1]} msg/s, ${R[ceilcpu1]} us CPU/msg ($(awk -v a=${R[drain1]} -v b=${R[ceil1]} 'BEGIN{printf "%.0f%%", 100*a/b}') of ceiling; target >= 90%)"
say "drain, 4 connections:     ${R[drain4]} msg/s, ${R[draincpu4]} us CPU/msg; ceiling ${R[ceil4]} msg/s, ${R[ceilcpu4]} us CPU/msg ($(awk -v a=${R[drain4]} -v b=${R[ceil4]} 'BEGIN{printf "%.0f%%", 100*a/b}') of ceiling); Postfix null client ${R[postfix]} msg/s$(awk -v a=${R[drain4]} -v b="${R[postfix]}" 'BEGIN{if (b+0 > 0) printf " (sesrelay %.1fx)", a/b}')"
say "daemon peak RSS, 10,000 queued: ${R[rss10k]} kB VmHWM (target <= 10 MB = 10240 kB): ${R[anon10k]} kB own heap+stacks (RssAnon), ${R[file10k]} kB shared-library pages (RssFile); the minimal libcurl client alone peaks at ${R[ceilrss1]} kB"
say "RSS added by a 30 MB message:   ${R[rss30]} kB (peak RSS with one 30 MB message minus with one 2 KB message; target < 2 MB)"
say "50,000 recipients in one message: RSS added ${R[mrss]} kB with a 900 KB header, ${R[mrss2]} kB with a short one (target < 16384 kB); CPU ${R[mloop]} s in the delivery loop (target < 2 s), ${R[mwork]} s in the SMTP workers (1,000 transactions on the wire)"
say "outage drain, normal disk: ${R[o_drain_msg_s]} msg/s incl. the flush vs ceiling ${R[o_ceiling_msg_s]} (${R[o_ratio_pct]}%; target >= 80%); ${R[o_fsync_per_msg]} fsync/msg (target <= 0.1); CPU ${R[o_daemon_cpu_us_per_msg]} us/msg vs ceiling ${R[o_ceiling_cpu_us_per_msg]} (${R[o_cpu_ratio]}x; target <= 1.5x)"
say "outage drain, slow disk:   ${R[s_drain_msg_s]} msg/s vs ceiling ${R[s_ceiling_msg_s]} (${R[s_ratio_pct]}%; target >= 80%); ${R[s_fsync_per_msg]} fsync/msg; CPU ${R[s_cpu_ratio]}x the ceiling's"
say "queue flush of 1,000 deferred: ${R[o_flush_s]} s, first message ${R[o_first_after_flush_s]} s after it returned; 10,000: ${R[flush10k]} s, first ${R[first10k]} s (targets < 0.5 s, < 0.1 s)"
say "100,000 queued: daemon --once ${R[q_daemon_once_s]} s, mailq ${R[q_mailq_s]} s, queue list --json ${R[q_list_json_s]} s (targets < 1 s); daemon RssAnon ${R[q_daemon_rssanon_kb]} kB (target < 16384)"
say "sendmail exit -> SES 250 (idle daemon): ${R[delay]} (target median < 50 ms)"
say "   same, connection closed first:       ${R[cold]}"
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (figures above were taken on a machine this busy)"
say "raw output: ${RAW#$TOP/}"
"$TOP/bench/history.sh" "$BUILD"	# history and SES events: its own figures
