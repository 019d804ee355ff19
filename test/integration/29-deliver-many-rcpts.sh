#!/usr/bin/env bash
# Many recipients (issue 7 items 1 and 5): a per-message cap refused at
# submission, every recipient sent exactly once in transactions cut as
# they go, and every recipient paying a rate token.
. "$(dirname "$0")/../lib.sh"
t_setup 'max_rate = 10.0;' 'connections = 2;' 'max_recipients = 600;'
t_standin

# Over the cap: refused at submission with EX_DATAERR, nothing queued.
to=$(seq -f 'c%g@example.com' 1 601 | paste -sd, -)
rc=0; printf 'To: %s\nSubject: cap\n\nx\n' "$to" | "$SENDMAIL" -C "$CONF" -t -i \
	2>"$TROOT/err" || rc=$?
t_eq "$rc" 65 "601 recipients refused with 65"
t_grep 'more than max_recipients (600)' "$TROOT/err"
t_eq "$(t_ndrops)" 0 "nothing queued"
# Arguments count too.
rc=0; printf 'Subject: cap\n\nx\n' | "$SENDMAIL" -C "$CONF" -i \
	$(seq -f 'a%g@example.com' 1 601) 2>/dev/null || rc=$?
t_eq "$rc" 65 "601 argument recipients refused with 65"
# -bs: RCPT beyond the cap answered 452 (Postfix's smtpd_recipient_limit),
# the first 600 kept and queued.
{ printf 'HELO x\r\nMAIL FROM:<s@example.com>\r\n'
  seq -f 'RCPT TO:<b%g@example.com>\r' 1 601
  printf 'DATA\r\nSubject: cap\r\n\r\nx\r\n.\r\nQUIT\r\n'; } |
	"$SENDMAIL" -C "$CONF" -bs >"$TROOT/bs" 2>&1
t_eq "$(grep -c '^452 ' "$TROOT/bs")" 1 "-bs: the 601st RCPT gets 452"
t_grep '^250 2.0.0 Ok: queued' "$TROOT/bs"
t_clear_drops

# Rate: 60 recipients at 10/s are two transactions (50 + 10); the second
# must wait for the 40-token debt of the first (>= 4 s), not go at once.
to=$(seq -f 'u%g@example.com' 1 60 | paste -sd, -)
t_send "To: $to\nSubject: rate\n\nx\n"
t_drain
t_eq "$(t_received)" 2 "60 recipients in 2 transactions"
span=$("$PY" - "$MAILDIR" <<'PY'
import os, sys
t = sorted(os.stat(os.path.join(d, f)).st_mtime
           for d, _, fs in os.walk(sys.argv[1]) for f in fs if f.endswith('.eml'))
print(int(t[-1] - t[0]))
PY
)
[ "$span" -ge 4 ] || t_fail "second transaction after ${span} s: the first's 50 recipients did not pay"
t_ok "second transaction waited ${span} s for the rate"
t_eq "$(grep -c 'status=sent' "$LOG")" 60 "every recipient logged sent once"

# 600 recipients, duplicates through an alias: each distinct wire address
# once, every local name gets its outcome, nothing left in the queue.
sed -i 's/^max_rate.*/max_rate = 1000.0;/' "$CONF"
echo 'aliases = { dup1 = "same@example.org"; dup2 = "same@example.org"; };' >>"$CONF"
: >"$LOG"
to="dup1, dup2, $(seq -f 'v%g@example.com' 1 598 | paste -sd, -)"
t_send "To: $to\nSubject: many\n\nx\n"
t_drain
t_eq "$(t_nqueue)" 0 "queue empty"
t_eq "$(grep -c 'status=sent' "$LOG")" 600 "600 recipients logged sent"
t_eq "$(grep -c 'to=<same@example.org>' "$LOG")" 2 "both alias names get their line"
t_eq "$(t_received)" $((2 + 12)) "599 distinct addresses in 12 transactions"
