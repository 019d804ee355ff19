#!/usr/bin/env bash
# Pickup from maildrop: a damaged file, a file the relay user cannot read
# and a readable file of a foreign group are moved to failed/ with a log
# line -- never delivered, never deleted -- while good mail goes out.
. "$(dirname "$0")/../lib.sh"
t_setup
t_standin
t_send 'To: good@example.com\nSubject: good\n\nx\n'
md=$SPOOL/maildrop
printf 'this is not a spool file\n' >"$md/00000000000000a1"
chown "$RELAY_USER:$RELAY_USER" "$md/00000000000000a1"; chmod 640 "$md/00000000000000a1"
cp "$md/$(t_drops | head -1)" "$md/00000000000000a2"	# a copy, root:root 0600
chown root:root "$md/00000000000000a2"; chmod 600 "$md/00000000000000a2"
cp "$md/$(t_drops | head -1)" "$md/00000000000000a3"	# readable, foreign group
chown www-data:www-data "$md/00000000000000a3"; chmod 644 "$md/00000000000000a3"
t_drain
t_eq "$(t_received)" 1 "only the good message is sent"
t_grep 'to=<good@example.com>.*status=sent' "$LOG"
t_grep '00000000000000a1: unreadable message in maildrop (.*): moved to failed/' "$LOG"
t_grep '00000000000000a2: unreadable message in maildrop (not readable by the relay user): moved to failed/' "$LOG"
# spool_open refuses it already (not group relay); the runner checks again.
t_grep "00000000000000a3: .*maildrop.*: moved to failed/" "$LOG"
for id in 00000000000000a1 00000000000000a2 00000000000000a3; do
	[ -e "$SPOOL/failed/$id" ] || t_fail "$id not kept in failed/"
done
t_ok "kept in failed/"
t_eq "$(t_ndrops)" 0 "maildrop empty"
