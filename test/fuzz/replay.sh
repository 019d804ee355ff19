#!/usr/bin/env bash
# Replay every corpus in test/fuzz/corpus/TARGET/ once through its fuzz
# target (built by `make fuzz` with ASan+UBSan): deterministic, a few
# seconds, part of `make check`.  Any crash or broken invariant fails.
# usage: test/fuzz/replay.sh BUILD_DIR
set -u
cd "$(dirname "$0")/../.."
B=${1:-build-fuzz}
LOGDIR="$B/fuzz-logs"; mkdir -p "$LOGDIR"
fail=0
export LSAN_OPTIONS="suppressions=$PWD/test/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
for c in test/fuzz/corpus/*/; do
	t=$(basename "$c")
	bin="$B/fuzz/fuzz_$t"
	log="$LOGDIR/replay-$t.log"
	[ -x "$bin" ] || { echo "FAIL fuzz/$t: $bin not built (make fuzz)"; fail=1; continue; }
	n=$(find "$c" -type f | wc -l)
	if "$bin" -runs=0 -timeout=10 -artifact_prefix="$LOGDIR/$t-" "$c" >"$log" 2>&1; then
		printf 'PASS fuzz/%-36s %5d inputs\n' "$t" "$n"
	else
		printf 'FAIL fuzz/%-36s (%s)\n' "$t" "$log"
		tail -n 30 "$log" | sed 's/^/    | /'
		fail=1
	fi
done
exit $fail
