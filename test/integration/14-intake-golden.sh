#!/usr/bin/env bash
# -t on the golden files in test/data (the same files the header unit test
# reads): the envelope recipients and, where an .out exists, the stored
# message byte for byte.  Then the envelope-address edge cases.
. "$(dirname "$0")/../lib.sh"
t_setup
SM="$SENDMAIL -C $CONF"
rc() { "$@"; echo $?; }

n=0
for in in "$TOP"/test/data/rcpt-*.in; do
	name=$(basename "$in" .in)
	$SM -t -i <"$in" 2>"$TROOT/err" || { cat "$TROOT/err"; t_fail "$name: sendmail -t -i"; }
	f=$(t_one_drop)
	t_envelope "$f" | sed -n 's/^rcpt <\(.*\)>$/\1/p' >"$TROOT/$name.rcpt"
	diff -u "${in%.in}.ref" "$TROOT/$name.rcpt" || t_fail "$name: recipients differ"
	if [ -e "${in%.in}.out" ]; then
		t_message "$f" >"$TROOT/$name.msg"
		cmp "${in%.in}.out" "$TROOT/$name.msg" ||
			{ diff -u "${in%.in}.out" "$TROOT/$name.msg"; t_fail "$name: stored message differs"; }
	fi
	t_ok "$name"; n=$((n + 1))
	t_clear_drops
done
[ "$n" -ge 5 ] || t_fail "only $n golden files found"
# Raw 8-bit in a header other than Subject is kept and flags the message.
printf 'To: a@example.com\nX-Raw: caf\351\n\nascii body\n' | $SM -t -i
t_grep '^body 8bit$' "$(t_one_drop)"; t_clear_drops

# Envelope senders: null sender ("<>" or ""), a local name is qualified
# with `domain` (SES refuses an unqualified MAIL FROM), a bad one refused.
for null in '<>' ''; do
	printf 'Subject: n\n\nx\n' | $SM -i -f "$null" a@example.com || t_fail "-f '$null'"
	t_grep '^from <>$' "$(t_one_drop)"; t_clear_drops
done
printf 'Subject: n\n\nx\n' | $SM -i -r nobody a@example.com || t_fail "-r nobody"
t_grep '^from <nobody@host.test>$' "$(t_one_drop)"; t_clear_drops
t_eq "$(printf 'x\n' | rc $SM -i -f 'a b@example.com' a@example.com 2>"$TROOT/err")" 64 "bad sender -> 64"
t_grep "sender address 'a b@example.com'" "$TROOT/err"
long=$(head -c 330 /dev/zero | tr '\0' 'l')@example.com
t_eq "$(printf 'x\n' | rc $SM -i "$long" 2>"$TROOT/err")" 64 "over 320 octets -> 64"
t_grep 'longer than 320' "$TROOT/err"
t_eq "$(printf 'To: x@example.com, "ok" <bad\001@example.com>\n\nx\n' | rc $SM -t -i 2>"$TROOT/err")" 65 "control char in To: -> 65"
t_grep 'in the headers' "$TROOT/err"
t_eq "$(ls -A "$SPOOL/maildrop" | wc -l)" 0 "nothing queued for refused addresses"

# A header section over 1 MB (a program that never writes the empty line
# and only headers): refused, nothing queued.
"$PY" -c 'import sys; sys.stdout.write("".join("X-H%d: %s\n" % (i, "v" * 100) for i in range(11000)))' >"$TROOT/hdrs"
t_eq "$(rc $SM -i a@example.com <"$TROOT/hdrs" 2>"$TROOT/err")" 65 "huge header section -> 65"
t_grep 'header section is larger' "$TROOT/err"
t_eq "$(ls -A "$SPOOL/maildrop" | wc -l)" 0 "nothing queued for huge headers"

# Modes that do not exist here fail with a clear usage message.
t_eq "$(rc $SM -bd </dev/null 2>"$TROOT/err")" 64 "-bd -> 64"; t_grep 'sesrelay daemon' "$TROOT/err"
t_eq "$(rc $SM -bt </dev/null 2>/dev/null)" 64 "-bt -> 64"
# -qI ID reaches 'sesrelay queue flush ID' (the tool reports the unknown id).
$SM -qI 0123456789abcdef >"$TROOT/out" 2>&1
t_grep '0123456789abcdef' "$TROOT/out"
