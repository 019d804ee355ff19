#!/usr/bin/env bash
# The README's first command works: test/demo.sh (what make demo runs).
. "$(dirname "$0")/../lib.sh"
out=$(bash "$TOP/test/demo.sh" "$BUILD" 2>&1) || { echo "$out"; t_fail "demo failed"; }
echo "$out" | grep -q 'status=sent (250 Ok [0-9a-f]\{16\}-' || { echo "$out"; t_fail "no SES id shown"; }
echo "$out" | grep -q 'Mail queue is empty' || t_fail "queue not shown empty"
echo "$out" | grep -q 'Demo finished' || t_fail "demo did not finish"
t_ok "demo shows the queue, the log line with the SES id and the message"
