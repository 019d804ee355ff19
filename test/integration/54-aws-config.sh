# The AWS keys in check-config (file:line or file: message, exit 78), and
# IMDSv2 only: a metadata service that hands out no session token (IMDSv1)
# is refused, never asked without a token.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_aws.sh"
t_setup 'username = "AKIATESTUSER";' 'password = "x";'
OUT=$TROOT/out
base=$(cat "$CONF")
cc() {	# extra config line -> check-config output in $OUT, exit status
	printf '%s\n%s\n' "$base" "$1" >"$CONF"
	"$SESRELAY" -C "$CONF" check-config >"$OUT" 2>&1
}
cc 'max_rate = "fast";'; t_eq "$?" 78 "max_rate must be a number or auto"
t_grep "sesrelay.conf:[0-9]*: 'max_rate' must be a number or \"auto\"" "$OUT"
cc 'max_rate = "auto";'; t_eq "$?" 0 "max_rate = auto accepted"
cc 'aws_api = "maybe";'; t_eq "$?" 78 "aws_api yes/no/auto"
t_grep "'aws_api' must be \"auto\", \"yes\" or \"no\"" "$OUT"
cc 'access_key_id = "AKIAX";'; t_eq "$?" 78 "key id without its secret file"
t_grep "set both 'access_key_id' and 'secret_access_key_file', or neither" "$OUT"
cc 'ses_endpoint = "http://127.0.0.1:1";'; t_eq "$?" 78 "plain http endpoint refused"
t_grep "'ses_endpoint' and 'sts_endpoint' must be https:// URLs" "$OUT"
cc 'quota_warn_percent = 0;'; t_eq "$?" 78 "quota_warn_percent range"
t_grep "'quota_warn_percent' = 0 is out of range (1 .. 100)" "$OUT"
cc 'account_refresh = 1;'; t_eq "$?" 78 "account_refresh range"
# Without any password: the derived one needs the secret file.
printf 'spool_dir = "%s";\nrelay_user = "%s";\naccess_key_id = "AKIAX";\nsecret_access_key_file = "%s/nope";\n' \
	"$SPOOL" "$RELAY_USER" "$TROOT" >"$CONF"
"$SESRELAY" -C "$CONF" check-config >"$OUT" 2>&1; t_eq "$?" 78 "missing secret file"
t_grep "cannot open secret_access_key_file $TROOT/nope" "$OUT"

# IMDSv1 only: refused with the reason; no GET without a token was made.
printf '%s\n' "$base" >"$CONF"
t_aws_standin --imds-v1-only
t_aws_imds
"$SESRELAY" -C "$CONF" credentials >"$OUT" 2>&1; rc=$?
t_eq "$rc" 75 "IMDSv1-only metadata: the source fails"
t_grep "refused a session token (HTTP 405): sesrelay uses IMDSv2 only and never falls back to IMDSv1" "$OUT"
t_grep 'PUT /latest/api/token -> 405' "$AWS_LOG"
t_nogrep 'without a token (IMDSv1)' "$AWS_LOG"
# status reads the daemon's cache only; facts not renewed for three rounds
# (account_refresh, default 3600 s) no longer decide the level.
cache() {	# seconds ago
	"$PY" -c 'import json,sys,time; json.dump({"known": True, "fetched": time.time() - float(sys.argv[2]),
 "production": True, "sending_enabled": False, "enforcement": "SHUTDOWN", "max_24h": 50000.0,
 "sent_24h": 0.0, "max_rate": 14.0, "error_time": 0, "region": "eu-west-1"}, open(sys.argv[1], "w"))' \
		"$SPOOL/run/account" "$1"
	chown "$RELAY_USER" "$SPOOL/run/account"
}
cache 60
"$SESRELAY" -C "$CONF" status >"$OUT" 2>&1; t_eq "$?" 2 "cached paused account: CRITICAL"
t_grep '^SES account:     production, sending PAUSED, SHUTDOWN (eu-west-1, as of 6[0-9] s ago)' "$OUT"
cache $((4 * 3600))
"$SESRELAY" -C "$CONF" status >"$OUT" 2>&1; t_eq "$?" 0 "stale facts (4 h) shown but not deciding"
t_grep '^SES account:     production, sending PAUSED, SHUTDOWN (eu-west-1, as of 4.0 h ago)' "$OUT"

# The API never sits on the enqueue path: the intake binary links neither
# libcurl, libcrypto nor jansson (sesrelay links all three).
ldd "$SENDMAIL" >"$OUT"
t_nogrep 'libcurl\|libcrypto\|libjansson' "$OUT"
ldd "$SESRELAY" >"$OUT"
t_grep 'libjansson' "$OUT"
t_ok "AWS configuration and IMDSv2 only"
