# SES's own view in `status`: the daemon refreshes the account facts from
# GetAccount (signed with IMDSv2 credentials that rotate every few seconds,
# used without a restart), caches them in run/account, and `status` shows a
# production account, a sandbox account, a production account near its
# quota (WARNING) and a paused account (CRITICAL); max_rate = auto follows
# MaxSendRate; a denied call names its IAM action; an expired token is
# renewed once.  No 'region' in the file: the daemon takes it from the
# instance metadata (and SES checks the signature's region).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_aws.sh"
t_setup "account_refresh = 5;"
t_standin
# Credentials live 903 s and the stand-in hands out new ones once less than
# 900 s remain: the relay (renewing 15 min = 900 s before expiry) must take
# new ones every ~3 s.
t_aws_standin --lifetime 903 --rotate-before 900 --account production --region eu-west-3
t_aws_imds
OUT=$TROOT/out
st() { "$SESRELAY" -C "$CONF" status "$@" >"$OUT" 2>&1; }
status_has() { st; grep -q -e "$1" "$OUT"; }
gets() { grep -c 'ses GET /v2/email/account key=ASIA' "$AWS_LOG"; }
gets_ge() { [ "$(gets)" -ge "$1" ]; }

# Started as the relay user, as systemd does (User=sesrelay): no uid change
# that would already make it non-dumpable.
chmod 644 "$CONF"
setpriv --reuid="$RELAY_USER" --regid="$RELAY_USER" --clear-groups \
	"$SESRELAY" -C "$CONF" daemon >>"$TROOT/daemon.out" 2>&1 &
pid=$!; _pids+=($pid)
T_WAIT=20 t_wait status_has '^SES account:     production, sending enabled, HEALTHY' ||
	{ cat "$OUT" "$LOG"; t_fail "status shows the production account"; }
st; rc=$?
t_eq "$rc" 0 "production account, healthy: exit 0"
t_grep '^SESRELAY OK' "$OUT"
t_grep '^SES 24 h quota:  1200 of 50000 recipients used (2%, warning at 80%), max 14.00/s' "$OUT"
t_grep '^max_rate:        auto (follows the account' "$OUT"
t_grep 'max_rate = auto: SES allows 14.00 messages/s for this account' "$LOG"
t_grep 'SES account view on: GetAccount every 5 s, max_rate follows the account' "$LOG"
t_grep "region eu-west-3 from EC2 instance metadata ('region' is not set)" "$LOG"
t_grep '^SES account:     production, sending enabled, HEALTHY (eu-west-3, as of' "$OUT"

# Rotation: several GetAccount calls, each accepted by botocore's check,
# made with at least two different temporary keys, by the same daemon.
T_WAIT=40 t_wait gets_ge 4 || { cat "$AWS_LOG"; t_fail "4 GetAccount calls"; }
keys=$(sed -n 's/.*ses GET \/v2\/email\/account key=\(ASIA[A-Z0-9]*\) sig=ok/\1/p' "$AWS_LOG" | sort -u | wc -l)
[ "$keys" -ge 2 ] || { cat "$AWS_LOG"; t_fail "rotated credentials used (distinct keys: $keys)"; }
t_ok "GetAccount signed with $keys different rotating keys"
t_nogrep 'refused' "$AWS_LOG"
t_nogrep 'signature mismatch' "$AWS_LOG"
kill -0 "$pid" || t_fail "the daemon is still the same process"
t_grep 'AWS credentials renewed from EC2 instance metadata (IMDSv2): key ASIAIMDS' "$LOG"
# Secrets in memory: the daemon is not dumpable (so /proc/PID/environ
# belongs to root although the daemon runs as the relay user).  ASan builds leave the
# process dumpable for the leak checker (awscreds.c), so only the plain
# build can show it.
if nm "$SESRELAY" | grep -q __asan_init; then
	echo "note: ASan build: the non-dumpable check applies to the plain build only"
else
	t_eq "$(ps -o user= -p "$pid" | tr -d " ")" "$RELAY_USER" "the daemon runs as the relay user"
	t_eq "$(stat -c %U /proc/$pid/environ)" root "daemon holding credentials is not dumpable"
fi
# Temporary credentials never reach the log or the spool.
! grep -rq 'imds-tok-' "$LOG" "$SPOOL" || t_fail "a session token in the log or spool"
t_ok "no session token in log or spool"

# Sandbox.
t_aws_control '{"account": "sandbox"}'
T_WAIT=20 t_wait status_has '^SES account:     SANDBOX' || { cat "$OUT"; t_fail "sandbox shown"; }
st; rc=$?
t_eq "$rc" 0 "sandbox alone is not a warning"
t_grep '^sandbox:         mail goes only to verified recipients' "$OUT"
t_grep '^SES 24 h quota:  12 of 200 recipients used (6%, warning at 80%), max 1.00/s' "$OUT"
T_WAIT=10 t_wait grep -q 'SES allows 1.00 messages/s for this account (sandbox) (was 14.00)' "$LOG" ||
	t_fail "max_rate change logged"
t_ok "max_rate change 14 -> 1 logged"

# Production near its quota: WARNING before SES answers 454.
t_aws_control '{"account": "near-quota"}'
T_WAIT=20 t_wait status_has '47500 of 50000' || { cat "$OUT"; t_fail "near quota shown"; }
st; rc=$?
t_eq "$rc" 1 "quota 95% used: exit 1"
t_grep '^SESRELAY WARNING - SES 24 h quota 95% used (47500 of 50000 recipients)' "$OUT"
st --json; rc=$?
t_eq "$rc" 1 "json: exit 1"
"$PY" - "$OUT" <<'PY' || t_fail "status --json carries the account"
import json, sys
d = json.load(open(sys.argv[1]))
a = d["ses_account"]
assert d["level"] == "warning", d
assert a["production"] is True and a["paused"] is False, a
assert a["quota_percent"] == 95.0 and a["max_24h"] == 50000 and a["sent_24h"] == 47500, a
assert a["max_rate"] == 14 and a["enforcement"] == "HEALTHY" and a["error"] == "", a
PY
t_ok "status --json: ses_account"

# Paused: CRITICAL, whatever the queue says.
t_aws_control '{"account": "paused"}'
T_WAIT=20 t_wait status_has 'sending PAUSED' || { cat "$OUT"; t_fail "paused shown"; }
st; rc=$?
t_eq "$rc" 2 "sending paused: exit 2"
t_grep '^SESRELAY CRITICAL - SES sending is PAUSED for this account in eu-west-3 (SendingEnabled false, EnforcementStatus SHUTDOWN)' "$OUT"

# Denied: one line with the IAM action; the last facts stay, the level is
# the account's (not a relay failure).
t_aws_control '{"account": "production", "deny": ["ses:GetAccount"]}'
T_WAIT=20 t_wait status_has '^SES API:' || { cat "$OUT"; t_fail "denied shown"; }
t_grep '^SES API:         SES denied ses:GetAccount: add "ses:GetAccount" to the IAM policy' "$OUT"
t_grep 'SES account view: SES denied ses:GetAccount: add "ses:GetAccount"' "$LOG"
sleep 6
n=$(grep -c 'SES account view: SES denied' "$LOG")
t_eq "$n" 1 "the denied call is logged once, not at every refresh"
st --json
"$PY" -c 'import json,sys; a=json.load(open(sys.argv[1]))["ses_account"]; assert a["denied_action"]=="ses:GetAccount", a' "$OUT" ||
	t_fail "json names the denied action"
t_ok "json denied_action"

# Expired token (the key in use revoked on the server side): renewed once,
# then it works.
t_aws_control '{"account": "production", "revoke_on_use": 1}'
T_WAIT=20 t_wait grep -q 'refused: ExpiredTokenException' "$AWS_LOG" || t_fail "expired token seen"
n0=$(grep -n 'refused: ExpiredTokenException' "$AWS_LOG" | head -1 | cut -d: -f1)
T_WAIT=20 t_wait sh -c "tail -n +$n0 '$AWS_LOG' | grep -q 'account key=ASIA.* sig=ok'" ||
	{ cat "$AWS_LOG"; t_fail "a new key after the expired one"; }
t_ok "expired token renewed without a restart"
T_WAIT=20 t_wait status_has 'SES account:     production' || t_fail "facts fresh again"
t_grep 'SES account view works again' "$LOG"
kill -0 "$pid" || t_fail "same daemon throughout"
t_ok "account view"
