#!/usr/bin/env bash
# Bad and odd input: each gets its documented treatment, and the spool never
# holds a corrupt or partial message.
. "$(dirname "$0")/../lib.sh"
t_setup
SM="$SENDMAIL -C $CONF"
rc() { "$@"; echo $?; }

# Without -i a lone "." ends the message; with -i it does not.
printf 'Subject: d\n\nbefore\n.\nafter\n' | $SM a@example.com
t_message "$(t_one_drop)" >"$TROOT/m"; t_grep '^before' "$TROOT/m"; t_nogrep '^after' "$TROOT/m"; t_clear_drops
printf 'Subject: d\n\nbefore\n.\nafter\n' | $SM -oi a@example.com
t_message "$(t_one_drop)" >"$TROOT/m"; t_grep '^after' "$TROOT/m"; t_clear_drops

# Bare LF and CRLF input store the same bytes; a final newline is added.
printf 'Subject: e\r\nMessage-ID: <x@y>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: a@b.c\r\n\r\nl1\r\nl2' | $SM -i a@example.com
t_message "$(t_one_drop)" >"$TROOT/crlf"; t_clear_drops
printf 'Subject: e\nMessage-ID: <x@y>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nFrom: a@b.c\n\nl1\nl2\n' | $SM -i a@example.com
t_message "$(t_one_drop)" >"$TROOT/lf"; t_clear_drops
cmp "$TROOT/crlf" "$TROOT/lf" || t_fail "CRLF and LF input stored differently"; t_ok "CRLF == LF"

# NUL bytes: refused with EX_DATAERR, nothing queued.
t_eq "$(printf 'Subject: n\n\na\0b\n' | rc $SM -i a@example.com 2>"$TROOT/err")" 65 "NUL -> 65"
t_grep 'NUL' "$TROOT/err"; t_eq "$(ls -A "$SPOOL/maildrop" | wc -l)" 0 "nothing left after NUL"

# A 1 MB line and 8-bit octets are stored intact; 8bit flagged.
"$PY" -c 'import sys; sys.stdout.buffer.write(b"Subject: big\n\n" + b"x"*1048576 + b"\n\xc3\xa9t\xc3\xa9\n")' |
	$SM -i a@example.com || t_fail "1 MB line"
f=$(t_one_drop); t_grep '^body 8bit$' "$f"
t_eq "$(t_message "$f" | awk 'length > 1000000' | wc -l)" 1 "1 MB line intact"
t_clear_drops

# Empty input with a recipient: accepted, headers added.
$SM -i a@example.com </dev/null || t_fail "empty input"
t_message "$(t_one_drop)" >"$TROOT/m"; t_grep '^From: root@host.test' "$TROOT/m"; t_clear_drops
# -t with no recipient anywhere: EX_USAGE.
t_eq "$(printf 'Subject: x\n\nb\n' | rc $SM -t -i 2>/dev/null)" 64 "no recipients -> 64"

# No header/body separator: headers end at the first non-header line.
printf 'Subject: nosep\nthis is body text\nmore\n' | $SM -i a@example.com
t_message "$(t_one_drop)" >"$TROOT/m"
"$PY" - "$TROOT/m" <<'PY' || t_fail "separator not inserted"
import sys
head, body = open(sys.argv[1]).read().split('\n\n', 1)
assert 'Subject: nosep' in head and body == 'this is body text\nmore\n', (head, body)
PY
t_ok "separator inserted"; t_clear_drops

# Over max_message_size: EX_DATAERR, nothing queued.
sed -i '/max_message_size/d' "$CONF"; echo 'max_message_size = 4096;' >>"$CONF"
t_eq "$(head -c 20000 /dev/zero | tr '\0' 'y' | fold -w 70 | rc $SM -i a@example.com 2>"$TROOT/err")" 65 "too large -> 65"
t_grep 'max_message_size' "$TROOT/err"; t_eq "$(ls -A "$SPOOL/maildrop" | wc -l)" 0 "nothing left after too large"
sed -i '/max_message_size/d' "$CONF"

# Disk "full" (below min_free_space): EX_TEMPFAIL with a clear message.
echo 'min_free_space = 1000000000000000L;' >>"$CONF"
t_eq "$(printf 'Subject: x\n\nb\n' | rc $SM -i a@example.com 2>"$TROOT/err")" 75 "no space -> 75"
t_grep 'NOT queued' "$TROOT/err"
sed -i '/min_free_space/d' "$CONF"

# A write failing in the middle (file size limit: EFBIG): 75, no file left.
t_eq "$( (ulimit -f 8; head -c 100000 /dev/zero | tr '\0' 'z' | fold -w 70 | $SM -i a@example.com 2>"$TROOT/err"; echo $?) )" 75 "EFBIG -> 75"
t_grep 'NOT queued' "$TROOT/err"; t_eq "$(ls -A "$SPOOL/maildrop" | wc -l)" 0 "nothing left after EFBIG"

# Spool missing: 75.  Unparsable config: 78.  Bad recipient: 64.
mv "$SPOOL/maildrop" "$SPOOL/md.off"
t_eq "$(printf 'x\n' | rc $SM -i a@example.com 2>/dev/null)" 75 "missing spool -> 75"
mv "$SPOOL/md.off" "$SPOOL/maildrop"
echo 'port = "x";' >"$TROOT/bad.conf"
t_eq "$(printf 'x\n' | rc $SENDMAIL -C "$TROOT/bad.conf" -i a@example.com 2>"$TROOT/err")" 78 "bad config -> 78"
t_grep 'bad.conf:1:' "$TROOT/err"
t_eq "$(printf 'x\n' | rc $SM -i 'a b@example.com' 2>/dev/null)" 64 "bad recipient -> 64"

# sendmail killed mid-input leaves at most a t.* temp file, never a message.
has_temp() { ls "$SPOOL/maildrop" | grep -q '^t\.'; }
mkfifo "$TROOT/fifo"
$SM -i a@example.com <"$TROOT/fifo" & pid=$!
exec 3>"$TROOT/fifo"; printf 'Subject: k\n\npartial\n' >&3
t_wait has_temp || t_fail "temp file not created"
kill -9 $pid; wait $pid 2>/dev/null; exec 3>&-
t_eq "$(t_ndrops)" 0 "killed sendmail: nothing deliverable"
ls "$SPOOL/maildrop" | grep -q '^t\.' || t_fail "expected a recognisable t.* leftover"; t_ok "t.* leftover"
# SIGTERM instead: the temp file is removed too.
rm -f "$SPOOL"/maildrop/t.*
$SM -i a@example.com <"$TROOT/fifo" & pid=$!
exec 3>"$TROOT/fifo"; printf 'Subject: k\n\npartial\n' >&3
t_wait has_temp || t_fail "temp file not created"
kill -TERM $pid; wait $pid 2>/dev/null; exec 3>&-
t_eq "$(ls -A "$SPOOL/maildrop" | wc -l)" 0 "SIGTERM: temp file removed"
