# Helpers for the API transport tests (sourced after test/lib.sh and
# test/lib_aws.sh).
#   t_api_standin [aws_standin.py options...]: the AWS stand-in with SendEmail
#   storing into $MAILDIR (same files as the SMTP stand-in: <id>.eml + <id>.json)
#   and counters in $TROOT/standin.stats (t_stat); the config gets
#   transport = "api" and, unless T_API_KEYS=no, a long-term key pair
#   (AKIDTEST, secret in a 0600 file) that the stand-in knows.
t_api_standin() {
	MAILDIR=$TROOT/received
	mkdir -p "$MAILDIR"
	t_aws_standin --maildir "$MAILDIR" --stats "$TROOT/standin.stats" \
		--key AKIDTEST:test-secret-key "$@"
	STANDIN_LOG=$AWS_LOG
	echo 'transport = "api";' >>"$CONF"
	if [ "${T_API_KEYS:-yes}" = yes ]; then
		t_secret_file "$TROOT/aws-secret" test-secret-key
		cat >>"$CONF" <<CONF
access_key_id = "AKIDTEST";
secret_access_key_file = "$TROOT/aws-secret";
CONF
	fi
}
