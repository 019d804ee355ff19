#!/usr/bin/env bash
# check-config with transport = "api": the key's value is checked, no SMTP
# credentials are required, an exposed API secret is refused, unused SMTP
# keys and an endpoint of another region are warned about.
. "$(dirname "$0")/../lib.sh"
t_setup
cc() { printf "$1" >"$TROOT/c.conf"; "$SESRELAY" -C "$TROOT/c.conf" check-config >"$TROOT/out" 2>&1; }
cc 'transport = "http";\n'; t_eq "$?" 78 "bad transport value"
t_grep "'transport' must be \"smtp\" or \"api\"" "$TROOT/out"
cc 'transport = "api";\n'; t_eq "$?" 0 "api with a role: nothing to require"
t_grep 'c.conf: ok$' "$TROOT/out"
cc 'transport = "api";\naws_api = "no";\n'; t_eq "$?" 78 "api needs the API"
t_grep "needs the SES API" "$TROOT/out"
echo secret >"$TROOT/sk"; chmod 644 "$TROOT/sk"
cc "transport = \"api\";\naccess_key_id = \"AKIDX\";\nsecret_access_key_file = \"$TROOT/sk\";\n"
t_eq "$?" 78 "exposed API secret"
t_grep 'secret_access_key_file .* is readable by other users' "$TROOT/out"
chmod 600 "$TROOT/sk"
cc "transport = \"api\";\naccess_key_id = \"AKIDX\";\nsecret_access_key_file = \"$TROOT/sk\";\n"
t_eq "$?" 0 "API key pair with a 0600 secret"
cc 'transport = "api";\npassword = "p";\nregion = "eu-west-1";\nses_endpoint = "https://email.us-east-1.amazonaws.com";\n'
t_eq "$?" 0 "warnings only"
t_grep "'password'/'password_file' are not used" "$TROOT/out"
t_grep "'ses_endpoint' is in us-east-1 but 'region' is eu-west-1" "$TROOT/out"
t_grep 'ok, with 2 warnings' "$TROOT/out"
# The daemon starts without any SMTP key when the transport is the API.
printf 'transport = "api";\n' >>"$CONF"
"$SESRELAY" -C "$CONF" daemon --once >"$TROOT/d.out" 2>&1; t_eq "$?" 0 "daemon starts with transport = api and no SMTP keys"
