#!/usr/bin/env bash
# sesrelay smtp-password against an independent implementation (Python hmac).
. "$(dirname "$0")/../lib.sh"
for region in us-east-1 eu-west-1 ap-northeast-2 sa-east-1; do
	secret=$("$PY" -c 'import secrets,base64; print(base64.b64encode(secrets.token_bytes(30)).decode())')
	got=$(printf '%s\n' "$secret" | "$SESRELAY" smtp-password --region "$region") || t_fail "command failed"
	want=$("$PY" - "$secret" "$region" <<'PY'
import base64, hashlib, hmac, sys
secret, region = sys.argv[1], sys.argv[2]
k = ("AWS4" + secret).encode()
for m in ("11111111", region, "ses", "aws4_request", "SendRawEmail"):
    k = hmac.new(k, m.encode(), hashlib.sha256).digest()
print(base64.b64encode(b"\x04" + k).decode())
PY
)
	t_eq "$got" "$want" "smtp-password for $region"
done
t_eq "$(echo 'some+secret+key' | "$SESRELAY" smtp-password --region us-west-1)" \
	"BH+jbMzper5WwlwUar9E1ySBqHa9whi0GPo+sJ0mVYJj" "published vector"
echo -n | "$SESRELAY" smtp-password --region us-east-1 2>"$BUILD/sp.err"; rc=$?
t_eq "$rc" 65 "empty secret refused"
"$SESRELAY" smtp-password </dev/null 2>/dev/null; t_eq "$?" 64 "region required"
"$SESRELAY" smtp-password --region us-esat1 </dev/null 2>"$BUILD/sp.err"; t_eq "$?" 64 "misspelt region refused"
grep -q 'not an AWS region name' "$BUILD/sp.err" || t_fail "region message"
# Blanks pasted around the key do not change the password; an odd key is
# named but still converted.
t_eq "$(printf '  some+secret+key \t\r\n' | "$SESRELAY" smtp-password --region us-west-1 2>"$BUILD/sp.err")" \
	"BH+jbMzper5WwlwUar9E1ySBqHa9whi0GPo+sJ0mVYJj" "surrounding blanks trimmed"
grep -q 'warning: an IAM secret access key is 40 characters' "$BUILD/sp.err" || t_fail "odd key warning"
printf 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' | "$SESRELAY" smtp-password --region us-east-1 >/dev/null 2>"$BUILD/sp.err"
[ ! -s "$BUILD/sp.err" ] || t_fail "a well-formed key gets no warning"
t_ok "key shape warnings"
