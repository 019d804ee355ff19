#!/usr/bin/env bash
# Control characters from callers and servers never reach a log line or
# root's terminal raw: -F with a line break is refused (no header injection),
# a newline in -f cannot forge a log line, and queue show / mailq print a
# header's or a reply's ESC and BEL bytes escaped.
. "$(dirname "$0")/../lib.sh"
t_setup
SM="$SENDMAIL -C $CONF"
rc() { "$@"; echo $?; }

# -F with a newline: refused like a bad -f (64), nothing queued, so no Bcc:
# line can be injected into the From: field.
t_eq "$(printf 'Subject: f\n\nb\n' | rc $SM -i -F $'Bob\nBcc: x@evil.example' a@example.com 2>"$TROOT/err")" \
	64 "-F with a newline -> 64"
t_grep 'full name' "$TROOT/err"
t_eq "$(t_ndrops)" 0 "nothing queued after a bad -F"
t_eq "$(printf 'Subject: f\n\nb\n' | rc $SM -i -F $'Bob\x1b[31m' a@example.com 2>/dev/null)" 64 "-F with ESC -> 64"
# A plain and a UTF-8 full name still work.
printf 'Subject: f\n\nb\n' | $SM -i -F 'Bob "the" Builder' a@example.com || t_fail "plain -F"
t_message "$(t_one_drop)" >"$TROOT/m"; t_grep '^From: "Bob \\"the\\" Builder" <root@host.test>$' "$TROOT/m"; t_clear_drops

# Log forging: a newline in -f must not start a line of its own in log_file.
printf 'Subject: l\n\nb\n' | $SM -i -f $'x@example.com\nDec  2 10:00:00 host sesrelay[1]: FORGED' a@example.com 2>/dev/null
t_nogrep '^Dec  2 10:00:00 host sesrelay\[1\]: FORGED' "$LOG"
t_grep 'x@example.com\\012Dec  2' "$LOG"
# A recipient with ESC and a CR: escaped in the log too.
printf 'Subject: l\n\nb\n' | $SM -i $'a\x1b]0;pwned\x07@example.com' 2>/dev/null
t_nogrep $'\x1b' "$LOG"
t_grep 'a\\033]0;pwned\\007@example.com' "$LOG"

# queue show and mailq: a Subject and a To: with ESC/BEL, a recipient's
# server reply with ESC, all printed escaped.
printf 'To: a@example.com\nSubject: \x1b[2J\x07bell\nFrom: s@example.com\n\nb\n' | $SM -t -i || t_fail "queue"
id=$(t_drops)
"$SESRELAY" -C "$CONF" queue show "$id" >"$TROOT/show" 2>&1 || t_fail "queue show"
t_nogrep $'\x1b' "$TROOT/show"; t_nogrep $'\x07' "$TROOT/show"
t_grep 'Subject: \\033\[2J\\007bell' "$TROOT/show"
# A state file with a server reply holding ESC (as a hostile server sends).
printf 'SESRELAY-STATE 1\nheld 0\nrcpt\ta@example.com\tpending\t1\t0\t1\t-\t451 \033[31mred\007\nlog\t1\ta@example.com\tdeferred\t451 \033[31mred\nend\n' \
	>"$SPOOL/state/$id"
chown "$RELAY_USER" "$SPOOL/state/$id"
"$SESRELAY" -C "$CONF" queue show "$id" >"$TROOT/show" 2>&1 || t_fail "queue show"
"$SENDMAIL" -C "$CONF" -bp >"$TROOT/mailq" 2>&1 || t_fail "mailq"
for f in "$TROOT/show" "$TROOT/mailq"; do
	t_nogrep $'\x1b' "$f"; t_nogrep $'\x07' "$f"
	t_grep '451 \\033\[31mred' "$f"
done

# status: a server's reply with ESC/BEL (a hostile or broken relay) is
# printed escaped.
t_standin --fail-all-data $'451 \x1b[31mred\x07'
printf 'Subject: s\n\nb\n' | $SM -i esc@example.com || t_fail "queue for status"
t_drain
"$SESRELAY" -C "$CONF" status >"$TROOT/status" 2>&1
t_grep 'last failure: .*451 \\033\[31mred' "$TROOT/status"
t_nogrep $'\x1b' "$TROOT/status"; t_nogrep $'\x07' "$TROOT/status"
echo "all escapes ok"
