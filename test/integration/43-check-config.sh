#!/usr/bin/env bash
# check-config: every kind of mistake named with file:line, exit 78.
. "$(dirname "$0")/../lib.sh"
t_setup
cc() { printf "$1" >"$TROOT/c.conf"; "$SESRELAY" -C "$TROOT/c.conf" check-config >"$TROOT/out" 2>&1; }
good='username = "AKIAX";\npassword = "p";\n'
cc "$good"; t_eq "$?" 0 "good config"; t_grep 'c.conf: ok' "$TROOT/out"
cc "${good}colour = \"blue\";\n"; t_eq "$?" 78 "unknown key"
t_grep "c.conf:3: unknown key 'colour'" "$TROOT/out"
cc "${good}port = \"587\";\n"; t_eq "$?" 78 "wrong type"
t_grep "c.conf:3: 'port' must be an integer number" "$TROOT/out"
cc "${good}port = 70000;\n"; t_eq "$?" 78 "out of range"
t_grep "c.conf:3: 'port' = 70000 is out of range (1 .. 65535)" "$TROOT/out"
cc "${good}max_rate = 0.0;\n"; t_eq "$?" 78 "rate out of range"
cc "${good}rewrite_from = 1;\n"; t_eq "$?" 78 "bool type"
t_grep "must be true or false" "$TROOT/out"
cc "${good}aliases = { root = \"nodomain\"; };\n"; t_eq "$?" 78 "bad alias"
t_grep "c.conf:3: alias 'root' must be a string holding a full address" "$TROOT/out"
cc 'port = ;\n'; t_eq "$?" 78 "syntax error"; t_grep 'c.conf:1:' "$TROOT/out"
cc 'region = "eu-west-1";\n'; t_eq "$?" 78 "missing credentials"
t_grep "'username' is missing" "$TROOT/out"; t_grep "neither 'password' nor 'password_file'" "$TROOT/out"
cc 'tls = "maybe";\nusername = "A";\npassword = "p";\n'; t_eq "$?" 78 "bad tls value"
echo secret >"$TROOT/pw"; chmod 644 "$TROOT/pw"
cc "username = \"A\";\npassword_file = \"$TROOT/pw\";\n"; t_eq "$?" 78 "readable secret"
t_grep 'readable by other users' "$TROOT/out"
chmod 600 "$TROOT/pw"
cc "username = \"A\";\npassword_file = \"$TROOT/pw\";\n"; t_eq "$?" 0 "0600 secret"
"$SESRELAY" -C "$TROOT/nonexistent.conf" check-config >"$TROOT/out" 2>&1; t_eq "$?" 78 "missing file"
t_grep 'cannot read' "$TROOT/out"

# The shipped example config is valid (its secret file made up here).
sed "s|/etc/sesrelay/smtp-password|$TROOT/pw|" "$TOP/conf/sesrelay.conf" >"$TROOT/example.conf"
"$SESRELAY" -C "$TROOT/example.conf" check-config >"$TROOT/out" 2>&1
t_eq "$?" 0 "conf/sesrelay.conf is valid"
# So is the example in sesrelay.conf(5).
sed -n '/^\.Sh EXAMPLES/,/^\.Ed/p' "$TOP/man/sesrelay.conf.5" | sed '1,/^\.Bd/d; /^\.Ed/d' |
	sed "s|/etc/sesrelay/smtp-password|$TROOT/pw|" >"$TROOT/man.conf"
"$SESRELAY" -C "$TROOT/man.conf" check-config >"$TROOT/out" 2>&1
t_eq "$?" 0 "the example in sesrelay.conf(5) is valid"
