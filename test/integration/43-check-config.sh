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

# Combinations that parse but cannot work with SES: warnings, exit 0.
cc "${good}sender = \"a@example.com\";\nregion = \"eu-west-1\";\nhost = \"email-smtp.us-east-1.amazonaws.com\";\n"
t_eq "$?" 0 "region/host mismatch is a warning"
t_grep "warning: 'host' is the SES endpoint of us-east-1 but 'region' is eu-west-1" "$TROOT/out"
t_grep 'c.conf: ok, with 1 warning' "$TROOT/out"
cc "${good}sender = \"a@example.com\";\nport = 465;\n"
t_grep 'warning: port 465 expects TLS from the first byte: set tls = "implicit"' "$TROOT/out"
cc "${good}sender = \"a@example.com\";\nport = 587;\ntls = \"implicit\";\n"
t_grep 'warning: port 587 speaks STARTTLS' "$TROOT/out"
cc "${good}sender = \"a@example.com\";\nport = 25;\n"
t_grep 'warning: port 25 is blocked on most cloud hosts' "$TROOT/out"
cc "${good}"
t_grep "warning: 'sender' is not set" "$TROOT/out"
cc "${good}sender = \"a@example.com\";\nmail_from_domain = \"bounce.other.org\";\n"
t_grep "warning: 'mail_from_domain' bounce.other.org is not a subdomain of the sender's domain example.com" "$TROOT/out"
cc "${good}sender = \"a@example.com\";\nmail_from_domain = \"mail.example.com\";\n"
t_grep 'c.conf: ok$' "$TROOT/out"
