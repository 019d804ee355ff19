# One secret, two uses: with access_key_id + secret_access_key_file and no
# password, the SMTP user is the key id and the SMTP password is derived at
# run time for `region` (checked by the SMTP stand-in against a value
# computed here in Python); it is never written anywhere.  Then max_rate =
# auto: a sandbox account's MaxSendRate (1/s) reaches the runner's limiter.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_aws.sh"
SECRET='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
DERIVED=$("$PY" - "$SECRET" eu-west-1 <<'PY'
import base64, hashlib, hmac, sys
secret, region = sys.argv[1], sys.argv[2]
k = hmac.new(("AWS4" + secret).encode(), b"11111111", hashlib.sha256).digest()
for m in (region, "ses", "aws4_request", "SendRawEmail"):
    k = hmac.new(k, m.encode(), hashlib.sha256).digest()
print(base64.b64encode(b"\x04" + k).decode())
PY
)
t_setup 'region = "eu-west-1";' 'account_refresh = 5;' 'max_rate = "auto";'
t_standin --user AKIADERIVEDKEY --password "$DERIVED"
sed -i '/^username\|^password/d' "$CONF"
t_aws_standin --key "AKIADERIVEDKEY:$SECRET" --region eu-west-1 --account sandbox
mkdir -p "$TROOT/aws"; chmod 755 "$TROOT/aws"
t_secret_file "$TROOT/aws/secret" "$SECRET"
cat >>"$CONF" <<EOF
access_key_id = "AKIADERIVEDKEY";
secret_access_key_file = "$TROOT/aws/secret";
EOF

"$SESRELAY" -C "$CONF" check-config >"$TROOT/out" 2>&1 || { cat "$TROOT/out"; t_fail "check-config"; }
t_ok "check-config accepts key id + secret file without a password"
t_send 'From: a@host.test\nTo: one@example.net\nSubject: derived\n\nx\n'
t_drain >/dev/null 2>&1
t_eq "$(t_received)" 1 "delivered with the derived SMTP password"
t_grep "user='AKIADERIVEDKEY' password right -> ok" "$STANDIN_LOG"
# The derived password and the secret are nowhere on disk but the secret file.
if grep -rqF -e "$DERIVED" -e "$SECRET" "$SPOOL" "$LOG" "$CONF"; then
	t_fail "secret or derived password written"
fi
t_ok "neither the secret nor the derived password is written"

# A secret file others may read is refused; delivery holds with the reason.
chmod 644 "$TROOT/aws/secret"
"$SESRELAY" -C "$CONF" check-config >"$TROOT/out" 2>&1 && t_fail "check-config with a 0644 secret"
t_grep 'secret_access_key_file .* is readable by other users' "$TROOT/out"
chmod 600 "$TROOT/aws/secret"

# max_rate = auto: the sandbox's 1/s reaches the limiter.  Four messages,
# one recipient each, cannot all go within the first two seconds.
t_daemon_bg
T_WAIT=20 t_wait grep -q 'max_rate = auto: SES allows 1.00 messages/s for this account (sandbox)' "$LOG" ||
	{ cat "$LOG"; t_fail "max_rate = auto adopted"; }
t_ok "max_rate 1/s adopted from the account"
sleep 1		# the runner takes the new rate within its next loop turn
for i in 1 2 3 4; do t_send "From: a@host.test\nTo: r$i@example.net\nSubject: rate $i\n\nx\n"; done
T_WAIT=30 t_wait_received 5 || t_fail "all delivered"
span=$("$PY" - "$MAILDIR" <<'PY'
import glob, json, sys
t = sorted(json.load(open(f))["time"] for f in glob.glob(sys.argv[1] + "/*.json"))[-4:]
print(f"{t[-1] - t[0]:.2f}")
PY
)
"$PY" -c "import sys; sys.exit(0 if float('$span') >= 2.0 else 1)" ||
	t_fail "4 messages at 1/s spread over only ${span}s"
t_ok "4 messages spread over ${span}s at max_rate = auto (1/s)"
