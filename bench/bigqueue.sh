#!/usr/bin/env bash
# Issue 8 target 4: a queue of N deferred messages (default 100,000), made
# by copying one deferred message and its state.  Measured: daemon start
# and rescan (daemon --once with nothing due), mailq, queue list --json,
# and the running daemon's private memory (RssAnon).  Prints one line:
# bigqueue: ... .  Runs alone: bench/bigqueue.sh [build] (as root).
set -u
BUILD=$(cd "${1:-build}" && pwd); export BUILD
. "$(dirname "$0")/../test/lib.sh"
B=$BUILD/bench; mkdir -p "$B"
[ -x "$B/spawn" ] || cc -O2 -o "$B/spawn" "$TOP/bench/spawn.c" || t_fail "spawn"
N=${N:-100000}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
t_setup 'retry_min = 86400;' 'retry_max = 86400;'
t_standin --no-store --control "$TROOT/control.json"
t_control '{"fail_all_data": "451 Temporary service failure"}'
t_send 'To: someone@example.com\nSubject: deferred\n\nx\n'
t_drain
id=$(ls "$SPOOL/queue" | grep -E '^[0-9a-f]{16}$')
[ -n "$id" ] && [ -e "$SPOOL/state/$id" ] || t_fail "no deferred message to copy"
"$PY" - "$SPOOL" "$id" "$N" <<'PY'
import os, shutil, sys
spool, src, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
st = os.stat(os.path.join(spool, "queue", src))
for i in range(1, n):
    new = "%016x" % (0x1000000000000000 + i)
    for area in ("queue", "state"):
        shutil.copyfile(os.path.join(spool, area, src), os.path.join(spool, area, new))
        os.chown(os.path.join(spool, area, new), st.st_uid, st.st_gid)
        os.chmod(os.path.join(spool, area, new), 0o600)
        # The state's mtime is its due time (spool_state_save): keep it.
        s = os.stat(os.path.join(spool, area, src))
        os.utime(os.path.join(spool, area, new), ns=(s.st_atime_ns, s.st_mtime_ns))
PY
[ "$(t_nqueue)" -eq "$N" ] || t_fail "made $(t_nqueue) of $N messages"
sync
once=$("$B/spawn" 1 1 /dev/null "$SESRELAY" -C "$CONF" daemon --once) || t_fail "daemon --once"
again=$("$B/spawn" 1 1 /dev/null "$SESRELAY" -C "$CONF" daemon --once) || t_fail "daemon --once"
mq=$("$B/spawn" 1 1 /dev/null "$SENDMAIL" -C "$CONF" -bp) || t_fail "mailq"
js=$("$B/spawn" 1 1 /dev/null "$SESRELAY" -C "$CONF" queue list --json) || t_fail "queue list --json"
t_daemon_bg
t_wait grep -q 'daemon started' "$LOG" || t_fail "daemon start"
T_WAIT=30 t_wait grep -q "CPU used\|started" "$LOG"; sleep 3
anon=$(awk '/^RssAnon:/{print $2}' "/proc/$DAEMON_PID/status")
echo "bigqueue: n=$N daemon_once_s=$(field total_s "$once") again_s=$(field total_s "$again") mailq_s=$(field total_s "$mq")" \
	"list_json_s=$(field total_s "$js") daemon_rssanon_kb=$anon daemon_once_maxrss_kb=$(field maxrss_kb "$once")"
