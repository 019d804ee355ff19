#!/usr/bin/env bash
# bench/api.sh: the API transport against the SMTP transport, on the
# stand-ins: drain rate and daemon CPU per message (2,000 x 2 KB queued,
# daemon --once, 1 and 4 connections), and the RSS a 30 MB message adds.
# Figures, not tests.  Both stand-ins are Python and share the 2 cores with
# the daemon: the drain rate is theirs as much as ours (the AWS stand-in
# also recomputes every signature with botocore); CPU per message is the
# daemon's own (getrusage of the child).  Raw output in bench/out/.
set -u
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/api.sh: run as root (it creates the sesrelay user and runs the daemon as it)" >&2
	exit 77
fi
BUILD=$(cd "${1:-build}" && pwd); export BUILD
N=${N:-2000}
. "$(dirname "$0")/../test/lib.sh"
. "$TOP/test/lib_aws.sh"
OUT=$TOP/bench/out; mkdir -p "$OUT"; RAW=$OUT/api-$(date +%Y%m%d-%H%M%S).txt
B=$BUILD/bench; mkdir -p "$B"
cc -O2 -o "$B/spawn" "$TOP/bench/spawn.c" || t_fail "building bench/spawn.c"
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
say() { echo "$*" | tee -a "$RAW"; }

t_setup 'max_rate = 100000.0;' 'connection_max_messages = 100000;' 'connection_max_seconds = 3600;'
t_standin --no-store
t_aws_standin --key AKIDBENCH:bench-secret
t_secret_file "$TROOT/aws-secret" bench-secret
cat >>"$CONF" <<CONF
access_key_id = "AKIDBENCH";
secret_access_key_file = "$TROOT/aws-secret";
transport = "smtp";
CONF
MSG=$TROOT/msg2k
"$PY" - "$MSG" <<'PY'
import sys
head = "To: bench@example.com\nFrom: app@example.com\nSubject: bench\n\n"
body = ("The quick brown fox jumps over the lazy dog 0123456789 abcdefghij\n" * 40)
open(sys.argv[1], "w").write((head + body)[:2048])
PY
set_key() { sed -i "/^$1 = /d" "$CONF"; echo "$1 = $2;" >>"$CONF"; }
enqueue() { "$B/spawn" "$1" 8 "$MSG" "$SENDMAIL" -C "$CONF" -t -i >/dev/null || t_fail "enqueue"; }
accepted() {	# messages the transport's stand-in took so far
	if [ "$1" = api ]; then grep -c ' -> 200 ' "$AWS_LOG"; else t_stat messages_accepted; fi
}
declare -A R
say "== sesrelay bench/api.sh, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "-- drain: $N queued 2 KB messages (daemon --once), SMTP and API in alternation"
for c in 1 4; do
	for tr in smtp api; do
		set_key transport "\"$tr\""; set_key connections $c
		enqueue "$N"
		n0=$(accepted $tr)
		d=$("$B/spawn" 1 1 /dev/null "$SESRELAY" -C "$CONF" daemon --once) || t_fail "daemon --once: $d"
		n=$(( $(accepted $tr) - n0 ))
		[ "$n" -eq "$N" ] || say "warning: $tr: the stand-in accepted $n of $N"
		rate=$(awk -v w="$(field total_s "$d")" -v n="$N" 'BEGIN{printf "%.0f", n/w}')
		cpu=$(awk -v c="$(field cpu_ms_per_run "$d")" -v n="$N" 'BEGIN{printf "%.0f", c*1000/n}')
		say "$tr connections=$c: $rate msg/s, $cpu us daemon CPU/msg, peak RSS $(field maxrss_kb "$d") kB ($d)"
		R[$tr$c]=$rate; R[cpu$tr$c]=$cpu
	done
done

say "-- memory: RSS added by a 30 MB message (peak RSS with it minus with one 2 KB message)"
"$PY" -c '
import sys
open(sys.argv[1], "w").write("To: big@example.com\nSubject: 30 MB\n\n" + ("x" * 76 + "\n") * (30 * 1024 * 1024 // 77))' "$TROOT/big"
set_key response_timeout 60
for tr in smtp api; do
	set_key transport "\"$tr\""; set_key connections 1
	enqueue 1
	base=$("$B/spawn" 1 1 /dev/null "$SESRELAY" -C "$CONF" daemon --once)
	"$SENDMAIL" -C "$CONF" -t -i <"$TROOT/big" || t_fail "enqueue 30 MB"
	big=$("$B/spawn" 1 1 /dev/null "$SESRELAY" -C "$CONF" daemon --once)
	[ "$(t_nqueue)" -eq 0 ] || say "warning: $tr: the 30 MB message is still queued"
	R[rss$tr]=$(( $(field maxrss_kb "$big") - $(field maxrss_kb "$base") ))
	say "$tr: one 2 KB message: $base; one 30 MB message: $big"
done

say ""
say "== summary (bench/api.sh; raw: ${RAW#$TOP/})"
for c in 1 4; do
	say "connections=$c: SMTP ${R[smtp$c]} msg/s, ${R[cpusmtp$c]} us CPU/msg; API ${R[api$c]} msg/s, ${R[cpuapi$c]} us CPU/msg"
done
say "RSS added by a 30 MB message: SMTP ${R[rsssmtp]} kB, API ${R[rssapi]} kB (target < 2 MB)"
