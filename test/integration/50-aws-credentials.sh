# The credential chain: every source is found, in the documented order
# (config keys, environment, web identity, shared files, container, IMDSv2),
# by `sesrelay credentials`; the secret is never printed; a configured source
# that fails stops the chain; IMDS without a token is refused by the stand-in
# and the relay always asks for one.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib_aws.sh"
t_setup
t_aws_standin --key AKIASTATICCONF:confsecret --lifetime 3600 --container-token ct-secret-1 \
	--region eu-west-3
A=$TROOT/aws; mkdir -p "$A"; chmod 755 "$A"
OUT=$TROOT/out
creds() { "$SESRELAY" -C "$CONF" credentials >"$OUT" 2>&1; }
source_is() {	# expected "source:" text, expected key id pattern
	creds || { cat "$OUT"; t_fail "credentials failed (wanted $1)"; }
	t_grep "^source:   $1" "$OUT"
	t_grep "^key id:   $2" "$OUT"
}

# Every source available at once.
t_secret_file "$A/conf-secret" "confsecret"
cat >>"$CONF" <<EOF
access_key_id = "AKIASTATICCONF";
secret_access_key_file = "$A/conf-secret";
EOF
export AWS_ACCESS_KEY_ID=AKIAFROMENV AWS_SECRET_ACCESS_KEY=envsecret-ENVSECRET
echo "eyJ.test-web-identity-token.sig" >"$A/web-token"; chmod 644 "$A/web-token"
export AWS_WEB_IDENTITY_TOKEN_FILE=$A/web-token AWS_ROLE_ARN=arn:aws:iam::123456789012:role/sesrelay
printf '[default]\naws_access_key_id = AKIADEFAULTPROFILE\naws_secret_access_key = x\n\n[relay]\naws_access_key_id = AKIASHAREDFILE\naws_secret_access_key = FILESECRET\n' >"$A/credentials"
printf '[profile cfgonly]\naws_access_key_id = AKIACONFIGFILE\naws_secret_access_key = CFGSECRET\n' >"$A/config"
chmod 644 "$A/credentials" "$A/config"
export AWS_SHARED_CREDENTIALS_FILE=$A/credentials AWS_CONFIG_FILE=$A/config AWS_PROFILE=relay
export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$CONTAINER_PORT/v2/credentials/x
echo ct-secret-1 >"$A/ct-token"; chmod 644 "$A/ct-token"
export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$A/ct-token
t_aws_imds

source_is 'configuration' AKIASTATICCONF
t_grep "^expires:  never" "$OUT"
# No 'region' in the file: AWS_REGION first, then (below) instance metadata.
t_grep '^region:   eu-west-3 (EC2 instance metadata)' "$OUT"
AWS_REGION=ap-south-1 creds
t_grep '^region:   ap-south-1 (AWS_REGION)' "$OUT"
t_nogrep 'confsecret' "$OUT"

sed -i '/^access_key_id\|^secret_access_key_file/d' "$CONF"
source_is 'environment' AKIAFROMENV
t_nogrep 'ENVSECRET' "$OUT"

unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
source_is 'web identity' 'ASIASTS'
t_grep '^type:     temporary' "$OUT"
t_grep "^from:     role arn:aws:iam::123456789012:role/sesrelay" "$OUT"
t_grep 'sts AssumeRoleWithWebIdentity role=arn:aws:iam::123456789012:role/sesrelay session=sesrelay-' "$AWS_LOG"
t_nogrep 'signed request' "$AWS_LOG"		# the STS call is unsigned

# A wrong web identity token: the source is configured, so the chain stops.
echo "eyJ.wrong" >"$A/web-token"
creds && t_fail "a failing web identity source must not fall through"
t_grep 'InvalidIdentityToken' "$OUT"
unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN

source_is 'shared credentials/config file' AKIASHAREDFILE
t_grep "^from:     profile relay in $A/credentials" "$OUT"
t_nogrep 'FILESECRET' "$OUT"
# The profile from the config file key beats AWS_PROFILE; [profile x] in config.
echo 'aws_profile = "cfgonly";' >>"$CONF"
source_is 'shared credentials/config file' AKIACONFIGFILE
sed -i '/^aws_profile/d' "$CONF"
unset AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE AWS_PROFILE

source_is 'container credentials endpoint' 'ASIACONT'
t_grep '^type:     temporary' "$OUT"
t_grep 'container GET /v2/credentials/x -> ASIACONT' "$AWS_LOG"
# A wrong authorization token stops the chain (no fall-through to IMDS).
echo ct-wrong >"$A/ct-token"
creds && t_fail "a failing container source must not fall through to IMDS"
t_grep 'answered HTTP 401' "$OUT"
unset AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE

source_is 'EC2 instance metadata' 'ASIAIMDS'
t_grep "^from:     role sesrelay-role via http://127.0.0.1:$IMDS_PORT" "$OUT"
t_grep 'imds PUT token ttl=21600' "$AWS_LOG"
t_nogrep 'without a valid token' "$AWS_LOG"	# the relay never asks without one

t_grep '^region:   eu-west-3 (EC2 instance metadata)' "$OUT"
echo 'region = "eu-central-1";' >>"$CONF"
creds; t_grep '^region:   eu-central-1 (configuration)' "$OUT"
sed -i '/^region/d' "$CONF"

# Nothing anywhere: exit 78 and a pointer to the documentation.
export AWS_EC2_METADATA_DISABLED=true; unset AWS_EC2_METADATA_SERVICE_ENDPOINT
creds; rc=$?
t_eq "$rc" 78 "no credentials: exit 78"
t_grep 'no AWS credentials found' "$OUT"

# A FULL_URI on a foreign plain-http host is refused (botocore's rule).
export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://192.0.2.1/creds
creds && t_fail "plain http to a non-loopback container host must be refused"
t_grep 'neither https nor a loopback' "$OUT"
unset AWS_CONTAINER_CREDENTIALS_FULL_URI

# The config-key secret file must be owner-only, like the SMTP password file.
echo "access_key_id = \"AKIASTATICCONF\"; secret_access_key_file = \"$A/conf-secret\";" >>"$CONF"
chmod 644 "$A/conf-secret"
creds && t_fail "a group/world-readable secret_access_key_file must be refused"
t_grep 'readable by other users' "$OUT"
t_ok "credential chain"
