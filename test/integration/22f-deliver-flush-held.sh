#!/usr/bin/env bash
# Issue 7 item 12: an explicit flush (sesrelay queue flush, sendmail -q, all
# or by id) tries a held queue and a quota pause at once (a held sender:
# 22s); the same answer again keeps the hold, a success ends it.
. "$(dirname "$0")/../lib.sh"
t_setup 'sender = "noreply@host.test";' 'hold_probe_interval = 600;' 'quota_pause = 1800;'
t_standin --control "$TROOT/control.json"
NV='554 Message rejected: Email address is not verified. The following identities failed the check in region US-EAST-1: noreply@host.test'
t_control "{\"fail_all_data\": \"$NV\"}"
t_daemon_bg
t_wait grep -q 'daemon started' "$LOG" || t_fail "daemon did not start"
for i in 1 2; do t_send 'To: r%s@example.com\nSubject: h%s\n\nx\n' $i $i; done
t_wait grep -q 'queue held' "$LOG" || t_fail "queue not held"
held() { grep -c 'status=held' "$LOG"; }
_held_ge() { [ "$(held)" -ge "$1" ]; }
n=$(held)

# Same answer: the flush probes at once (not in 600 s), the hold goes on.
"$SESRELAY" -C "$CONF" queue flush >"$TROOT/flush.out" || t_fail "queue flush"
t_grep 'asked the daemon' "$TROOT/flush.out"
T_WAIT=5 t_wait _held_ge $((n + 1)) || t_fail "flush did not probe the held queue"
t_ok "flush probed the held queue at once"
t_grep 'flush: the held queue is tried now' "$LOG"
t_nogrep 'queue released' "$LOG"
t_wait grep -q '^held_since=[1-9]' "$SPOOL/run/status" || t_fail "status not held"
t_eq "$(t_received)" 0 "nothing delivered"

# Fixed: sendmail -q probes, succeeds, the hold ends, everything goes.
rm -f "$TROOT/control.json"
"$SENDMAIL" -C "$CONF" -q || t_fail "sendmail -q"
t_wait_received 2 || t_fail "not delivered after sendmail -q"
t_grep 'queue released' "$LOG"
t_ok "sendmail -q released the hold"
t_wait grep -q '^held_since=0' "$SPOOL/run/status" || t_fail "status still held"

# Quota pause: a flush by id ends it at once.
t_control '{"quota": 0}'
t_send 'To: q@example.com\nSubject: q\n\nx\n'
t_wait grep -q 'sending paused for 1800 s' "$LOG" || t_fail "no quota pause"
id=$(ls "$SPOOL/queue" | grep -E '^[0-9a-f]{16}$' | head -1)
rm -f "$TROOT/control.json"
"$SESRELAY" -C "$CONF" queue flush "$id" >/dev/null || t_fail "queue flush ID"
t_wait_received 3 || t_fail "quota pause not ended by the flush"
t_grep 'flush: the sending pause ends now' "$LOG"
t_ok "flush by id ended the quota pause"

# A flush of a wrong id says so; nothing changes.
rc=0; "$SESRELAY" -C "$CONF" queue flush 0123456789abcdef 2>"$TROOT/err" || rc=$?
t_eq "$rc" 1 "flush of an unknown id fails"
t_grep 'no message 0123456789abcdef' "$TROOT/err"
