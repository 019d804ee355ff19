#!/usr/bin/env bash
# doctor's SES-events steps: the configuration set exists with an enabled
# SNS destination for bounces, complaints, deliveries and delays (SES v2,
# signed), and the event queue answers (SQS GetQueueAttributes); each
# problem with its fix.  The stand-in checks every signature with botocore.
. "$(dirname "$0")/../lib.sh"
t_setup 'events_wait = 1;'
t_standin
SQS_TLS=1 NO_QUEUE_URL=1 t_sqs --config-set relay --config-set partial:BOUNCE,DELIVERY \
	--config-set silent:none
OUT=$TROOT/doctor.out
doc() {	# extra config lines: a fresh config each time
	cp "$CONF" "$TROOT/d.conf"
	printf '%s\n' "ses_endpoint = \"https://127.0.0.1:$SQS_PORT\";" \
		"aws_ca_file = \"$CERTS/ca.pem\";" "$@" >>"$TROOT/d.conf"
	"$SESRELAY" -C "$TROOT/d.conf" doctor --ports "$SMTP_PORT" --dns-server 127.0.0.1:9 >"$OUT" 2>&1
}

doc
t_grep 'TLS handshake' "$OUT"	# doctor ran its steps
t_nogrep 'configuration set\|event queue' "$OUT"
t_ok "nothing about events when they are not set up"

doc 'configuration_set = "relay";' "events_queue_url = \"$SQS_URL\";"
t_grep '^  ok    configuration set relay publishes bounces, complaints, deliveries and delays to arn:aws:sns:us-east-1:123456789012:ses-events' "$OUT"
t_grep "^  ok    event queue $SQS_URL answers: 0 event(s) waiting, 0 being processed" "$OUT"

doc 'configuration_set = "partial";' "events_queue_url = \"$SQS_URL\";"
t_grep '^  warn  configuration set partial publishes to arn:.* but not COMPLAINT, DELIVERY_DELAY' "$OUT"

doc 'configuration_set = "silent";' "events_queue_url = \"$SQS_URL\";"
t_grep '^  FAIL  configuration set silent has no enabled SNS event destination' "$OUT"

doc 'configuration_set = "nosuch";'
t_grep '^  FAIL  configuration set nosuch does not exist in us-east-1: SES refuses mail that names it' "$OUT"
t_grep 'create it (aws sesv2 create-configuration-set' "$OUT"
t_grep '^  warn  configuration set nosuch is named on every message, but events_queue_url is not set' "$OUT"

doc 'configuration_set = "relay";' "events_queue_url = \"${SQS_URL%/*}/gone\";"
t_grep "^  FAIL  event queue ${SQS_URL%/*}/gone: queue does not exist: HTTP 400 QueueDoesNotExist" "$OUT"
t_grep 'check events_queue_url (region, account, queue name)' "$OUT"

AWS_SECRET_ACCESS_KEY=wrong doc "events_queue_url = \"$SQS_URL\";"
t_grep '^  warn  events_queue_url is set but configuration_set is not' "$OUT"
t_grep '^  FAIL  event queue .*: credentials refused: HTTP 403 SignatureDoesNotMatch' "$OUT"
t_grep 'check the AWS credentials: sesrelay credentials' "$OUT"
