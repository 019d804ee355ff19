#!/usr/bin/env bash
# Run each fuzz target for SECONDS (libFuzzer, one process at a time), or
# until FUZZ_RUNS executions when that is set (then SECONDS is the cap);
# FUZZ_MAX_LEN caps the input length (libFuzzer -max_len); FUZZ_OPTS adds
# libFuzzer flags (e.g. -detect_leaks=0 for config: see README.md).
# New inputs go to BUILD/corpus/TARGET (the seed corpus in
# test/fuzz/corpus/TARGET is read, never written); crashes to
# BUILD/crashes/.  Prints executions and crashes per target.
# usage: test/fuzz/run.sh BUILD_DIR SECONDS TARGET...
set -u
cd "$(dirname "$0")/../.."
B=$1; S=$2; shift 2
mkdir -p "$B/crashes" "$B/fuzz-logs"
status=0
export LSAN_OPTIONS="suppressions=$PWD/test/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
for t in "$@"; do
	mkdir -p "$B/corpus/$t"
	log="$B/fuzz-logs/run-$t.log"
	"$B/fuzz/fuzz_$t" -max_total_time="$S" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} \
		${FUZZ_MAX_LEN:+-max_len=$FUZZ_MAX_LEN} -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 ${FUZZ_OPTS:-} -artifact_prefix="$B/crashes/$t-" \
		"$B/corpus/$t" "test/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	crashes=$(ls "$B/crashes" | grep -c "^$t-" || true)
	printf '%-10s %12s executions  %d crash files  exit %d  (%s)\n' \
		"$t" "${execs:-?}" "$crashes" "$rc" "$log"
	[ "$rc" -eq 0 ] || status=1
done
exit $status
