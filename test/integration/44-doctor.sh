#!/usr/bin/env bash
# doctor against the SES stand-in and a loopback DNS server: a good set-up
# passes; each broken one is named with its fix.
. "$(dirname "$0")/../lib.sh"
t_setup 'sender = "noreply@good.example";' 'region = "us-east-1";' \
	'mail_from_domain = "mail.good.example";' 'dkim_tokens = [ "tok1", "tok2" ];'
t_standin --control "$TROOT/control.json"
cat >"$TROOT/zone" <<'Z'
good.example. 60 IN TXT "v=spf1 include:amazonses.com ~all"
_dmarc.good.example. 60 IN TXT "v=DMARC1; p=quarantine"
tok1._domainkey.good.example. 60 IN CNAME tok1.dkim.amazonses.com.
tok2._domainkey.good.example. 60 IN CNAME tok2.dkim.amazonses.com.
mail.good.example. 60 IN MX 10 feedback-smtp.us-east-1.amazonses.com.
mail.good.example. 60 IN TXT "v=spf1 include:amazonses.com ~all"
bad.example. 60 IN TXT "v=spf1 include:_spf.google.com ~all"
bad.example. 60 IN TXT "v=spf1 mx ~all"
tok1._domainkey.bad.example. 60 IN CNAME tok1.dkim.amazonses.com.bad.example.
mail.bad.example. 60 IN MX 10 feedback-smtp.us-east-1.amazonses.com.
mail.bad.example. 60 IN MX 20 mx.bad.example.
_dmarc.two.example. 60 IN TXT "v=DMARC1; p=none"
_dmarc.two.example. 60 IN TXT "v=DMARC1; p=reject"
_dmarc.nop.example. 60 IN TXT "v=DMARC1; rua=mailto:d@nop.example"
_dmarc.strict.example. 60 IN TXT "v=DMARC1; p=reject; aspf=s; adkim=s"
Z
t_dns "$TROOT/zone"
# The secret in a 0600 file, as recommended.
sed -i '/^password/d' "$CONF"; echo testsecret >"$TROOT/secret"
chown "$RELAY_USER" "$TROOT/secret"; chmod 600 "$TROOT/secret"
echo "password_file = \"$TROOT/secret\";" >>"$CONF"
doc() { "$SESRELAY" -C "$CONF" doctor --dns-server "$DNS_SERVER" --ports "$SMTP_PORT" "$@" >"$TROOT/out" 2>&1; }

t_daemon_bg
t_wait grep -q 'daemon started' "$LOG" || t_fail "daemon start"
doc; t_eq "$?" 0 "good set-up: all ok"
t_grep 'ok    AUTH as AKIATESTUSER accepted (nothing was sent)' "$TROOT/out"
t_grep 'ok    DKIM: tok2._domainkey.good.example -> tok2.dkim.amazonses.com' "$TROOT/out"
t_grep 'ok    custom MAIL FROM mail.good.example: MX 10 feedback-smtp.us-east-1.amazonses.com' "$TROOT/out"
t_grep 'ok    DMARC at _dmarc.good.example: p=quarantine adkim=r (default) aspf=r (default)' "$TROOT/out"
t_eq "$(t_stat messages_accepted)" 0 "doctor sent nothing"

# Broken DNS for another domain.
doc --from x@bad.example; t_eq "$?" 2 "broken DNS: fail"
t_grep 'FAIL  2 SPF records at bad.example' "$TROOT/out"
t_grep 'warn  no DMARC record at _dmarc.bad.example' "$TROOT/out"
t_grep 'FAIL  DKIM: tok1._domainkey.bad.example points to tok1.dkim.amazonses.com.bad.example' "$TROOT/out"
t_grep 'appended the domain' "$TROOT/out"
t_grep 'FAIL  DKIM: no CNAME at tok2._domainkey.bad.example' "$TROOT/out"
t_grep 'warn  custom MAIL FROM mail.good.example is not a subdomain of bad.example' "$TROOT/out"

# Broken custom MAIL FROM (two MX, no SPF) and broken DMARC records.
cp "$CONF" "$TROOT/good.conf"
sed -i 's/^mail_from_domain = .*/mail_from_domain = "mail.bad.example";/' "$CONF"
doc --from x@bad.example; t_eq "$?" 2 "broken MAIL FROM"
t_grep 'FAIL  custom MAIL FROM mail.bad.example: 2 MX record(s), first 10 feedback-smtp' "$TROOT/out"
t_grep 'publish exactly one MX' "$TROOT/out"
t_grep 'FAIL  custom MAIL FROM mail.bad.example: no SPF including amazonses.com' "$TROOT/out"
doc --from x@two.example; t_grep 'FAIL  2 DMARC records at _dmarc.two.example' "$TROOT/out"
doc --from x@nop.example; t_grep 'warn  DMARC at _dmarc.nop.example has no p= policy' "$TROOT/out"
sed -i '/^mail_from_domain/d; /^dkim_tokens/d' "$CONF"
doc --from x@good.example; t_eq "$?" 1 "no DKIM, no MAIL FROM: warning"
t_grep 'warn  DMARC p=quarantine but neither DKIM tokens nor a custom MAIL FROM' "$TROOT/out"
echo 'mail_from_domain = "mail.strict.example";' >>"$CONF"
doc --from x@strict.example
t_grep 'ok    DMARC at _dmarc.strict.example: p=reject adkim=s aspf=s' "$TROOT/out"
t_grep 'FAIL  DMARC aspf=s: the MAIL FROM subdomain mail.strict.example does not align' "$TROOT/out"
cp "$TROOT/good.conf" "$CONF"

# Wrong password; wrong region (same 535 text, region hint); v2 signature.
t_control '{"auth_fail": true}'
doc; t_eq "$?" 2 "wrong password"
t_grep 'FAIL  AUTH as AKIATESTUSER refused: 535 Authentication Credentials Invalid' "$TROOT/out"
t_grep 'derived for THIS region' "$TROOT/out"
t_control '{"auth_reply": "535 Signature Version 2 is deprecated, please use Signature Version 4"}'
doc; t_eq "$?" 2 "v2 signature reply"
t_grep 'FAIL  AUTH as AKIATESTUSER refused: 535 Signature Version 2 is deprecated' "$TROOT/out"
t_grep 'smtp-password --region REGION' "$TROOT/out"
t_control '{"auth_reply": "535 Account not subscribed to SES"}'
doc; t_eq "$?" 2 "account not subscribed"
t_grep 'not enabled for SES in this region' "$TROOT/out"
rm -f "$TROOT/control.json"
echo 'AGsomeOld+v2+password+of+44+characters+xxxxx' | head -c 44 >"$TROOT/secret"
doc; t_grep 'FAIL  the password looks like a deprecated Signature Version 2' "$TROOT/out"
echo testsecret >"$TROOT/secret"

# Readable secret.
chmod 644 "$TROOT/secret"
doc; t_grep 'FAIL  secret: password_file .* is readable by other users' "$TROOT/out"
chmod 600 "$TROOT/secret"

# Held queue and daemon down.
t_control '{"auth_fail": true}'
t_send 'To: a@example.com\nSubject: x\n\nx\n'
t_wait grep -q "queue held" "$LOG" || t_fail "not held"
sleep 0.3
doc; t_grep 'FAIL  the daemon (pid [0-9]*) holds the queue: 535' "$TROOT/out"
# Daily quota used up: sending paused, a warning with SES's words.
rm -f "$TROOT/control.json"; kill -HUP "$DAEMON_PID"
t_wait_received 1 || t_fail "resume after reload"
t_control '{"quota": 0}'
t_send 'To: b@example.com\nSubject: x\n\nx\n'
t_wait grep -q 'sending paused' "$LOG" || t_fail "quota pause"
sleep 0.3
doc; t_eq "$?" 1 "quota: warning"
t_grep 'warn  the daemon (pid [0-9]*) paused sending until the limit resets: .*Daily message quota exceeded' "$TROOT/out"
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
doc; t_eq "$?" 2 "daemon down"; t_grep 'FAIL  the delivery daemon is not running' "$TROOT/out"
rm -f "$TROOT/control.json"

# Blocked configured port; port 25 explained.
sed -i "s/^port = .*/port = 1;/" "$CONF"
doc --ports 25; t_eq "$?" 2 "blocked port"
t_grep 'FAIL  TCP port 1 (configured) is not reachable' "$TROOT/out"
t_grep '> open outbound TCP 1 in the firewall' "$TROOT/out"
# Port 25 in a network namespace of our own, where nothing can answer
# (this host may run an MTA on 127.0.0.1:25): warned about, explained.
unshare -n "$SESRELAY" -C "$CONF" doctor --ports 25 >"$TROOT/out" 2>&1
t_grep 'warn  TCP port 25 not reachable' "$TROOT/out"
t_grep 'port 25 is commonly blocked on cloud hosts' "$TROOT/out"
sed -i "s/^port = .*/port = $SMTP_PORT;/" "$CONF"

# Incomplete configuration: each missing key is its own failed step.
sed -i '/^username/d; /^password_file/d' "$CONF"
doc; t_eq "$?" 2 "incomplete config"
t_grep "FAIL  configuration .*: 'username' is missing" "$TROOT/out"
t_grep "FAIL  configuration .*: neither 'password' nor 'password_file' is set" "$TROOT/out"

t_cleanup; trap t_cleanup EXIT

# Untrusted certificate and no STARTTLS.
t_setup 'sender = "noreply@good.example";'
t_standin --untrusted
"$SESRELAY" -C "$CONF" doctor --ports "$SMTP_PORT" --dns-server 127.0.0.1:9 >"$TROOT/out" 2>&1
t_eq "$?" 2 "untrusted certificate"
t_grep 'FAIL  TLS/AUTH check .*SSL certificate problem' "$TROOT/out"
t_grep 'certificate check failed' "$TROOT/out"
t_cleanup; trap t_cleanup EXIT
t_setup 'sender = "noreply@good.example";'
t_standin --no-starttls
"$SESRELAY" -C "$CONF" doctor --ports "$SMTP_PORT" --dns-server 127.0.0.1:9 >"$TROOT/out" 2>&1
t_eq "$?" 2 "no STARTTLS"
t_grep 'FAIL  TLS/AUTH check' "$TROOT/out"
t_grep 'does not offer STARTTLS' "$TROOT/out"
