#!/usr/bin/env bash
# sendmail -bs: SMTP on stdin/stdout, as Symfony and Laravel use it; driven
# by swaks --pipe and by Python's smtplib over a socket pair.
. "$(dirname "$0")/../lib.sh"
t_setup
SM="$SENDMAIL -C $CONF"

for flags in "-bs" "-bs -i"; do
	swaks --pipe "$SM $flags" --from app@example.com --to one@example.com,two@example.com \
		--header 'Subject: swaks' --body $'line1\n.leading dot\n..two dots\n' \
		>"$TROOT/swaks.out" 2>&1 || { cat "$TROOT/swaks.out"; t_fail "swaks --pipe $flags"; }
	t_grep '250 2.0.0 Ok: queued as [0-9a-f]\{16\}' "$TROOT/swaks.out"
	f=$(t_one_drop)
	t_grep '^from <app@example.com>$' "$f"; t_grep '^rcpt <two@example.com>$' "$f"
	t_message "$f" >"$TROOT/m"
	t_grep '^\.leading dot$' "$TROOT/m"; t_grep '^\.\.two dots$' "$TROOT/m"
	t_clear_drops
done

# smtplib: several messages in one session, RSET, NOOP, VRFY, HELP, a
# pipelined burst, a refused NUL message (554) and an oversized one (552).
sed -i '/max_message_size/d' "$CONF"; echo 'max_message_size = 100000;' >>"$CONF"
"$PY" - "$SENDMAIL" "$CONF" <<'PY' || t_fail "smtplib session"
import smtplib, socket, subprocess, sys
a, b = socket.socketpair()
p = subprocess.Popen([sys.argv[1], "-C", sys.argv[2], "-bs"], stdin=b, stdout=b)
b.close()
class Pipe(smtplib.SMTP):
    def connect(self, host='localhost', port=0, source_address=None):
        self.sock = a
        self.file = None
        return self.getreply()
s = Pipe()
s.connect()
code, caps = s.ehlo("client.example")
assert code == 250 and b"PIPELINING" in caps and b"8BITMIME" in caps, caps
assert s.noop()[0] == 250
assert s.verify("root")[0] == 252
assert s.docmd("HELP")[0] == 214
s.mail("a@example.com"); s.rcpt("x@example.com")
assert s.rset()[0] == 250
assert s.docmd("DATA")[0] == 503            # no MAIL after RSET
for i in range(3):
    s.sendmail("a@example.com", ["r%d@example.com" % i], "Subject: m%d\r\n\r\nbody %d\r\n" % (i, i))
# Pipelined: all commands in one write, then read the replies in order.
a.sendall(b"MAIL FROM:<p@example.com>\r\nRCPT TO:<q@example.com>\r\nDATA\r\n")
assert s.getreply()[0] == 250 and s.getreply()[0] == 250 and s.getreply()[0] == 354
a.sendall(b"Subject: piped\r\n\r\nhello\r\n.\r\nNOOP\r\n")
c, m = s.getreply(); assert c == 250 and b"queued as" in m, (c, m)
assert s.getreply()[0] == 250
try:
    s.sendmail("a@example.com", ["n@example.com"], b"Subject: nul\r\n\r\na\x00b\r\n")
    raise SystemExit("NUL message accepted")
except smtplib.SMTPDataError as e:
    assert e.smtp_code == 554, e
big = "Subject: big\r\n\r\n" + ("y" * 70 + "\r\n") * 3000
# Announced with SIZE=: refused at MAIL.
try:
    s.sendmail("a@example.com", ["big@example.com"], big)
    raise SystemExit("oversized message accepted")
except smtplib.SMTPSenderRefused as e:
    assert e.smtp_code == 552, e
# Not announced: refused after DATA.
assert s.docmd("MAIL FROM:<a@example.com>")[0] == 250
assert s.docmd("RCPT TO:<big@example.com>")[0] == 250
c, m = s.data(big)
assert c == 552, (c, m)
assert s.quit()[0] == 221
p.wait(timeout=10)
assert p.returncode == 0
PY
t_ok "smtplib session"
t_eq "$(t_ndrops)" 4 "four messages queued (3 + pipelined), none for refused ones"
t_eq "$(ls -A "$SPOOL/maildrop" | grep -c '^t\.')" 0 "no temp files left"
t_clear_drops

# A storage failure gets 451, never 250.
mv "$SPOOL/maildrop" "$SPOOL/md.off"
swaks --pipe "$SM -bs" --from a@example.com --to b@example.com >"$TROOT/swaks.out" 2>&1
mv "$SPOOL/md.off" "$SPOOL/maildrop"
t_grep '^<\*\* 451 4' "$TROOT/swaks.out"; t_nogrep 'queued as' "$TROOT/swaks.out"

# A client that vanishes in the middle of DATA queues nothing.
printf 'HELO x\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nSubject: cut\r\n\r\npartial\r\n' |
	$SM -bs >/dev/null
t_eq "$(ls -A "$SPOOL/maildrop" | wc -l)" 0 "vanished client: nothing queued"
