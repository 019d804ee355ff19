#!/usr/bin/env bash
# The long-running daemon: wakes at once on new mail (inotify), one daemon
# per spool, prompt exit on SIGTERM, idle connections closed with QUIT.
. "$(dirname "$0")/../lib.sh"
t_setup 'connections = 2;'
t_standin
t_daemon_bg
t_wait grep -q 'daemon started' "$LOG" || t_fail "daemon did not start"
t_grep "^$DAEMON_PID\$" "$SPOOL/run/daemon.pid"

t_send 'To: live@example.com\nSubject: live\n\nx\n'
t_wait_received 1 || t_fail "new mail not delivered by the running daemon"
t_ok "delivered without --once"

# A second daemon on the same spool is refused.
"$SESRELAY" -C "$CONF" daemon >"$TROOT/second.out" 2>&1; rc=$?
t_eq "$rc" 75 "second daemon refused"
t_grep 'already delivering' "$TROOT/second.out"

# Idle connections are closed (QUIT) well before SES's ~10 s idle kill.
t_wait grep -q '>> QUIT\|<< 221' "$STANDIN_LOG" || t_fail "idle connection not closed"
t_ok "idle connection closed"

# SIGUSR1 (queue flush) rescans; SIGTERM ends it promptly.
kill -USR1 "$DAEMON_PID"
start=$(date +%s)
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; rc=$?
t_eq "$rc" 0 "clean exit on SIGTERM"
[ $(( $(date +%s) - start )) -le 10 ] || t_fail "SIGTERM took too long"
t_grep 'daemon stopped' "$LOG"
