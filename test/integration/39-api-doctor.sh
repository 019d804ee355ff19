#!/usr/bin/env bash
# doctor with transport = "api": the API path instead of the SMTP one: the
# endpoint, its TLS certificate, the credentials source; a wrong CA and
# missing credentials are failures with the transport's own hints; the
# account (GetAccount) and the sender's identity are checked live.
. "$(dirname "$0")/../lib.sh"
. "$TOP/test/lib_aws.sh"
. "$TOP/test/lib_api.sh"
t_setup 'sender = "noreply@good.example";'
T_API_KEYS=no t_api_standin
t_aws_imds
cat >"$TROOT/zone" <<'Z'
good.example. 60 IN TXT "v=spf1 include:amazonses.com ~all"
_dmarc.good.example. 60 IN TXT "v=DMARC1; p=quarantine"
Z
t_dns "$TROOT/zone"
t_aws_control '{"identities": {"good.example": {"IdentityType": "DOMAIN",
  "VerifiedForSendingStatus": true, "VerificationStatus": "SUCCESS"}}}'
doc() { "$SESRELAY" -C "$CONF" doctor --dns-server "$DNS_SERVER" "$@" >"$TROOT/out" 2>&1; }
t_daemon_bg
t_wait grep -q 'daemon started' "$LOG" || t_fail "daemon start"
doc; rc=$?
[ "$rc" -le 1 ] || { cat "$TROOT/out"; t_fail "API path: no failure expected (rc $rc)"; }
t_grep "ok    transport = \"api\": SendEmail to https://127.0.0.1:$AWS_HTTPS_PORT, region us-east-1" "$TROOT/out"
t_grep "ok    SES API endpoint https://127.0.0.1:$AWS_HTTPS_PORT (127.0.0.1:$AWS_HTTPS_PORT): TLS handshake and certificate verified" "$TROOT/out"
t_grep 'ok    AWS API credentials: EC2 instance metadata (IMDSv2), key ASIAIMDS[0-9A-F]* (temporary)' "$TROOT/out"
t_grep 'ok    SES account in us-east-1: production, sending enabled' "$TROOT/out"
t_grep 'ses GET /v2/email/account key=ASIAIMDS[0-9A-F]* sig=ok' "$AWS_LOG"
t_nogrep 'TCP port\|AUTH as\|password' "$TROOT/out"
t_nogrep 'POST SendEmail' "$AWS_LOG"
t_ok "doctor sent nothing"
kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null

# A CA that did not sign the endpoint's certificate.
cp "$CONF" "$TROOT/good.conf"
sed -i "s|^aws_ca_file = .*|aws_ca_file = \"$CERTS/untrusted.pem\";|" "$CONF"
doc; t_eq "$?" 2 "untrusted certificate: FAIL"
t_grep 'FAIL  TLS with 127.0.0.1 failed' "$TROOT/out"
t_grep '\-> the TLS handshake or the certificate check of the SES API failed' "$TROOT/out"

# No credentials anywhere.
cp "$TROOT/good.conf" "$CONF"
export AWS_EC2_METADATA_DISABLED=true; unset AWS_EC2_METADATA_SERVICE_ENDPOINT
doc; t_eq "$?" 2 "no credentials: FAIL"
t_grep 'FAIL  no AWS credentials for the API transport' "$TROOT/out"
t_grep '\-> no AWS credentials were found: attach a role' "$TROOT/out"
