#!/usr/bin/env bash
# bench/peers.sh HELPERS MSG WORK [SMTP_PORT CAFILE STATS]
# Times the peers' sendmail (nullmailer, dma, Postfix) with the same driver
# and message as ours and, given the stand-in, Postfix as a null client
# draining 2,000 messages to it.  Nothing is installed on the system: each
# peer's Debian package is fetched with `apt-get download`, unpacked with
# `dpkg -x`, and run in a private mount namespace (unshare -m) where
# overlays put the unpacked /usr and /etc above the real ones and a scratch
# directory sits over /var/spool.  The peers' compiled-in paths
# (/usr/sbin/nullmailer-queue, /etc/postfix, /var/spool/dma...) then just
# work, and nothing outside the namespace sees them.  Needs root.
# Prints one line per figure: "NAME P=N: runs=... wall_ms_per_run=..."
# from bench/spawn, or "NAME: not measured: why".
set -u
H=$1 MSG=$2 W=$3 PORT=${4:-} CAFILE=${5:-} STATS=${6:-}
PY=/usr/bin/python3

if [ "$(id -u)" -ne 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
	echo "peers: not measured: needs root and a private mount namespace (unshare -m)"
	exit 0
fi
mkdir -p "$W/debs"
if ! (cd "$W/debs" && apt-get download nullmailer dma postfix >"$W/download.log" 2>&1); then
	# The package lists may be missing on a fresh machine.
	apt-get update -qq >/dev/null 2>&1
	(cd "$W/debs" && apt-get download nullmailer dma postfix >"$W/download.log" 2>&1) ||
		{ echo "peers: not measured: apt-get download failed (see $W/download.log)"; exit 0; }
fi

# peer_ns NAME SCRIPT: run SCRIPT (bash) with NAME's unpacked tree over
# /usr and /etc and $W/spool-NAME over /var/spool.
peer_ns() {
	local name=$1 x=$W/x-$1 e=$W/etc-$1 s=$W/spool-$1
	unshare -m --propagation private bash -c '
		set -e
		mount -t overlay overlay -o "lowerdir=$1/usr:/usr" /usr
		mount -t overlay overlay -o "lowerdir=$2:$1/etc:/etc" /etc
		mount --bind "$3" /var/spool
		shift 3
		exec bash -c "$@"' peer "$x" "$e" "$s" "$2"
}

# unpack NAME: $W/x-NAME (package contents), $W/etc-NAME (our config on
# top of the package's /etc), $W/spool-NAME (its /var/spool).
unpack() {
	rm -rf "$W/x-$1" "$W/etc-$1" "$W/spool-$1"
	mkdir -p "$W/x-$1" "$W/etc-$1" "$W/spool-$1"
	dpkg -x "$W"/debs/"$1"_*.deb "$W/x-$1"
	echo bench.example >"$W/etc-$1/mailname"
}

# intake NAME QUEUEDIR: 1,000 sendmail -t -i runs, sequential and 8 at a
# time; counts the files the peer left in QUEUEDIR (inside the namespace)
# so that a peer exiting 0 without storing anything would show.
intake() {
	local par out
	for par in 1 8; do
		out=$(peer_ns "$1" "'$H/spawn' 1000 $par '$MSG' /usr/sbin/sendmail -t -i 2>/dev/null;
			echo \" spool_files=\$(find $2 -type f | wc -l)\"; find $2 -type f -delete") ||
			out="not measured: its sendmail failed here ($out)"
		echo "$1 P=$par: $(echo $out)"
	done
}

# nullmailer: sendmail -> nullmailer-inject -> nullmailer-queue (setuid
# mail) writes /var/spool/nullmailer/{tmp,queue} and pokes the trigger FIFO.
unpack nullmailer
mkdir -p "$W/etc-nullmailer/nullmailer" "$W"/spool-nullmailer/nullmailer/{tmp,queue,failed}
echo bench.example >"$W/etc-nullmailer/nullmailer/me"
echo example.com >"$W/etc-nullmailer/nullmailer/defaultdomain"
echo "127.0.0.1 smtp" >"$W/etc-nullmailer/nullmailer/remotes"
mkfifo "$W/spool-nullmailer/nullmailer/trigger"
chown -R mail:root "$W/spool-nullmailer/nullmailer"
intake nullmailer /var/spool/nullmailer/queue

# dma: setgid-mail sendmail writing /var/spool/dma; DEFER keeps it from
# forking a delivery attempt after each message (we only time the enqueue).
unpack dma
mkdir -p "$W/etc-dma/dma" "$W/spool-dma/dma"
printf 'SMARTHOST 127.0.0.1\nDEFER\nMAILNAME /etc/mailname\n' >"$W/etc-dma/dma/dma.conf"
cp -p "$W/x-dma/etc/dma/auth.conf" "$W/etc-dma/dma/"
chown root:mail "$W/spool-dma/dma"; chmod 2775 "$W/spool-dma/dma"
intake dma /var/spool/dma

# Postfix: sendmail -> postdrop (setgid postdrop) into maildrop/, then the
# pickup and qmgr daemons of a running master.  Its users exist only in
# the namespace's /etc/passwd and /etc/group.
unpack postfix
e=$W/etc-postfix
mkdir -p "$e/postfix" "$W/spool-postfix/postfix"
uid=64990
while getent passwd $uid >/dev/null || getent group $uid >/dev/null ||
	getent group $((uid + 1)) >/dev/null; do uid=$((uid + 2)); done
{ cat /etc/passwd; echo "postfix:x:$uid:$uid::/var/spool/postfix:/usr/sbin/nologin"; } >"$e/passwd"
{ cat /etc/group; echo "postfix:x:$uid:"; echo "postdrop:x:$((uid + 1)):"; } >"$e/group"
cp "$W/x-postfix/usr/share/postfix/master.cf.dist" "$e/postfix/master.cf"
cp "$W/x-postfix/usr/share/postfix/dynamicmaps.cf" "$e/postfix/dynamicmaps.cf"
relay=; [ -n "$PORT" ] && relay="[127.0.0.1]:$PORT"
cat >"$e/postfix/main.cf" <<EOF
compatibility_level = 3.6
myhostname = bench.example
mydestination =
inet_interfaces = loopback-only
biff = no
relayhost = $relay
defer_transports = smtp
smtp_tls_security_level = encrypt
smtp_tls_CAfile = $CAFILE
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = static:AKIATESTUSER:testsecret
smtp_sasl_security_options = noanonymous
smtp_sasl_tls_security_options = noanonymous
smtp_destination_concurrency_limit = 4
EOF
pf_start='postfix set-permissions >/dev/null 2>&1; postfix start >/dev/null 2>&1'
if ! peer_ns postfix "$pf_start" >"$W/postfix-start.log" 2>&1; then
	echo "postfix: not measured: postfix start failed in the namespace ($W/postfix-start.log)"
	exit 0
fi
# The master and its children keep the namespace alive; later commands
# join it through the master's pid.
mpid=$(cat "$W/spool-postfix/postfix/pid/master.pid" 2>/dev/null | tr -d ' ')
pf() { nsenter --mount="/proc/$mpid/ns/mnt" bash -c "$1"; }
for par in 1 8; do
	out=$(pf "'$H/spawn' 1000 $par '$MSG' /usr/sbin/sendmail -t -i 2>/dev/null") ||
		out="not measured: its sendmail failed here ($out)"
	sleep 1	# pickup moves maildrop/ into the queue; count what arrived
	echo "postfix P=$par: $out spool_files=$(find "$W/spool-postfix/postfix/"{maildrop,incoming,active,deferred} -type f | wc -l)"
	pf 'postsuper -d ALL >/dev/null 2>&1'
done
if [ -n "$PORT" ]; then
	# Null client drain: enqueue 2,000 while deliveries are deferred, then
	# let them go and time until the stand-in has accepted all of them.
	accepted() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["messages_accepted"])' "$STATS"; }
	pf "'$H/spawn' 2000 8 '$MSG' /usr/sbin/sendmail -t -i >/dev/null 2>&1"
	q=$W/spool-postfix/postfix
	for i in $(seq 600); do	# until pickup and qmgr have parked all of them
		[ -z "$(ls -A "$q/maildrop" "$q/incoming" "$q/active" 2>/dev/null | grep -v :)" ] && break
		sleep 0.1
	done
	before=$(accepted); t0=$(date +%s.%N); end=$((SECONDS + 120))
	# defer_transports holds mail until "sendmail -q or equivalent"
	# (postconf(5)): postqueue -f releases all 2,000 at once.
	pf 'postqueue -f'
	while [ $(($(accepted) - before)) -lt 2000 ] && [ $SECONDS -lt $end ]; do sleep 0.05; done
	n=$(($(accepted) - before))
	awk -v n=$n -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "postfix drain: messages=%d msg_per_s=%.0f\n", n, n/(b-a)}'
fi
pf 'postfix stop >/dev/null 2>&1'
for i in $(seq 50); do kill -0 "$mpid" 2>/dev/null || break; sleep 0.1; done
exit 0
