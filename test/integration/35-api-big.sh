#!/usr/bin/env bash
# API transport, a 30 MB message: streamed into the request (base64 in
# pieces), signed over its hash, and stored by the stand-in byte for byte
# as sent.  (Its memory cost is measured by bench/api.sh, not asserted.)
. "$(dirname "$0")/../lib.sh"
. "$TOP/test/lib_aws.sh"
. "$TOP/test/lib_api.sh"
t_setup 'response_timeout = 30;'
t_api_standin
"$PY" - "$TROOT/body" <<'PY'
import base64, os, sys
with open(sys.argv[1], "wb") as f:
    data = base64.encodebytes(os.urandom(30 * 1024 * 1024 * 3 // 4))   # 76-char lines
    f.write(data)
PY
{ printf 'To: big@example.com\nSubject: thirty\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n'
  cat "$TROOT/body"; } | "$SENDMAIL" -C "$CONF" -t -i || t_fail "queue 30 MB"
t_drain
t_grep 'to=<big@example.com>.*status=sent (200 OK ' "$LOG"
t_grep 'POST SendEmail key=AKIDTEST sig=ok .* raw=3[0-9]\{7\} ' "$AWS_LOG"
eml=$(ls "$MAILDIR"/*.eml)
"$PY" - "$eml" "$TROOT/body" <<'PY' || t_fail "30 MB body changed"
import sys
got = open(sys.argv[1], "rb").read().split(b"\r\n\r\n", 1)[1]
want = open(sys.argv[2], "rb").read().replace(b"\n", b"\r\n")
assert got == want, (len(got), len(want))
PY
t_ok "30 MB body arrived byte for byte (CRLF)"
