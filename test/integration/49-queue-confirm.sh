#!/usr/bin/env bash
# queue delete asks on a terminal (answer n: nothing deleted; y: deleted),
# not when stdin is a pipe or with -y; hold ALL leaves failed/ alone.
. "$(dirname "$0")/../lib.sh"
t_setup 'retry_min = 3600;' 'aliases = { root = "postmaster@example.com"; };'
t_standin
q() { "$SESRELAY" -C "$CONF" queue "$@"; }
t_send 'To: rcpt550@example.com\nSubject: f\n\nx\n'
t_drain; t_drain
t_eq "$(t_nfailed)" 1 "one failed message"
failed=$(ls "$SPOOL/failed")
t_send 'To: a@example.com\nSubject: one\n\nx\n'
t_send 'To: b@example.com\nSubject: two\n\nx\n'

q hold ALL >"$TROOT/out"; t_eq "$?" 0 "hold ALL"
t_eq "$(grep -c ': held$' "$TROOT/out")" 2 "hold ALL: the two waiting messages"
[ ! -e "$SPOOL/state/$failed" ] || t_nogrep '^held 1$' "$SPOOL/state/$failed"
q release ALL >/dev/null

# On a terminal (script(1) gives the command a pty): "n" keeps everything.
echo n | script -qec "$SESRELAY -C $CONF queue delete ALL" /dev/null >"$TROOT/out" 2>&1
t_grep 'Delete 3 message(s)? \[y/N\]' "$TROOT/out"
t_grep 'nothing deleted' "$TROOT/out"
t_eq "$(t_ndrops)" 2 "answer n: nothing deleted"; t_eq "$(t_nfailed)" 1 "failed/ kept"
one=$(t_drops | head -1)
echo y | script -qec "$SESRELAY -C $CONF queue delete $one" /dev/null >"$TROOT/out" 2>&1
t_grep 'Delete 1 message(s)? \[y/N\]' "$TROOT/out"
t_grep "$one: deleted" "$TROOT/out"
t_eq "$(t_ndrops)" 1 "answer y: deleted"
# A pipe on stdin (scripts) or -y: no question.
q delete ALL </dev/null >"$TROOT/out" 2>&1; t_eq "$?" 0 "delete from a script"
t_nogrep 'Delete' "$TROOT/out"
t_eq "$(t_ndrops)" 0 "deleted without asking"; t_eq "$(t_nfailed)" 0 "failed/ deleted too"
t_eq "$(ls "$SPOOL/state" | wc -l)" 0 "no state left"
