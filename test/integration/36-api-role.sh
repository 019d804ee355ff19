#!/usr/bin/env bash
# API transport with EC2 role credentials (IMDSv2 on the stand-in): no key
# and no secret in any file; temporary credentials that rotate are used by
# the same daemon without a restart; a session token that SES calls expired
# is renewed and the message sent once, with no attempt lost.
. "$(dirname "$0")/../lib.sh"
. "$TOP/test/lib_aws.sh"
. "$TOP/test/lib_api.sh"
t_setup 'connections = 2;'
# Credentials live 903 s and new ones come once less than 900 s remain:
# the relay renews 15 min before expiry, so it takes new ones every ~3 s.
T_API_KEYS=no t_api_standin --lifetime 903 --rotate-before 900
t_aws_imds
t_nogrep 'access_key_id\|secret_access_key\|password' "$CONF"

t_send 'To: a@example.com\nSubject: role\n\nx\n'
t_drain
t_grep 'to=<a@example.com>.*status=sent (200 OK ' "$LOG"
t_grep 'POST SendEmail key=ASIAIMDS[0-9A-F]* sig=ok' "$AWS_LOG"

# One daemon, rotating keys: messages a few seconds apart go out signed
# with different keys.
t_daemon_bg
for i in 1 2 3; do t_send 'To: r%s@example.com\nSubject: r%s\n\nx\n' $i $i; sleep 3.5; done
t_wait_received 4 || t_fail "sent by the running daemon"
keys=$(sed -n 's/.*POST SendEmail key=\(ASIA[A-Z0-9]*\) sig=ok.*/\1/p' "$AWS_LOG" | sort -u | wc -l)
[ "$keys" -ge 2 ] || { cat "$AWS_LOG"; t_fail "rotated credentials used (distinct keys: $keys)"; }
t_ok "SendEmail signed with $keys different rotating keys by one daemon"

# SES says the token expired (revoked early): renewed, sent once more.
t_aws_control '{"revoke_on_use": 1}'
t_send 'To: revoked@example.com\nSubject: rv\n\nx\n'
t_wait_received 5 || t_fail "sent after renewal"
t_grep 'to=<revoked@example.com>.*attempts=1, dsn=2.0.0, status=sent' "$LOG"
t_grep 'ExpiredTokenException' "$AWS_LOG"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"

# No secret of the role in any file the relay wrote: fetch the current
# secret from the stand-in's IMDS as the instance would, and look for it.
secret=$("$PY" - "$IMDS_PORT" <<'PY'
import json, sys, urllib.request
base = "http://127.0.0.1:%s" % sys.argv[1]
tok = urllib.request.urlopen(urllib.request.Request(base + "/latest/api/token", method="PUT",
      headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})).read().decode()
h = {"X-aws-ec2-metadata-token": tok}
p = "/latest/meta-data/iam/security-credentials/"
role = urllib.request.urlopen(urllib.request.Request(base + p, headers=h)).read().decode()
print(json.load(urllib.request.urlopen(urllib.request.Request(base + p + role, headers=h)))["SecretAccessKey"])
PY
)
[ -n "$secret" ] || t_fail "no secret from IMDS"
! grep -rqF -- "$secret" "$CONF" "$SPOOL" "$LOG" "$TROOT/daemon.out" || t_fail "the role's secret is in a file"
! grep -rq 'imds-tok-' "$CONF" "$SPOOL" "$LOG" || t_fail "a session token in a file"
t_ok "no secret or session token in the config, the spool or the log"
