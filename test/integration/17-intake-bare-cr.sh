#!/usr/bin/env bash
# A bare CR in a header: what the intake parses is what goes on the wire.
# `Subject: x\rBcc: y\rFrom: z` must not reach SES as real Bcc:/From: lines
# (Bcc removal bypassed, a second From:), and `\r\r` must not end the
# header section early.  Checked on the bytes the SES stand-in received
# from the real daemon, with Python's email parser.
. "$(dirname "$0")/../lib.sh"
t_setup
t_standin
SM="$SENDMAIL -C $CONF"

printf 'To: a@example.com\nFrom: s@example.com\nSubject: x\rBcc: hidden@example.com\rFrom: z@evil.example\nX-Id: 1\n\nbody one\n' |
	$SM -t -i || t_fail "sendmail 1"
printf 'From: s@example.com\nSubject: a\r\rX-After: still header\nTo: a@example.com\nX-Id: 2\n\nbody two\n' |
	$SM -t -i || t_fail "sendmail 2"
# A bare CR at the start of a header line.
printf 'From: s@example.com\nSubject: b\n\rBcc: hidden@example.com\nTo: a@example.com\nX-Id: 3\n\nbody three\n' |
	$SM -t -i || t_fail "sendmail 3"
t_drain || t_fail "daemon --once"
t_eq "$(t_received)" 3 "three messages received"
# Nobody but a@example.com was a recipient.
t_nogrep 'hidden@example.com' "$STANDIN_LOG"

"$PY" - "$MAILDIR" <<'PY' || t_fail "wire bytes"
import email, email.policy, glob, sys
msgs = {}
for f in glob.glob(sys.argv[1] + '/*.eml'):
    raw = open(f, 'rb').read()
    # Strict wire: every CR is part of CRLF, every LF follows a CR.
    assert raw.count(b'\r') == raw.count(b'\r\n') == raw.count(b'\n'), f
    m = email.message_from_bytes(raw, policy=email.policy.compat32)
    msgs[m['X-Id']] = (m, raw)
assert sorted(msgs) == ['1', '2', '3'], sorted(msgs)

m, raw = msgs['1']
assert m.get_all('Bcc') is None, m.get_all('Bcc')
assert m.get_all('From') == ['s@example.com'], m.get_all('From')
assert m['Subject'] == 'x Bcc: hidden@example.com From: z@evil.example', repr(m['Subject'])
assert m.get_payload() == 'body one\r\n', repr(m.get_payload())

m, raw = msgs['2']
# The header section did not end at the \r\r: To and X-Id are headers.
assert m['To'] == 'a@example.com', m.items()
assert m['Subject'].startswith('a ') and 'X-After: still header' in m['Subject'], repr(m['Subject'])
assert m.get_payload() == 'body two\r\n', repr(m.get_payload())

m, raw = msgs['3']
assert m.get_all('Bcc') is None, m.items()
assert m['To'] == 'a@example.com', m.items()
print('wire bytes agree with the parsed header')
PY
t_ok "wire bytes agree with the parsed header"
