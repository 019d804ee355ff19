#!/usr/bin/env bash
# Who may manage the queue: the relay user may (without root), root may and
# what it writes stays the relay user's, other users may not even list.
. "$(dirname "$0")/../lib.sh"
t_setup 'retry_min = 3600;'
t_send 'To: a@example.com\nSubject: one\n\nx\n'
t_send 'To: b@example.com\nSubject: two\n\nx\n'
as_relay() { runuser -u "$RELAY_USER" -- "$SESRELAY" -C "$CONF" "$@"; }
set -- $(t_drops); one=$1 two=$2

as_relay queue list >"$TROOT/list"; t_eq "$?" 0 "relay user: list"
t_grep "^$one .*(incoming)" "$TROOT/list"
as_relay queue hold "$one" >/dev/null; t_eq "$?" 0 "relay user: hold"
as_relay queue show "$one" >"$TROOT/show"; t_eq "$?" 0 "relay user: show"
t_grep "^Queue ID:  $one (maildrop, held)" "$TROOT/show"
t_grep '^  Subject: one' "$TROOT/show"
as_relay status >"$TROOT/status"; t_eq "$?" 2 "relay user: status (no daemon: critical)"
t_grep '1 incoming, 0 active, 0 deferred, 1 held' "$TROOT/status"

# Root acts as the relay user: the state file it writes is not root's.
"$SESRELAY" -C "$CONF" queue hold "$two" >/dev/null; t_eq "$?" 0 "root: hold"
t_eq "$(stat -c %U "$SPOOL/state/$two")" "$RELAY_USER" "root's change owned by the relay user"
"$SESRELAY" -C "$CONF" queue release ALL >/dev/null; t_eq "$?" 0 "root: release ALL"
t_grep '^held 0$' "$SPOOL/state/$one"

# Another user: refused for every subcommand, the spool untouched.
for sub in "list" "list --json" "show $one" "hold $one" "release ALL" "delete -y ALL" \
    "requeue failed" "flush"; do
	runuser -u www-data -- "$SESRELAY" -C "$CONF" queue $sub >"$TROOT/out" 2>&1
	t_eq "$?" 77 "www-data: queue $sub refused"
	t_grep 'permission denied' "$TROOT/out"
done
t_eq "$(t_ndrops)" 2 "both messages still there"
t_nogrep '^held 1$' "$SPOOL/state/$one"

# Unknown ids and usage errors are named.
"$SESRELAY" -C "$CONF" queue show 0123456789abcdef >"$TROOT/out" 2>&1
t_eq "$?" 66 "show: no such message"; t_grep 'no message 0123456789abcdef' "$TROOT/out"
"$SESRELAY" -C "$CONF" queue show ../../etc/passwd >"$TROOT/out" 2>&1
t_eq "$?" 66 "show: an id that is a path is refused"
"$SESRELAY" -C "$CONF" queue hold >/dev/null 2>&1; t_eq "$?" 64 "hold without ids: usage"
"$SESRELAY" -C "$CONF" queue frobnicate >/dev/null 2>&1; t_eq "$?" 64 "unknown queue command"
