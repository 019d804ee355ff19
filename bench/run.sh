#!/usr/bin/env bash
# make bench: figures, not tests.  Intake cost against a floor program,
# drain rate against a minimal libcurl client (the stand-in's ceiling),
# daemon memory, and the idle-daemon delay from sendmail to SES's 250.
# Raw output in bench/out/.
set -u
BUILD=$(cd "${1:-build}" && pwd); export BUILD
. "$(dirname "$0")/../test/lib.sh"
OUT=$TOP/bench/out; mkdir -p "$OUT"; RAW=$OUT/raw-$(date +%Y%m%d-%H%M%S).txt
B=$BUILD/bench; mkdir -p "$B"
cc -O2 -o "$B/spawn" "$TOP/bench/spawn.c" &&
cc -O2 -o "$B/floor" "$TOP/bench/floor.c" &&
cc -O2 -o "$B/ceiling" "$TOP/bench/ceiling.c" $(pkg-config --libs libcurl) -lpthread ||
	t_fail "building the bench helpers"
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
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
say "== sesrelay bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(uname -r)"

say "-- intake: 1,000 x 2 KB, sendmail -t -i vs the floor (exec + read + O_EXCL + write + fsync + rename + fsync dir)"
declare -A R
for par in 1 8; do
	f=$("$B/spawn" 1000 $par "$MSG" "$B/floor" "$TROOT/floordir"); rm -f "$TROOT"/floordir/*
	s=$("$B/spawn" 1000 $par "$MSG" "$SENDMAIL" -C "$CONF" -t -i); rm -f "$SPOOL"/maildrop/*
	say "floor    P=$par: $f"
	say "sendmail P=$par: $s"
	R[intake$par]=$(awk -v a="$(field wall_ms_per_run "$s")" -v b="$(field wall_ms_per_run "$f")" \
		-v c="$(field cpu_ms_per_run "$s")" -v d="$(field cpu_ms_per_run "$f")" \
		'BEGIN{printf "%.3f ms wall (floor %.3f, ratio %.2fx), %.3f ms CPU (floor %.3f)", a, b, a/b, c, d}')
done
# Peers replace /usr/sbin/sendmail, so they are measured only on request
# (PEERS=1, as root on a scratch machine): installed one at a time,
# measured with the same message and driver, then purged.
peer() {	# package
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq "$1" >/dev/null 2>&1 || { say "$1: cannot be installed"; return; }
	for par in 1 8; do
		say "$1 P=$par: $("$B/spawn" 1000 $par "$MSG" /usr/sbin/sendmail -t -i 2>/dev/null)"
	done
	apt-get purge -y -qq "$1" >/dev/null 2>&1
}
if [ -n "${PEERS:-}" ] && [ ! -e /usr/sbin/sendmail ]; then
	echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
	echo "postfix postfix/mailname string bench.example" | debconf-set-selections
	peer nullmailer; peer dma; peer postfix
else
	say "peers: not run (PEERS=1 installs nullmailer, dma and Postfix one at a time over"
	say "  /usr/sbin/sendmail, measures them and purges them; only on a scratch machine)"
fi

t_standin --no-store
set_conns() { sed -i '/^connections/d' "$CONF"; echo "connections = $1;" >>"$CONF"; }
enqueue() { "$B/spawn" "$1" 8 "$MSG" "$SENDMAIL" -C "$CONF" -t -i >/dev/null || t_fail "enqueue"; }
say "-- drain: 2,000 queued 2 KB messages to the stand-in (daemon --once)"
for c in 1 4; do
	set_conns $c; enqueue 2000
	d=$("$B/spawn" 1 1 /dev/null "$SESRELAY" -C "$CONF" daemon --once)
	n=$(t_stat messages_accepted)
	rate=$(awk -v w="$(field total_s "$d")" 'BEGIN{printf "%.0f", 2000/w}')
	cpu=$(awk -v c="$(field cpu_ms_per_run "$d")" 'BEGIN{printf "%.0f", c*1000/2000}')
	say "sesrelay connections=$c: $rate msg/s, $cpu us CPU/msg ($d; stand-in total accepted $n)"
	R[drain$c]=$rate; R[draincpu$c]=$cpu
done
"$PY" -c 'import sys; d=open(sys.argv[1]).read().replace("\n","\r\n"); open(sys.argv[2],"w").write(d)' "$MSG" "$TROOT/msg.crlf"
for t in 1 4; do
	c=$("$B/ceiling" "smtp://127.0.0.1:$SMTP_PORT/bench" "$CERTS/ca.pem" AKIATESTUSER testsecret \
		"$TROOT/msg.crlf" 2000 $t)
	say "ceiling (minimal libcurl client) threads=$t: $c"
	R[ceil$t]=$(field msg_per_s "$c")
done
# Postfix as a null client relaying to the same stand-in (PEERS=1 only):
# STARTTLS + SASL PLAIN like ours, 4 parallel connections, same messages.
postfix_drain() {
	export DEBIAN_FRONTEND=noninteractive
	echo "postfix postfix/main_mailer_type select Satellite system" | debconf-set-selections
	echo "postfix postfix/mailname string bench.example" | debconf-set-selections
	apt-get install -y -qq postfix libsasl2-modules >/dev/null 2>&1 ||
		{ say "Postfix null client: cannot be installed"; return; }
	postfix stop >/dev/null 2>&1
	postconf -e "relayhost = [127.0.0.1]:$SMTP_PORT" "smtp_tls_security_level = encrypt" \
		"smtp_tls_CAfile = $CERTS/ca.pem" "smtp_sasl_auth_enable = yes" \
		"smtp_sasl_password_maps = static:AKIATESTUSER:testsecret" \
		"smtp_sasl_security_options = noanonymous" "smtp_sasl_tls_security_options = noanonymous" \
		"smtp_destination_concurrency_limit = 4" "inet_interfaces = loopback-only" "mydestination ="
	"$B/spawn" 2000 8 "$MSG" /usr/sbin/sendmail -t -i >/dev/null 2>&1
	local before t0 end
	before=$(t_stat messages_accepted); t0=$(date +%s.%N); end=$((SECONDS + 120))
	postfix start >/dev/null 2>&1
	while [ $(( $(t_stat messages_accepted) - before )) -lt 2000 ] && [ $SECONDS -lt $end ]; do
		sleep 0.05
	done
	R[postfix]=$(awk -v n=$(( $(t_stat messages_accepted) - before )) -v a="$t0" -v b="$(date +%s.%N)" \
		'BEGIN{printf "%.0f", n/(b-a)}')
	say "Postfix null client (4 connections, STARTTLS+AUTH): ${R[postfix]} msg/s"
	postfix stop >/dev/null 2>&1
	apt-get purge -y -qq postfix >/dev/null 2>&1
}
R[postfix]="(not run; PRODUCT.md: 263)"
if [ -n "${PEERS:-}" ] && [ ! -e /usr/sbin/sendmail ]; then
	postfix_drain
else
	say "Postfix null client: not run (PEERS=1 does it on a scratch machine); PRODUCT.md: 263 msg/s"
fi

say "-- memory: peak RSS of daemon --once draining 10,000 queued messages"
set_conns 4; enqueue 10000
d=$("$B/spawn" 1 1 /dev/null "$SESRELAY" -C "$CONF" daemon --once); say "$d"
R[rss10k]=$(field maxrss_kb "$d")
enqueue 1
base=$("$B/spawn" 1 1 /dev/null "$SESRELAY" -C "$CONF" daemon --once); say "one 2 KB message: $base"
"$PY" -c '
import sys
open(sys.argv[1], "w").write("To: big@example.com\nSubject: 30 MB\n\n" + ("x" * 76 + "\n") * (30 * 1024 * 1024 // 77))' "$TROOT/big"
"$SENDMAIL" -C "$CONF" -t -i <"$TROOT/big" || t_fail "enqueue 30 MB"
big=$("$B/spawn" 1 1 /dev/null "$SESRELAY" -C "$CONF" daemon --once); say "one 30 MB message: $big"
R[rss30]=$(( $(field maxrss_kb "$big") - $(field maxrss_kb "$base") ))

say "-- delay from sendmail's exit to the stand-in's 250, idle running daemon, 50 messages"
t_daemon_bg
t_wait grep -q 'daemon started' "$LOG"
: >"$TROOT/exits"
before=$(t_stat messages_accepted)
for i in $(seq 1 50); do
	"$SENDMAIL" -C "$CONF" -t -i <"$MSG"; date +%s.%N >>"$TROOT/exits"
	t_wait _accepted_ge $((before + i)) 2>/dev/null || true
	sleep 0.3	# let the connection go idle-ish, as on a quiet server
done 2>/dev/null
R[delay]=$("$PY" - "$STANDIN_LOG" "$TROOT/exits" <<'PY'
import sys, statistics
oks = [float(l.split()[0]) for l in open(sys.argv[1]) if '<< 250 Ok ' in l][-50:]
exits = [float(l) for l in open(sys.argv[2])]
d = sorted((o - e) * 1000 for o, e in zip(oks, exits))
print("median %.1f ms, p90 %.1f ms, max %.1f ms" % (statistics.median(d), d[int(len(d) * .9)], d[-1]))
PY
)
say "${R[delay]}"

say ""
say "== summary"
say "intake, sequential:       ${R[intake1]}   (target <= 1.5x)"
say "intake, 8 concurrent:     ${R[intake8]}"
say "drain, 1 connection:      ${R[drain1]} msg/s, ${R[draincpu1]} us CPU/msg; ceiling ${R[ceil1]} msg/s ($(awk -v a=${R[drain1]} -v b=${R[ceil1]} 'BEGIN{printf "%.0f%%", 100*a/b}') of ceiling; target >= 90%)"
say "drain, 4 connections:     ${R[drain4]} msg/s, ${R[draincpu4]} us CPU/msg; ceiling ${R[ceil4]} msg/s ($(awk -v a=${R[drain4]} -v b=${R[ceil4]} 'BEGIN{printf "%.0f%%", 100*a/b}') of ceiling); Postfix null client ${R[postfix]} msg/s"
say "daemon peak RSS, 10,000 queued: $((R[rss10k] / 1024)) MB (${R[rss10k]} kB; target <= 10 MB)"
say "RSS added by a 30 MB message:   ${R[rss30]} kB (target < 2 MB)"
say "sendmail exit -> SES 250 (idle daemon): ${R[delay]} (target median < 50 ms)"
say "raw output: ${RAW#$TOP/}"
