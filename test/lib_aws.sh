# Helpers for the AWS API tests (sourced after test/lib.sh).
#   t_aws_standin [aws_standin.py options...]: start test/standin/aws_standin.py;
#   sets AWS_HTTPS_PORT, IMDS_PORT, CONTAINER_PORT, AWS_LOG, AWS_CONTROL and
#   appends ses_endpoint, sts_endpoint and aws_ca_file to $CONF.
# Every test clears the SDK variables first and switches instance metadata
# off unless it points it at the stand-in: the host running the tests may
# itself be an EC2 instance (or answer at 169.254.169.254).
for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
export AWS_EC2_METADATA_DISABLED=true
export HOME=/nonexistent

t_aws_standin() {
	CERTS=$TROOT/certs; AWS_LOG=$TROOT/aws.log; AWS_CONTROL=$TROOT/aws-control.json
	[ -e "$CERTS/ca.pem" ] || bash "$TOP/test/standin/mkcert.sh" "$CERTS" >/dev/null 2>&1 ||
		t_fail "mkcert"
	chmod -R a+rX "$CERTS"
	: >"$AWS_LOG"
	rm -f "$TROOT/aws.ports"
	"$PY" "$TOP/test/standin/aws_standin.py" --certdir "$CERTS" --port-file "$TROOT/aws.ports" \
		--log "$AWS_LOG" --control "$AWS_CONTROL" "$@" >"$TROOT/aws.out" 2>&1 &
	_pids+=($!)
	local i
	for i in $(seq 100); do [ -s "$TROOT/aws.ports" ] && break; sleep 0.1; done
	[ -s "$TROOT/aws.ports" ] || { cat "$TROOT/aws.out"; t_fail "AWS stand-in did not start"; }
	AWS_HTTPS_PORT=$(_aws_port https); IMDS_PORT=$(_aws_port imds)
	CONTAINER_PORT=$(_aws_port container)
	cat >>"$CONF" <<CONF
ses_endpoint = "https://127.0.0.1:$AWS_HTTPS_PORT";
sts_endpoint = "https://127.0.0.1:$AWS_HTTPS_PORT/";
aws_ca_file = "$CERTS/ca.pem";
CONF
}
_aws_port() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$TROOT/aws.ports" "$1"; }
t_aws_control() { echo "$1" >"$AWS_CONTROL.tmp" && mv "$AWS_CONTROL.tmp" "$AWS_CONTROL"; }
# Point the SDK's IMDS variable at the stand-in.
t_aws_imds() { unset AWS_EC2_METADATA_DISABLED; export AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$IMDS_PORT"; }
# A secret file owned by the relay user, mode 0600.
t_secret_file() {	# path content
	printf '%s\n' "$2" >"$1"; chown "$RELAY_USER" "$1"; chmod 600 "$1"
}
