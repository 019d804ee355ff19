#!/usr/bin/env bash
# aliases(5) at delivery time: chains, a name with several addresses (each
# with its own state), the config winning over the file, refused |command,
# /file and :include: targets (never run), loops, an edited file taking
# effect without newaliases or a restart, and newaliases/check-config/
# doctor reporting a name that maps nowhere.  The file is this test's own
# (aliases_file), never the host's /etc/aliases.
. "$(dirname "$0")/../lib.sh"
t_setup 'aliases = { cfwins = "conf@example.com"; };' 'connections = 1;'
t_standin
chmod 755 "$TROOT"
cat >"$TROOT/aliases" <<EOF
# test aliases
mailer-daemon: postmaster
postmaster: root
root: admin,
	ops@example.com
admin: admin-real@example.com
cfwins: file@example.com
pipe: "|/bin/touch $TROOT/PWNED-pipe", $TROOT/PWNED-file,
  :include:$TROOT/include-list, piped@example.com
onlypipe: |/bin/touch $TROOT/PWNED-only
loopa: loopb
loopb: loopa
broken line without colon
EOF
echo "included@example.com" >"$TROOT/include-list"
chmod 644 "$TROOT/aliases" "$TROOT/include-list"

rcpts() {	# the envelope recipients the stand-in got, sorted, one line
	"$PY" - "$MAILDIR" <<'PY'
import glob, json, sys
r = []
for f in glob.glob(sys.argv[1] + '/*.json'):
    r += json.load(open(f))['rcpt_tos']
print(' '.join(sorted(r)))
PY
}

# 1. Chains, several addresses, config precedence, refused targets.
printf 'To: mailer-daemon, cfwins\nCc: pipe@host.test, x@example.org\nSubject: a\n\nbody\n' |
	"$SENDMAIL" -C "$CONF" -t -i -f app@example.org || t_fail "sendmail"
t_drain || t_fail "daemon --once"
t_eq "$(rcpts)" "admin-real@example.com conf@example.com ops@example.com piped@example.com x@example.org" \
	"recipients after expansion (config over file, targets deduplicated)"
t_eq "$(t_nqueue)" 0 "message delivered and removed"
t_eq "$(t_nfailed)" 0 "nothing failed"
t_check "no |command ran" test ! -e "$TROOT/PWNED-pipe"
t_check "no /file was written" test ! -e "$TROOT/PWNED-file"
t_grep 'to=<mailer-daemon>, status=expanded (expanded by alias to admin-real@example.com, ops@example.com)' "$LOG"
t_grep 'to=<ops@example.com>, relay=' "$LOG"
t_grep "alias pipe: target \"|/bin/touch $TROOT/PWNED-pipe\" ($TROOT/aliases:8) refused: a relay delivers to addresses only" "$LOG"
t_grep "alias pipe: target \"$TROOT/PWNED-file\"" "$LOG"
t_grep "alias pipe: target \":include:$TROOT/include-list\"" "$LOG"
t_grep "$TROOT/aliases:13: no ':' after the alias name (that line is ignored)" "$LOG"
t_nogrep 'file@example.com' "$LOG"
# The headers name the addresses, not the local names.
eml=$(grep -l 'Subject: a' "$MAILDIR"/*.eml)
t_grep '^To: admin-real@example.com,' "$eml"
t_grep '^ ops@example.com,' "$eml"
t_nogrep 'mailer-daemon' "$eml"

# 2. A name whose targets are all refused or loop fails, with the reason.
rm -f "$MAILDIR"/*
printf 'To: onlypipe, loopa\nSubject: b\n\nbody\n' |
	"$SENDMAIL" -C "$CONF" -t -i -f app@example.org || t_fail "sendmail"
t_drain
t_check "no |command ran" test ! -e "$TROOT/PWNED-only"
t_eq "$(t_nfailed)" 1 "message with two dead-end names in failed/"
t_grep 'to=<onlypipe>, relay=none.*status=bounced (the alias onlypipe maps to no address: alias onlypipe: target "|/bin/touch' "$LOG"
t_grep 'to=<loopa>, relay=none.*status=bounced (the alias loopa maps to no address: alias loopa: loop loopa -> loopb -> loopa' "$LOG"
t_grep 'sender non-delivery notification' "$LOG"

# 3. A name with several addresses where SES refuses one: each address
#    has its own state, so only the refused one fails (and is bounced).
rm -f "$MAILDIR"/*
echo 'team: good@example.com, rcpt550@example.com' >"$TROOT/aliases"
printf 'To: team\nSubject: c\n\nbody\n' | "$SENDMAIL" -C "$CONF" -t -i -f app@example.org
t_drain
t_grep 'to=<good@example.com>.*status=sent' "$LOG"
t_grep 'to=<rcpt550@example.com>.*status=bounced (550 5.1.1' "$LOG"
t_eq "$(t_nfailed)" 2 "the message with the refused address in failed/"
id=$(grep -l 'Subject: c' "$SPOOL"/failed/* | xargs -n1 basename)
t_grep $'rcpt\tteam\tsent' "$SPOOL/state/$id"
t_grep $'rcpt\tgood@example.com\tsent' "$SPOOL/state/$id"
t_grep $'rcpt\trcpt550@example.com\tfailed' "$SPOOL/state/$id"

# 4. An edited file applies at once to a running daemon: no newaliases,
#    no restart.
t_drain		# the bounce of part 3 goes out first
t_eq "$(t_nqueue)" 0 "queue empty"
rm -f "$MAILDIR"/*
echo 'root: first@example.com' >"$TROOT/aliases"
t_daemon_bg
printf 'To: root\nSubject: d1\n\nbody\n' | "$SENDMAIL" -C "$CONF" -t -i -f app@example.org
t_wait_received 1 || t_fail "d1 not delivered"
echo 'root: second@example.com, third@example.com' >"$TROOT/aliases"
touch -d '+2 seconds' "$TROOT/aliases"	# a new mtime even within the same second
printf 'To: root\nSubject: d2\n\nbody\n' | "$SENDMAIL" -C "$CONF" -t -i -f app@example.org
t_wait_received 2 || t_fail "d2 not delivered"
t_eq "$(rcpts)" "first@example.com second@example.com third@example.com" "the edited alias applies"
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null

# 5. newaliases shows the map and the problems; check-config and doctor
#    report a name that maps nowhere.
cat >"$TROOT/aliases" <<EOF
postmaster: root
root: admin, ops@example.com
admin: admin-real@example.com
cfwins: file@example.com
onlypipe: |/bin/touch $TROOT/PWNED-only
nowhere: ghost
EOF
ln -s "$SENDMAIL" "$TROOT/newaliases"
"$TROOT/newaliases" -C "$CONF" >"$TROOT/na.out" 2>"$TROOT/na.err"
t_eq "$?" 0 "newaliases exit status"
t_grep '^cfwins: conf@example.com   (sesrelay.conf)$' "$TROOT/na.out"
t_grep '^postmaster: admin-real@example.com, ops@example.com$' "$TROOT/na.out"
t_grep "^# $TROOT/aliases:4: cfwins is overridden by sesrelay.conf$" "$TROOT/na.out"
t_grep '^onlypipe: (nowhere)$' "$TROOT/na.out"
t_grep '^newaliases: 6 local names checked, 4 problems; nothing to rebuild' "$TROOT/na.out"
t_grep 'newaliases: warning: alias onlypipe: target "|/bin/touch' "$TROOT/na.err"
t_grep 'newaliases: warning: alias onlypipe maps to no address: its mail fails' "$TROOT/na.err"
t_grep 'newaliases: warning: alias nowhere: the local name ghost has no alias and there is no default_recipient' "$TROOT/na.err"
t_check "newaliases ran nothing" test ! -e "$TROOT/PWNED-only"
# -bi is newaliases too.
"$SENDMAIL" -C "$CONF" -bi >"$TROOT/bi.out" 2>/dev/null
t_check "sendmail -bi prints the same map" cmp "$TROOT/na.out" "$TROOT/bi.out"
"$SESRELAY" -C "$CONF" check-config >"$TROOT/cc.out" 2>&1 || t_fail "check-config exit"
t_grep "warning: alias nowhere maps to no address: its mail fails" "$TROOT/cc.out"
t_grep "warning: alias onlypipe maps to no address" "$TROOT/cc.out"
"$SESRELAY" -C "$CONF" doctor --ports "$SMTP_PORT" >"$TROOT/doctor.out" 2>&1
t_grep '  warn  aliases: alias nowhere maps to no address: its mail fails' "$TROOT/doctor.out"
# An unreadable file is an error for newaliases.
chmod 600 "$TROOT/aliases"
chmod 644 "$CONF"
runuser -u nobody -- "$SENDMAIL" -C "$CONF" -bi >/dev/null 2>"$TROOT/na2.err"
t_eq "$?" 78 "newaliases on an unreadable file: EX_CONFIG"
t_grep "cannot read $TROOT/aliases: Permission denied" "$TROOT/na2.err"
