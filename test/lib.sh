# Shared helpers for integration tests (sourced).  Each test builds a
# throw-away root: a spool owned by the relay user, a config file, and, when
# asked, the SES stand-in on 127.0.0.1 with a certificate made at run time.
#   BUILD     absolute path of the build directory (set by run-tests.sh)
#   TROOT     this test's root (created by t_setup, removed on exit)
#   CONF      $TROOT/sesrelay.conf      SPOOL  $TROOT/spool
#   LOG       $TROOT/sesrelay.log (log_file: every syslog line, for asserts)
set -u
: "${BUILD:?BUILD must point at the build directory}"
PY=/usr/bin/python3			# Debian's python: has aiosmtpd and dnslib
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SESRELAY="$BUILD/sesrelay"
SENDMAIL="$BUILD/sendmail"
RELAY_USER=sesrelay
_pids=()

t_fail() { echo "FAIL: $*" >&2; exit 1; }
t_ok()   { echo "ok: $*"; }
# t_check "what" command...: run command, fail with "what" when it fails.
t_check() { local what=$1; shift; "$@" || t_fail "$what"; t_ok "$what"; }
t_eq() { [ "$1" = "$2" ] || t_fail "$3: expected '$2', got '$1'"; t_ok "$3"; }
t_grep() { grep -q -e "$1" "$2" || { echo "--- $2:"; cat "$2"; t_fail "'$1' not found in $2"; }; t_ok "found '$1'"; }
t_nogrep() { ! grep -q -e "$1" "$2" || { echo "--- $2:"; cat "$2"; t_fail "'$1' unexpectedly in $2"; }; t_ok "no '$1'"; }

t_cleanup() {
	local p
	for p in "${_pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${_pids[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "${TROOT:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$TROOT"
}
trap t_cleanup EXIT

t_ensure_user() {	# the relay user (and its group) exists
	id "$RELAY_USER" >/dev/null 2>&1 ||
		useradd --system --user-group --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$RELAY_USER"
}

# t_setup [extra config lines...]: root, spool and config.
t_setup() {
	t_ensure_user
	TROOT=$(mktemp -d /tmp/sesrelay-t.XXXXXX)
	chmod 755 "$TROOT"
	CONF=$TROOT/sesrelay.conf
	SPOOL=$TROOT/spool
	LOG=$TROOT/sesrelay.log
	: >"$LOG"; chmod 666 "$LOG"
	{
		echo "spool_dir = \"$SPOOL\";"
		echo "relay_user = \"$RELAY_USER\";"
		echo "domain = \"host.test\";"
		echo "log_file = \"$LOG\";"
		# Never the host's own files: a test writes these when it needs them.
		echo "aliases_file = \"$TROOT/aliases\";"
		echo "mailname_file = \"$TROOT/mailname\";"
		local l; for l in "$@"; do echo "$l"; done
	} >"$CONF"
	"$SESRELAY" -C "$CONF" setup >/dev/null || t_fail "sesrelay setup"
}

# t_standin [stand-in options...]: start the SES stand-in; sets SMTP_PORT,
# CERTS, MAILDIR, STANDIN_LOG, and appends transport settings to $CONF.
t_standin() {
	CERTS=$TROOT/certs; MAILDIR=$TROOT/received; STANDIN_LOG=$TROOT/standin.log
	mkdir -p "$MAILDIR"
	[ -e "$CERTS/ca.pem" ] || bash "$TOP/test/standin/mkcert.sh" "$CERTS" >/dev/null 2>&1 ||
		t_fail "mkcert"
	rm -f "$TROOT/standin.port"
	"$PY" "$TOP/test/standin/ses_standin.py" --port 0 --port-file "$TROOT/standin.port" \
		--certdir "$CERTS" --maildir "$MAILDIR" --log "$STANDIN_LOG" \
		--stats "$TROOT/standin.stats" --user AKIATESTUSER --password testsecret \
		"$@" >"$TROOT/standin.out" 2>&1 &
	_pids+=($!)
	local i
	for i in $(seq 100); do [ -s "$TROOT/standin.port" ] && break; sleep 0.1; done
	[ -s "$TROOT/standin.port" ] || { cat "$TROOT/standin.out"; t_fail "stand-in did not start"; }
	SMTP_PORT=$(cat "$TROOT/standin.port")
	chmod -R a+rX "$CERTS"
	if ! grep -q '^host' "$CONF"; then
		cat >>"$CONF" <<CONF
host = "127.0.0.1";
port = $SMTP_PORT;
ca_file = "$CERTS/ca.pem";
username = "AKIATESTUSER";
password = "testsecret";
CONF
	fi
}

# Count of messages the stand-in accepted.
t_received() { find "$MAILDIR" -name '*.eml' | wc -l; }

# Run the daemon once (drain what is due) as the relay user.
t_drain() { "$SESRELAY" -C "$CONF" daemon --once "$@"; }

# t_bg command...: start a background process that t_cleanup stops.
t_bg() { "$@" & _pids+=($!); }

# Wait until "$@" succeeds (up to ~10 s).
t_wait() {
	local end=$((SECONDS + ${T_WAIT:-10}))
	while :; do
		"$@" && return 0
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1 || true
	done
}

# Intake helpers: committed messages in maildrop (temp t.* names excluded).
t_drops() { ls "$SPOOL/maildrop" | grep -E '^[0-9a-f]{16}$' || true; }
t_ndrops() { t_drops | wc -l; }
t_clear_drops() { rm -f "$SPOOL"/maildrop/*; }
# The one message in maildrop (fails unless exactly one).
t_one_drop() {
	local n; n=$(t_ndrops)
	[ "$n" -eq 1 ] || t_fail "expected 1 queued message, found $n"
	echo "$SPOOL/maildrop/$(t_drops)"
}
# Envelope part (before the first empty line) and message part of a file.
t_envelope() { sed '/^$/q' "$1"; }
t_message() { "$PY" - "$1" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
i = d.index(b'\n\n') + 2
assert d.endswith(b'END\n')
sys.stdout.buffer.write(d[i:-4])
PY
}

# Delivery helpers.
t_send() { printf "$@" | "$SENDMAIL" -C "$CONF" -t -i || t_fail "sendmail"; }
t_daemon_bg() { "$SESRELAY" -C "$CONF" daemon >>"$TROOT/daemon.out" 2>&1 & DAEMON_PID=$!; _pids+=($DAEMON_PID); }
t_nqueue() { ls "$SPOOL/queue" | grep -cE '^[0-9a-f]{16}$'; }
t_nfailed() { ls "$SPOOL/failed" | grep -cE '^[0-9a-f]{16}$'; }
# Stand-in counter from its stats file.
t_stat() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$TROOT/standin.stats" "$1"; }
t_control() { echo "$1" >"$TROOT/control.json"; }
_received_ge() { [ "$(t_received)" -ge "$1" ]; }
# Wait (up to ~10 s) until the stand-in holds at least N messages.
t_wait_received() { t_wait _received_ge "$1"; }

# t_dns ZONEFILE: a loopback DNS server serving that zone; sets DNS_SERVER.
t_dns() {
	rm -f "$TROOT/dns.port"
	"$PY" "$TOP/test/dns/dns_server.py" --zone "$1" --port-file "$TROOT/dns.port" \
		>"$TROOT/dns.out" 2>&1 &
	_pids+=($!)
	t_wait test -s "$TROOT/dns.port" || { cat "$TROOT/dns.out"; t_fail "DNS server did not start"; }
	DNS_SERVER=127.0.0.1:$(cat "$TROOT/dns.port")
}
_accepted_ge() { [ "$(t_stat messages_accepted)" -ge "$1" ]; }

# t_sqs [stand-in options...]: the SQS stand-in fed from the SES stand-in's
# MAILDIR (call t_standin first; with SQS_TLS=1 it serves HTTPS with the
# stand-in's certificates); sets SQS_PORT, SQS_URL (queue URL of the
# first --queue, default ses-events), appends events_queue_url to $CONF
# unless NO_QUEUE_URL is set, and exports the credentials it accepts.
t_sqs() {
	rm -f "$TROOT/sqs.port"
	"$PY" "$TOP/test/standin/sqs_standin.py" --port-file "$TROOT/sqs.port" \
		--maildir "$MAILDIR" --log "$TROOT/sqs.log" --stats "$TROOT/sqs.stats" \
		${SQS_TLS:+--certdir "$CERTS"} "$@" >"$TROOT/sqs.out" 2>&1 &
	_pids+=($!)
	t_wait test -s "$TROOT/sqs.port" || { cat "$TROOT/sqs.out"; t_fail "SQS stand-in did not start"; }
	SQS_PORT=$(cat "$TROOT/sqs.port")
	SQS_URL=http${SQS_TLS:+s}://127.0.0.1:$SQS_PORT/123456789012/ses-events
	[ -n "${NO_QUEUE_URL:-}" ] || echo "events_queue_url = \"$SQS_URL\";" >>"$CONF"
	export AWS_ACCESS_KEY_ID=AKIDSQSTEST AWS_SECRET_ACCESS_KEY=sqs-test-secret
	export AWS_EC2_METADATA_DISABLED=true
}
# SQS stand-in counter (t_sqs_stat deleted), per-queue (t_sqs_stat queues.NAME.visible).
t_sqs_stat() { "$PY" -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v = v[k]
print(v)' "$TROOT/sqs.stats" "$1"; }
# Queue a raw body into the stand-in's queue NAME (default ses-events).
t_sqs_inject() { "$PY" -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.stdin.buffer.read(), method="POST")).read()' \
	"http://127.0.0.1:$SQS_PORT/_inject/${2:-ses-events}" <<<"$1" || t_fail "inject"; }
