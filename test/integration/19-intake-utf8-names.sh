#!/usr/bin/env bash
# Raw UTF-8 in display names, group names and comments of address fields
# (PHP writes `To: Zoë Ågren <z@example.org>`) reaches SES as RFC 2047
# encoded-words (SES offers no SMTPUTF8), by the rules for phrases: the
# header section on the wire is pure ASCII, the addresses are intact, and
# Python's email package decodes every field back to the text written.
. "$(dirname "$0")/../lib.sh"
t_setup
t_standin

cat >"$TROOT/in.txt" <<'MSG'
From: Jürgen Müller <juergen@example.de>
To: Zoë Ågren <z@example.org>, "Müller, Hans" <hans@example.org>, plain@example.org
Cc: "Zoë"<zoe@example.org>, José (Büro) <jose@example.org>, Grüppe: a@example.org, Ünïcödé Name Here That Is Rather Long Indeed And Goes On And On Further <long@example.org>;
Reply-To: J. Müller Sr. <j@example.de>
Sender: Ærøskøbing Post <post@example.dk>
Mail-Followup-To: Александр Сергеевич Пушкин-Иванович <ap@example.org>
X-Id: names
Subject: ASCII subject

body
MSG
"$SENDMAIL" -C "$CONF" -t -i <"$TROOT/in.txt" || t_fail "sendmail"
t_drain || t_fail "daemon --once"
t_eq "$(t_received)" 1 "message received"

"$PY" - "$TROOT/in.txt" "$(find "$MAILDIR" -name '*.eml')" <<'PY' || t_fail "decoded fields differ"
import email, email.policy, email.utils, sys
src = email.message_from_string(open(sys.argv[1], encoding='utf-8').read(), policy=email.policy.default)
raw = open(sys.argv[2], 'rb').read()
head = raw.split(b'\r\n\r\n', 1)[0]
assert all(b < 128 for b in head), '8-bit octets in the header section on the wire'
wire = email.message_from_bytes(raw, policy=email.policy.default)
def mailboxes(h):
    out = []
    for g in h.groups:
        out.append(('group', g.display_name))
        out += [(a.display_name, a.addr_spec) for a in g.addresses]
    return out
for name in ('From', 'To', 'Cc', 'Reply-To', 'Sender'):
    want, got = mailboxes(src[name]), mailboxes(wire[name])
    assert want == got, (name, want, got)
    print(name, 'ok:', got)
# The comment survives too: the raw Cc field through the generic decoder.
import re
rawcc = re.search(rb'\r\nCc:(.*?)\r\n(?! )', head, re.S).group(1).decode()
cc = str(email.header.make_header(email.header.decode_header(' '.join(rawcc.split()))))
assert '(Büro)' in cc, cc
# A stretch of 8-bit words longer than one encoded-word (45 octets of text)
# is split into several: RFC 2047 decoders join them without the folding
# white space between (6.2), as email.header does.  (CPython's newer
# header parser keeps that white space inside phrases, so it is not used
# for this one.)
rawmf = re.search(rb'\r\nMail-Followup-To:(.*?)\r\n(?! )', head, re.S).group(1).decode()
assert rawmf.count('=?UTF-8?B?') > 1, rawmf
(name, addr), = email.utils.getaddresses([rawmf])
name = str(email.header.make_header(email.header.decode_header(name)))
assert (name, addr) == ('Александр Сергеевич Пушкин-Иванович', 'ap@example.org'), (name, addr)
# The addresses are on the wire as written (not encoded).
for a in (b'<z@example.org>', b'<hans@example.org>', b'plain@example.org', b'<zoe@example.org>',
          b'<jose@example.org>', b'a@example.org', b'<long@example.org>', b'<j@example.de>',
          b'<juergen@example.de>', b'<post@example.dk>', b'<ap@example.org>'):
    assert a in head, a
# Every encoded-word is at most 75 characters.
import re
for w in re.findall(rb'=\?[^?]*\?[BbQq]\?[^?]*\?=', head):
    assert len(w) <= 75, w
PY
t_ok "display names decode to the input, addresses intact"
# The envelope recipients are the addresses, unchanged.
t_grep 'hans@example.org' "$STANDIN_LOG"; t_grep 'long@example.org' "$STANDIN_LOG"
