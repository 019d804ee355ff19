#!/usr/bin/env bash
# Man pages: clean under mandoc -Tlint, and every config key documented.
. "$(dirname "$0")/../lib.sh"
out=$(mandoc -Tlint -W warning "$TOP"/man/*.[1-8] 2>&1)
[ -z "$out" ] || { echo "$out"; t_fail "mandoc -Tlint"; }
t_ok "mandoc -Tlint clean"
for key in $(sed -n 's/^\t{ "\([a-z_]*\)",.*/\1/p' "$TOP/relay/config.c"); do
	grep -q "^\.It Cm $key " "$TOP/man/sesrelay.conf.5" || t_fail "key $key not in sesrelay.conf.5"
done
t_ok "every key of config.c is documented"
for key in $(sed -n 's/^\t{ "\([a-z_]*\)",.*/\1/p' "$TOP/relay/config.c"); do
	grep -qE "^#? *$key *=" "$TOP/conf/sesrelay.conf" || t_fail "key $key not in conf/sesrelay.conf"
done
t_ok "every key of config.c is in the example conf/sesrelay.conf"
