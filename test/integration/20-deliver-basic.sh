#!/usr/bin/env bash
# Delivery to the SES stand-in: message id recorded, bytes on the wire,
# aliases, sender rewriting, splitting at 50 recipients, connection reuse.
. "$(dirname "$0")/../lib.sh"
t_setup 'aliases = { root = "admin@example.com"; www-data = "web@example.com"; };' \
	'connections = 1;'
t_standin

# Strict CRLF, dot-stuffing, a 3000-octet line, 8-bit body, local names.
"$PY" -c '
import sys
sys.stdout.buffer.write(b"To: a@example.com, root, Web <www-data@host.test>\nSubject: wire\n"
    b"Content-Type: text/plain; charset=utf-8\n\n.starts with a dot\n..two\n.\nline\n"
    + b"L" * 3000 + b"\n\xc3\xa9t\xc3\xa9\n")' | "$SENDMAIL" -C "$CONF" -t -i
t_drain || t_fail "daemon --once"
t_eq "$(t_received)" 1 "one message at the stand-in"
eml=$(ls "$MAILDIR"/*.eml); json=${eml%.eml}.json; sesid=$(basename "$eml" .eml)
t_grep "status=sent (250 Ok $sesid)" "$LOG"
t_grep 'to=<admin@example.com>, orig_to=<root>' "$LOG"
t_grep '"admin@example.com"' "$json"; t_grep '"web@example.com"' "$json"
# RCPT TO in the order the message gave its recipients (aliases in place).
"$PY" -c 'import json,sys; r=json.load(open(sys.argv[1]))["rcpt_tos"]
assert r == ["a@example.com", "admin@example.com", "web@example.com"], r' "$json" ||
	t_fail "envelope order on the wire"
"$PY" - "$eml" <<'PY' || t_fail "wire bytes"
import sys
d = open(sys.argv[1], 'rb').read()
lines = d.split(b'\r\n')
assert b'\n' not in d.replace(b'\r\n', b''), 'bare LF on the wire'
assert b'\r' not in d.replace(b'\r\n', b''), 'bare CR on the wire'
assert all(len(l) <= 998 for l in lines), 'line over 998 octets'
body = d.split(b'\r\n\r\n', 1)[1]
assert body.startswith(b'.starts with a dot\r\n..two\r\n.\r\nline\r\n'), body[:60]
assert body.count(b'L') == 3000, 'long line content lost'
assert '\u00e9t\u00e9'.encode() in body, '8-bit body changed'
head = d.split(b'\r\n\r\n', 1)[0].decode()
assert 'admin@example.com' in head and 'web@example.com' in head, head
assert 'root' not in head.replace('root@host.test', ''), head
PY
t_ok "wire bytes: CRLF, dots, folding, 8-bit, To rewritten"
t_nogrep 'BARE-LF\|BARE-CR\|LONG-LINE' "$STANDIN_LOG"
t_eq "$(t_nqueue)" 0 "queue empty after delivery"

# Several messages reuse one connection (connections = 1).
before=$(t_stat connections)
for i in 1 2 3 4 5; do t_send 'To: r%s@example.com\nSubject: m%s\n\nx\n' $i $i; done
t_drain
t_eq "$(t_received)" 6 "five more delivered"
t_eq "$(( $(t_stat connections) - before ))" 1 "five messages over one connection"

# Over 50 recipients: split into transactions of at most 50.
to=$(seq -f 'u%g@example.com' 1 120 | paste -sd, -)
t_send "To: $to\nSubject: many\n\nx\n"
t_drain
t_eq "$(t_received)" 9 "120 recipients in 3 transactions"
"$PY" - "$MAILDIR" <<'PY' || t_fail "split sizes"
import glob, json, sys
n = sorted(len(json.load(open(f))['rcpt_tos']) for f in glob.glob(sys.argv[1] + '/*.json'))
assert n[-3:] == [20, 50, 50], n
PY
t_ok "split 50+50+20"

# Sender and From: rewriting; the original From: goes to Reply-To:.
rm -f "$MAILDIR"/*
cat >>"$CONF" <<'C'
sender = "noreply@verified.example";
rewrite_from = true;
C
t_send 'From: App <app@host.test>\nTo: x@example.com\nSubject: rw\n\nx\n'
t_drain
eml=$(ls "$MAILDIR"/*.eml); json=${eml%.eml}.json
t_grep '"mail_from": "noreply@verified.example"' "$json"
t_grep '^From: noreply@verified.example' "$eml"
t_grep '^Reply-To: App <app@host.test>' "$eml"

# A local name without an alias fails with a clear reason, before any upload.
t_send 'To: nobody\nSubject: lost\n\nx\n'
t_drain
t_grep 'no alias for the local recipient nobody' "$LOG"
t_eq "$(t_nfailed)" 1 "unaliased local recipient -> failed/"
