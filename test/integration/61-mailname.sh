#!/usr/bin/env bash
# /etc/mailname is the default `domain` (Debian policy) when the config
# sets none: bare names are qualified with it; addresses at that domain stay
# remote mailboxes (not local names).  A set `domain` wins; a missing or
# malformed file falls back to the host name.  The file is this test's own
# (mailname_file), never the host's /etc/mailname.
. "$(dirname "$0")/../lib.sh"
t_setup 'aliases = { root = "ops@example.com"; };'
t_standin
sed -i '/^domain = /d' "$CONF"
host=$(hostname)

sender_of() {	# the envelope sender sendmail stores for "-f cron"
	t_clear_drops
	printf 'To: x@example.org\nSubject: s\n\nx\n' | "$SENDMAIL" -C "$CONF" -t -i -f cron ||
		t_fail "sendmail"
	sed -n 's/^from <\(.*\)>$/\1/p' "$(t_one_drop)"
}

printf 'mail.example.net\n' >"$TROOT/mailname"
t_eq "$(sender_of)" "cron@mail.example.net" "bare sender qualified with the mailname"
t_grep '^From: cron@mail.example.net' "$(t_one_drop)"
t_clear_drops

# root is local and aliased; boss@<mailname> is a remote mailbox, sent as is.
printf 'To: root, boss@mail.example.net\nSubject: m\n\nx\n' |
	"$SENDMAIL" -C "$CONF" -t -i -f cron || t_fail "sendmail"
t_drain || t_fail "daemon --once"
t_grep '"boss@mail.example.net"' "$(ls "$MAILDIR"/*.json)"
t_grep '"ops@example.com"' "$(ls "$MAILDIR"/*.json)"
t_grep 'to=<boss@mail.example.net>, relay=.*status=sent' "$LOG"

# Surrounding blanks and a CRLF are tolerated.
printf '  mail2.example.net \r\n' >"$TROOT/mailname"
t_eq "$(sender_of)" "cron@mail2.example.net" "mailname with blanks and CRLF"

# Not a domain name: ignored, the host name is used.
printf 'not a/domain!\n' >"$TROOT/mailname"
t_eq "$(sender_of)" "cron@$host" "malformed mailname ignored"
: >"$TROOT/mailname"
t_eq "$(sender_of)" "cron@$host" "empty mailname ignored"
rm -f "$TROOT/mailname"
t_eq "$(sender_of)" "cron@$host" "no mailname: the host name"

# A domain in the config wins over the file.
printf 'mail.example.net\n' >"$TROOT/mailname"
echo 'domain = "set.example.com";' >>"$CONF"
t_eq "$(sender_of)" "cron@set.example.com" "the config's domain wins"
