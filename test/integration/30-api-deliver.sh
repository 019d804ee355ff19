#!/usr/bin/env bash
# API transport (transport = "api"): SendEmail to the AWS stand-in, which
# checks every signature with botocore.  The same bytes as the SMTP path,
# the same rewriting and splitting, the SES message id in the log line,
# kept-alive connections, idle ones closed, the transport in status.
. "$(dirname "$0")/../lib.sh"
. "$TOP/test/lib_aws.sh"
. "$TOP/test/lib_api.sh"
t_setup 'aliases = { root = "admin@example.com"; www-data = "web@example.com"; };' \
	'connections = 1;'
t_api_standin

# Strict CRLF, a dot line, a 3000-octet line, 8-bit body, local names.
"$PY" -c '
import sys
sys.stdout.buffer.write(b"To: a@example.com, root, Web <www-data@host.test>\nSubject: wire\n"
    b"Content-Type: text/plain; charset=utf-8\n\n.starts with a dot\n..two\n.\nline\n"
    + b"L" * 3000 + b"\n\xc3\xa9t\xc3\xa9\n")' | "$SENDMAIL" -C "$CONF" -t -i
t_drain || t_fail "daemon --once"
t_eq "$(t_received)" 1 "one message at the stand-in"
eml=$(ls "$MAILDIR"/*.eml); json=${eml%.eml}.json; sesid=$(basename "$eml" .eml)
t_grep "relay=https://127.0.0.1:$AWS_HTTPS_PORT\[127.0.0.1:$AWS_HTTPS_PORT\], .*status=sent (200 OK $sesid)" "$LOG"
t_grep 'to=<admin@example.com>, orig_to=<root>' "$LOG"
t_grep 'POST SendEmail key=AKIDTEST sig=ok' "$AWS_LOG"
t_nogrep 'signature mismatch' "$AWS_LOG"
# The envelope goes as Destination.BccAddresses, nothing in To/Cc.
"$PY" - "$json" <<'PY' || t_fail "destination"
import json, sys
m = json.load(open(sys.argv[1]))
d = m["destination"]
assert sorted(d["BccAddresses"]) == ["a@example.com", "admin@example.com", "web@example.com"], d
assert "ToAddresses" not in d and "CcAddresses" not in d, d
assert m["mail_from"] == "root@host.test", m
PY
t_ok "envelope as Destination.BccAddresses, FromEmailAddress = envelope sender"
"$PY" - "$eml" <<'PY' || t_fail "wire bytes"
import sys
d = open(sys.argv[1], 'rb').read()
lines = d.split(b'\r\n')
assert b'\n' not in d.replace(b'\r\n', b''), 'bare LF'
assert b'\r' not in d.replace(b'\r\n', b''), 'bare CR'
assert all(len(l) <= 998 for l in lines), 'line over 998 octets'
body = d.split(b'\r\n\r\n', 1)[1]
# No SMTP dot-stuffing on the API: the dots arrive as written.
assert body.startswith(b'.starts with a dot\r\n..two\r\n.\r\nline\r\n'), body[:60]
assert body.count(b'L') == 3000, 'long line content lost'
assert '\u00e9t\u00e9'.encode() in body, '8-bit body changed'
head = d.split(b'\r\n\r\n', 1)[0].decode()
assert 'admin@example.com' in head and 'web@example.com' in head, head
PY
t_ok "wire bytes: CRLF, dots, folding, 8-bit, To rewritten"
t_eq "$(t_nqueue)" 0 "queue empty after delivery"

# A message kept for the comparison with the SMTP transport at the end.
printf 'To: same@example.com\nSubject: same\n\n.dot\nsame body\n' | "$SENDMAIL" -C "$CONF" -t -i
same_id=$(t_drops)
cp -p "$SPOOL/maildrop/$same_id" "$TROOT/same.copy"
t_drain
api_eml=$(grep -l '"same@example.com"' "$MAILDIR"/*.json); api_eml=${api_eml%.json}.eml
cp "$api_eml" "$TROOT/same.api.eml"

# Several messages reuse one connection (connections = 1).
before=$(t_stat connections)
for i in 1 2 3 4 5; do t_send 'To: r%s@example.com\nSubject: m%s\n\nx\n' $i $i; done
t_drain
t_eq "$(t_received)" 7 "five more delivered"
t_eq "$(( $(t_stat connections) - before ))" 1 "five messages over one kept-alive connection"

# Over 50 recipients: split into requests of at most 50.
to=$(seq -f 'u%g@example.com' 1 120 | paste -sd, -)
t_send "To: $to\nSubject: many\n\nx\n"
t_drain
t_eq "$(t_received)" 10 "120 recipients in 3 requests"
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

# status names the transport.
"$SESRELAY" -C "$CONF" status >"$TROOT/status.out" 2>&1
t_grep "transport: *api (https://127.0.0.1:$AWS_HTTPS_PORT)" "$TROOT/status.out"

# The running daemon: idle connections are closed.
t_daemon_bg
t_wait grep -q 'daemon started' "$LOG" || t_fail "daemon did not start"
t_send 'To: live@example.com\nSubject: live\n\nx\n'
t_wait_received 2 || t_fail "not delivered by the running daemon"
n=$(grep -c 'closed after' "$AWS_LOG")
_closed_more() { [ "$(grep -c 'closed after' "$AWS_LOG")" -gt "$n" ]; }
t_wait _closed_more || t_fail "idle connection not closed"
t_ok "idle connection closed by the daemon"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"
t_eq "$?" 0 "clean exit on SIGTERM"

# The same spool file through the SMTP transport: the same message bytes.
rm -f "$MAILDIR"/*
sed -i 's/^transport = "api";/transport = "smtp";/; /^sender = /d; /^rewrite_from/d' "$CONF"   # as when it went by API
cp -p "$TROOT/same.copy" "$SPOOL/maildrop/$same_id"
t_standin
t_drain
smtp_eml=$(ls "$MAILDIR"/*.eml)
cmp "$smtp_eml" "$TROOT/same.api.eml" || t_fail "API and SMTP sent different bytes"
t_ok "API and SMTP transports send the same bytes"
