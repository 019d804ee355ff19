#!/usr/bin/env bash
# API transport, SES throttling: TooManyRequestsException slows the daemon
# without counting attempts; the daily quota pauses all sending.
. "$(dirname "$0")/../lib.sh"
. "$TOP/test/lib_aws.sh"
. "$TOP/test/lib_api.sh"
t_setup 'max_rate = 50.0;' 'connections = 4;'
t_api_standin --rate 5

for i in $(seq 1 20); do t_send 'To: r%s@example.com\nSubject: t%s\n\nx\n' $i $i; done
t_drain
t_eq "$(t_received)" 20 "all 20 delivered despite throttling"
t_grep 'status=throttled (429 TooManyRequestsException: Maximum sending rate exceeded.)' "$LOG"
t_nogrep 'status=bounced' "$LOG"
t_nogrep 'attempts=[2-9].*status=sent' "$LOG"
t_ok "throttled attempts not counted"
rate=$(sed -n 's/^rate_current=//p' "$SPOOL/run/status")
"$PY" -c "import sys; sys.exit(0 if float('$rate') < 50 else 1)" || t_fail "rate not lowered ($rate)"
t_ok "current rate lowered to $rate/s"

# Daily quota: sending pauses for quota_pause, the status says so.
t_aws_control '{"rate": 0, "quota": 0}'
t_send 'To: q@example.com\nSubject: q\n\nx\n'
t_drain
t_grep 'sending paused for 1800 s: 400 ThrottlingException: Daily message quota exceeded.' "$LOG"
t_grep '^throttle_reason=400 ThrottlingException: Daily message quota exceeded.' "$SPOOL/run/status"
t_grep '^throttled_until=[1-9]' "$SPOOL/run/status"
t_eq "$(t_nqueue)" 1 "message kept"
id=$(ls "$SPOOL/queue"); t_grep $'^rcpt\tq@example.com\tpending\t0\t' "$SPOOL/state/$id"
