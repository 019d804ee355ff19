#!/usr/bin/env bash
# Sent-mail history and `sesrelay trace` without AWS events: every recipient
# SES accepted is recorded with its queue id, Message-ID, SES id, sender,
# size; trace finds it by each key, --since and --json work, old records go
# after history_retention_days, and the intake binary never loads SQLite.
. "$(dirname "$0")/../lib.sh"
t_setup 'aliases = { root = "admin@example.com"; };'
t_standin
tr() { "$SESRELAY" -C "$CONF" trace "$@"; }
DB=$SPOOL/history/history.db

! ldd "$SENDMAIL" | grep -q sqlite || t_fail "sendmail links SQLite"
t_ok "the intake binary does not link SQLite"
tr nothing@example.com 2>"$TROOT/err"; t_eq $? 66 "trace before any history: exit 66"
t_grep 'no sent-mail history yet' "$TROOT/err"

t_send 'From: App <app@host.test>\nTo: one@example.com, root\nMessage-ID: <m1.abc@host.test>\nSubject: a\n\nbody\n'
t_send 'To: two@example.com\nMessage-ID: <m2.abc@host.test>\nSubject: b\n\nbody\n'
t_send 'To: rcpt550@example.com\nSubject: refused\n\nx\n'
t_drain || t_fail "daemon --once"
# (the bounce for rcpt550 to root may go out in the same run)
t_check "two messages at the stand-in" test "$(t_received)" -ge 2
t_check "history file created, owned by the relay user" \
	test "$(stat -c %U "$DB")" = "$RELAY_USER"

# Each key finds the message; the text names every step.
sesid=$(grep -l '"one@example.com"' "$MAILDIR"/*.json | xargs basename | sed 's/\.json$//')
qid=$(sed -n 's/^.* \([0-9a-f]\{16\}\): to=<one@example.com>.*status=sent.*/\1/p' "$LOG")
[ -n "$qid" ] && [ -n "$sesid" ] || t_fail "queue id / SES id not found"
for q in "$qid" "m1.abc@host.test" "<m1.abc@host.test>" "$sesid" one@example.com ONE@Example.COM; do
	tr "$q" >"$TROOT/out" || t_fail "trace $q"
	t_grep "^$qid  Message-ID <m1.abc@host.test>" "$TROOT/out"
done
tr "$qid" >"$TROOT/out"
t_grep "submitted by root (uid 0), sender <root@host.test>, [0-9]* octets" "$TROOT/out"
t_grep "<one@example.com>  sent to SES, SES message id $sesid" "$TROOT/out"
t_grep "<admin@example.com>  sent to SES, SES message id $sesid" "$TROOT/out"
# The alias's local name finds it too, and a recipient query shows only it.
tr root >"$TROOT/out" || t_fail "trace by local name"
t_grep "<admin@example.com>  sent to SES" "$TROOT/out"
t_nogrep "<one@example.com>" "$TROOT/out"
# A refused recipient was never sent: not in the history.
tr rcpt550@example.com 2>"$TROOT/err"; t_eq $? 1 "refused recipient: not found, exit 1"
t_grep "no sent mail matches 'rcpt550@example.com'" "$TROOT/err"

# JSON: valid, one message per queue id, every field.
tr --json two@example.com >"$TROOT/out.json" || t_fail "trace --json"
"$PY" - "$TROOT/out.json" <<'PY' || t_fail "trace --json content"
import json, sys
m = json.load(open(sys.argv[1]))
assert len(m) == 1, m
m = m[0]
assert m['message_id'] == 'm2.abc@host.test' and len(m['queue_id']) == 16, m
assert m['sender'] == 'root@host.test' and m['submitted_by'] == 'root' and m['size'] > 0, m
s = m['steps']
assert len(s) == 1 and s[0]['event'] == 'Sent' and s[0]['status'] == 'sent', s
assert s[0]['recipient'] == 'two@example.com' and s[0]['ses_message_id'].startswith('0100'), s
PY
t_ok "trace --json"

# --since: an age and a date; bad values are refused with the accepted forms.
tr --since 1h two@example.com >/dev/null || t_fail "--since 1h"
tr --since 2000-01-01 two@example.com >/dev/null || t_fail "--since date"
tr --since 2999-01-01T00:00Z two@example.com 2>/dev/null; t_eq $? 1 "--since future: nothing"
tr --since yesterday x 2>"$TROOT/err"; t_eq $? 64 "--since garbage: usage"
t_grep 'expected an age (90m, 24h, 7d) or a UTC date' "$TROOT/err"

# Only root and the relay user may read it.
su -s /bin/sh nobody -c "$SESRELAY -C $CONF trace two@example.com" 2>"$TROOT/err"
t_eq $? 77 "another user: permission denied"

# Retention: records older than history_retention_days go at the next run.
"$PY" - "$DB" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE sent SET time = time - 31 * 86400 WHERE rcpt = 'two@example.com'")
db.commit()
PY
t_send 'To: three@example.com\nSubject: c\n\nbody\n'
t_drain
tr two@example.com 2>/dev/null; t_eq $? 1 "a 31-day-old record is gone"
tr one@example.com >/dev/null || t_fail "recent record kept"
tr three@example.com >/dev/null || t_fail "new record"
t_grep 'sent-mail history: 1 old record(s) removed' "$LOG"

# The configuration set and tags are checked when the file is loaded.
bad=$TROOT/bad.conf
cp "$CONF" "$bad"; echo 'configuration_set = "has space";' >>"$bad"
"$SESRELAY" -C "$bad" check-config >"$TROOT/out" 2>&1; t_eq $? 78 "bad configuration_set: exit 78"
t_grep "'configuration_set' must be 1-64 letters, digits" "$TROOT/out"
cp "$CONF" "$bad"; echo 'message_tags = "app=ok, bad tag=x";' >>"$bad"
"$SESRELAY" -C "$bad" check-config >"$TROOT/out" 2>&1; t_eq $? 78 "bad message_tags: exit 78"
t_grep "'message_tags' must be \"name=value, ...\"" "$TROOT/out"
cp "$CONF" "$bad"; echo 'message_tags = "sesrelay_host=x";' >>"$bad"
"$SESRELAY" -C "$bad" check-config >/dev/null 2>&1; t_eq $? 78 "sesrelay_host is reserved"
cp "$CONF" "$bad"; printf 'configuration_set = "relay";\nmessage_tags = "app=web, env=prod";\n' >>"$bad"
"$SESRELAY" -C "$bad" check-config >/dev/null 2>&1 || t_fail "valid set and tags refused"
t_ok "valid configuration_set and message_tags accepted"

# queue show of a message that was sent and removed points to trace.
"$SESRELAY" -C "$CONF" queue show "$qid" >"$TROOT/out" || t_fail "queue show of a sent message"
t_grep "$qid was sent and is no longer queued: 'sesrelay trace $qid'" "$TROOT/out"
"$SESRELAY" -C "$CONF" queue show 0123456789abcdef 2>/dev/null; t_eq $? 66 "unknown id: still 66"

# status: the last 24 h against SES's review and pause levels.
st() { "$SESRELAY" -C "$CONF" status "$@"; }
st >"$TROOT/out"; t_eq $? 0 "status OK with few sends"
t_grep '^last 24 h:       [0-9]* sent, 0 delivered, 0 hard bounces (0.00 %), .*(too few to judge the rates)' "$TROOT/out"
rates() {	# sent hard-bounces account-list-bounces complaints
	"$PY" - "$DB" "$@" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1]); sent, hard, acct, compl = map(int, sys.argv[2:])
now = time.time()
db.execute("DELETE FROM sent"); db.execute("DELETE FROM events")
for i in range(sent):
    db.execute("INSERT INTO sent (time, qid, msgid, ses_id, sender, rcpt, orig_rcpt, user, uid, arrival, size)"
               " VALUES (?, 'q', '', ?, 's', ?, ?, 'u', 0, ?, 1)", (now - 600, "ses%d" % i, "r%d@x" % i, "r%d@x" % i, now - 600))
def ev(i, typ, kind, sub):
    db.execute("INSERT INTO events (ses_id, rcpt, qid, type, time, kind, subtype, status, diag, mta, remote_ip, expires)"
               " VALUES (?, ?, 'q', ?, ?, ?, ?, '', '', '', '', 0)", ("ses%d" % i, "r%d@x" % i, typ, now - 60, kind, sub))
for i in range(hard): ev(i, "Bounce", "Permanent", "General")
for i in range(acct): ev(1000 + i, "Bounce", "Permanent", "OnAccountSuppressionList")
for i in range(compl): ev(2000 + i, "Complaint", "abuse", "")
db.commit()
PY
}
rates 200 7 20 0; st >"$TROOT/out"; t_eq $? 0 "3.5 % hard bounces (account-list ones not counted): OK"
rates 200 9 0 0; st >"$TROOT/out"; t_eq $? 1 "4.5 % hard bounces: WARNING before SES reviews at 5 %"
t_grep '^SESRELAY WARNING - 24 h hard-bounce rate 4.50 % (SES reviews an account at 5.0 % and may pause it at 10.0 %)' "$TROOT/out"
rates 200 17 0 0; st >"$TROOT/out"; t_eq $? 2 "8.5 % hard bounces: CRITICAL near the 10 % pause"
rates 2000 0 0 2; st --json >"$TROOT/out.json"; t_eq $? 1 "0.1 % complaints: WARNING"
"$PY" - "$TROOT/out.json" <<'PY' || t_fail "status --json events_24h"
import json, sys
s = json.load(open(sys.argv[1]))
e = s['events_24h']
assert s['level'] == 'warning' and 'complaint rate 0.10 %' in s['summary'], s
assert e['sent'] == 2000 and e['complaints'] == 2 and abs(e['complaint_rate'] - 0.001) < 1e-9, e
PY
t_ok "status --json: events_24h and the complaint summary"
rates 99 50 0 0; st >/dev/null; t_eq $? 0 "under 100 recipients: rates not judged"
