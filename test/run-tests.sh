#!/usr/bin/env bash
# Test runner: every unit test binary in BUILD/test/, then every integration
# script test/integration/*.sh, each against the binaries in BUILD.
# Prints one line per test and ends with "N passed, N failed".  A test that
# exits 77 ("skipped") is counted as failed: nothing here may be skipped.
# TESTS='pattern' runs only matching integration scripts.
set -u
cd "$(dirname "$0")/.."
BUILD=$(cd "${1:-build}" && pwd)
export BUILD
LOGDIR="$BUILD/test-logs"
rm -rf "$LOGDIR"; mkdir -p "$LOGDIR"
pass=0; fail=0; failed=()

# Sanitizer reports of every process (also background daemons and the
# relay user's processes) land in $SANDIR and fail the test that caused them.
SANDIR="$LOGDIR/sanitizer"; mkdir -p "$SANDIR"; chmod 1777 "$SANDIR"
export ASAN_OPTIONS="log_path=$SANDIR/report:detect_leaks=1"
export UBSAN_OPTIONS="log_path=$SANDIR/report:print_stacktrace=1"

run_one() {	# name, command...
	local name=$1; shift
	local log="$LOGDIR/${name//\//_}.log" t0 t1 rc
	rm -f "$SANDIR"/report*
	t0=$(date +%s.%N)
	"$@" >"$log" 2>&1 </dev/null; rc=$?
	t1=$(date +%s.%N)
	if [ $rc -eq 0 ] && ls "$SANDIR"/report* >/dev/null 2>&1; then
		echo "sanitizer reports:" >>"$log"; cat "$SANDIR"/report* >>"$log"; rc=99
	fi
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1)); printf 'PASS %-40s %5.1fs\n' "$name" "$(awk "BEGIN{print $t1 - $t0}")"
	else
		fail=$((fail + 1)); failed+=("$name")
		[ $rc -eq 77 ] && note=" (skipped counts as failed)" || note=""
		printf 'FAIL %-40s rc=%d%s\n' "$name" "$rc" "$note"
		tail -n 30 "$log" | sed 's/^/    | /'
	fi
}

echo "== unit tests ($BUILD)"
for t in "$BUILD"/test/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$t"
done
echo "== integration tests ($BUILD)"
for t in test/integration/*.sh; do
	[ -e "$t" ] || continue
	case "$(basename "$t")" in ${TESTS:-*}) ;; *) continue ;; esac
	run_one "integration/$(basename "$t" .sh)" timeout 600 bash "$t"
done
[ $fail -gt 0 ] && printf 'failed: %s\n' "${failed[*]}"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
