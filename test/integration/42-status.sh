#!/usr/bin/env bash
# sesrelay status as a monitoring check: 0 ok, 1 degraded, 2 stuck.
. "$(dirname "$0")/../lib.sh"
t_setup 'retry_min = 3600;' 'sender = "noreply@host.test";'
t_standin --control "$TROOT/control.json"
st() { "$SESRELAY" -C "$CONF" status "$@"; }

st >"$TROOT/out"; t_eq "$?" 0 "empty queue, no daemon: ok"
t_grep '^SESRELAY OK' "$TROOT/out"

# Mail waiting and no daemon: critical.
t_send 'To: a@example.com\nSubject: s\n\nx\n'
st >"$TROOT/out"; t_eq "$?" 2 "daemon down with mail waiting: critical"
t_grep 'daemon is not running' "$TROOT/out"
t_drain
st >"$TROOT/out"; t_eq "$?" 0 "delivered: ok"
t_grep 'last delivery:   [0-9]* s ago' "$TROOT/out"

# Deferrals (daemon running): warning, with the server's words.
t_daemon_bg
t_wait grep -q 'daemon started' "$LOG" || t_fail "daemon start"
t_send 'To: data451@example.com\nSubject: s\n\nx\n'
t_wait grep -q 'status=deferred' "$LOG" || t_fail "no deferral"
sleep 0.3
st >"$TROOT/out"; t_eq "$?" 1 "deferred: warning"
t_grep '^SESRELAY WARNING - 1 deferred' "$TROOT/out"
t_grep ' | incoming=0 active=0 deferred=1 held=0 failed=0 oldest_age=[0-9]*s;3600$' "$TROOT/out"
t_grep 'first failure:   .*451 Temporary service failure' "$TROOT/out"
st --json >"$TROOT/out.json"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["exit"]==1 and d["messages"]["deferred"]==1, d' "$TROOT/out.json" ||
	t_fail "status --json"
"$SESRELAY" -C "$CONF" queue delete -y ALL >/dev/null

# Wrong password with the daemon running: held, critical, with the reason.
# AUTH happens on a new connection: wait until the idle one is closed.
_no_conns() { [ "$(t_stat open_connections)" -eq 0 ]; }
t_wait _no_conns || t_fail "the daemon kept its idle connection"
t_control '{"auth_fail": true}'
t_send 'To: b@example.com\nSubject: s\n\nx\n'
t_wait grep -q 'queue held' "$LOG" || t_fail "not held"
sleep 0.3
st >"$TROOT/out"; t_eq "$?" 2 "held: critical"
t_grep 'queue HELD since .*535 Authentication Credentials Invalid' "$TROOT/out"
# Quota: paused, warning.
rm -f "$TROOT/control.json"; kill -HUP "$DAEMON_PID"
t_wait_received 2 || t_fail "resume after reload"
t_control '{"quota": 0}'
t_send 'To: c@example.com\nSubject: s\n\nx\n'
t_wait grep -q 'sending paused' "$LOG" || t_fail "quota pause"
sleep 0.3
st >"$TROOT/out"; t_eq "$?" 1 "quota: warning"
t_grep 'sending paused until .*Daily message quota exceeded' "$TROOT/out"
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null

# Other users: refused, with a monitoring-style first line.
runuser -u www-data -- "$SESRELAY" -C "$CONF" status >"$TROOT/out" 2>&1
t_eq "$?" 77 "www-data: status refused"
t_grep '^SESRELAY UNKNOWN - permission denied' "$TROOT/out"
t_cleanup; trap t_cleanup EXIT

# The SES endpoint unreachable (stand-in stopped): deferrals, a warning
# with the connection error.
t_setup 'retry_min = 3600;' 'sender = "noreply@host.test";'
t_standin; kill "${_pids[-1]}"; wait "${_pids[-1]}" 2>/dev/null
t_daemon_bg
t_send 'To: d@example.com\nSubject: s\n\nx\n'
t_wait grep -q 'status=deferred' "$LOG" || t_fail "no deferral with the stand-in down"
sleep 0.3
st >"$TROOT/out"; t_eq "$?" 1 "endpoint down: warning"
t_grep '^SESRELAY WARNING - 1 deferred' "$TROOT/out"
t_grep 'first failure:   .*[Cc]onnect' "$TROOT/out"
t_cleanup; trap t_cleanup EXIT

# The configured sender unverified: SES refuses every message, the daemon
# holds the queue rather than bouncing them all; critical, with SES's
# words.  (A user's own -f sender holds only its mail: 22s-deliver-hold-sender.)
t_setup 'retry_min = 3600;' 'sender = "noreply@host.test";'
t_standin
t_daemon_bg
t_send 'To: data554sender@example.com\nSubject: s\n\nx\n'
t_wait grep -q 'queue held' "$LOG" || t_fail "unverified sender: not held"
sleep 0.3
st >"$TROOT/out"; t_eq "$?" 2 "unverified sender: critical"
t_grep 'queue HELD since .*not verified' "$TROOT/out"
"$SESRELAY" -C "$CONF" queue list >"$TROOT/list"
t_grep '(held)' "$TROOT/list"
