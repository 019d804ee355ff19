# doctor asks SES itself (API v2, long-term keys from the config): the
# account (sandbox, production near its quota, paused), the sender and its
# domain (verified, DKIM, custom MAIL FROM; SES's DKIM tokens feed the DNS
# check), in the sandbox the recipients of held and failed mail; a denied
# call is a warning naming the IAM action.  Every request is checked with
# botocore by the stand-in (identity paths with an encoded '@' included).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_aws.sh"
t_setup 'sender = "relay@example.com";'
t_standin
t_aws_standin --key AKIADOCTOR:docsecret-DOCSECRET --account sandbox
mkdir -p "$TROOT/aws"; chmod 755 "$TROOT/aws"
t_secret_file "$TROOT/aws/secret" "docsecret-DOCSECRET"
cat >>"$CONF" <<EOF
access_key_id = "AKIADOCTOR";
secret_access_key_file = "$TROOT/aws/secret";
EOF
OUT=$TROOT/out
doc() { "$SESRELAY" -C "$CONF" doctor --ports "$SMTP_PORT" --dns-server 127.0.0.1:9 >"$OUT" 2>&1; }
IDENTS='"identities": {
  "example.com": {"IdentityType": "DOMAIN", "VerifiedForSendingStatus": true,
    "VerificationStatus": "SUCCESS",
    "DkimAttributes": {"SigningEnabled": true, "Status": "SUCCESS",
      "Tokens": ["sestok1", "sestok2", "sestok3"], "SigningAttributesOrigin": "AWS_SES"},
    "MailFromAttributes": {"MailFromDomain": "bounce.example.com",
      "MailFromDomainStatus": "PENDING", "BehaviorOnMxFailure": "USE_DEFAULT_VALUE"}},
  "verified@other.test": {"IdentityType": "EMAIL_ADDRESS", "VerifiedForSendingStatus": true,
    "VerificationStatus": "SUCCESS"}}'

# Queue: one failed message (rcpt550 -> permanent) and one held message.
t_send 'From: relay@example.com\nTo: rcpt550@nowhere.test\nSubject: f\n\nx\n'
t_drain >/dev/null 2>&1
[ "$(t_nfailed)" -eq 1 ] || t_fail "one failed message"
before=$(t_drops)	# the bounce (DSN) the failure queued
t_send 'From: relay@example.com\nTo: verified@other.test, stranger@elsewhere.test\nSubject: h\n\nx\n'
id=$(t_drops | grep -vxF "$before" || true)
"$SESRELAY" -C "$CONF" queue hold "$id" >/dev/null || t_fail "hold"

# Sandbox.
t_aws_control "{\"account\": \"sandbox\", $IDENTS}"
doc; rc=$?
t_eq "$rc" 2 "doctor: an unverified sandbox recipient is a failure"
t_grep '^  ok    AWS API credentials: configuration (access_key_id, secret_access_key_file), key AKIADOCTOR$' "$OUT"
t_nogrep 'DOCSECRET' "$OUT"
t_grep '^  ok    SES account in us-east-1: sandbox, sending enabled, HEALTHY, max 1.00/s' "$OUT"
t_grep '^  warn  SES sandbox: every recipient must be a verified identity, at most 200 per 24 h' "$OUT"
t_grep '^  ok    SES: sender relay@example.com: domain example.com verified' "$OUT"
t_grep '^  ok    SES: DKIM of example.com verified, signing on' "$OUT"
t_grep '^  warn  SES: custom MAIL FROM bounce.example.com is PENDING' "$OUT"
t_grep '^  FAIL  SES: recipient of held/failed mail (sandbox) rcpt550@nowhere.test: neither rcpt550@nowhere.test nor nowhere.test is verified in us-east-1' "$OUT"
t_grep '^  FAIL  SES: recipient of held/failed mail (sandbox) stranger@elsewhere.test: neither' "$OUT"
t_grep '^  ok    SES: recipient of held/failed mail (sandbox) verified@other.test verified (address)' "$OUT"
# SES's DKIM tokens went to the DNS step (no dkim_tokens in the config).
t_grep 'sestok1._domainkey.example.com' "$OUT"
t_grep 'ses GET /v2/email/identities/verified%40other.test key=AKIADOCTOR sig=ok' "$AWS_LOG"
t_grep 'ses GET /v2/email/identities/example.com key=AKIADOCTOR sig=ok' "$AWS_LOG"
t_nogrep 'refused\|mismatch' "$AWS_LOG"

# dkim_tokens in the config that SES does not know: a warning.
echo 'dkim_tokens = [ "oldtok1", "oldtok2", "oldtok3" ];' >>"$CONF"
doc
t_grep '^  warn  DKIM token sestok1 of example.com (from SES) is not in dkim_tokens' "$OUT"
sed -i '/^dkim_tokens/d' "$CONF"

# Production, near its quota: a warning, no sandbox lines.
t_aws_control "{\"account\": \"near-quota\", $IDENTS}"
doc
t_grep '^  ok    SES account in us-east-1: production, sending enabled, HEALTHY, max 14.00/s' "$OUT"
t_grep '^  warn  SES 24 h quota 95% used (47500 of 50000)' "$OUT"
t_nogrep 'sandbox' "$OUT"

# Paused: a failure with the way out.
t_aws_control "{\"account\": \"paused\", $IDENTS}"
doc; rc=$?
t_eq "$rc" 2 "paused account: FAIL"
t_grep '^  FAIL  SES account in us-east-1: sending PAUSED (SendingEnabled false, EnforcementStatus SHUTDOWN)' "$OUT"
t_grep '^        -> see the reputation page of the SES console' "$OUT"

# Denied: one warning naming the action, and the other checks still run.
t_aws_control "{\"account\": \"production\", \"deny\": [\"ses:GetEmailIdentity\"], $IDENTS}"
doc
t_grep '^  warn  SES API: ses:GetEmailIdentity denied' "$OUT"
t_grep '^        -> add "ses:GetEmailIdentity" to the IAM policy' "$OUT"
t_grep '^  ok    SES account in us-east-1: production' "$OUT"
t_aws_control "{\"account\": \"production\", \"deny\": [\"ses:GetAccount\"], $IDENTS}"
doc
t_grep '^  warn  SES API: ses:GetAccount denied' "$OUT"
t_grep '^        -> add "ses:GetAccount" to the IAM policy' "$OUT"
t_grep '^  ok    SES: sender relay@example.com: domain example.com verified' "$OUT"

# Throttled: said once, not a failure.
t_aws_control '{"throttle": true}'
doc
t_grep '^  warn  SES ses:GetAccount throttled: TooManyRequestsException' "$OUT"

# A wrong secret: the API says so in the operator's terms.
t_secret_file "$TROOT/aws/secret" "not-the-secret"
t_aws_control "{\"account\": \"production\", $IDENTS}"
doc
t_grep '^  warn  SES refused the API credentials (SignatureDoesNotMatch' "$OUT"
t_ok "doctor: SES's view"
