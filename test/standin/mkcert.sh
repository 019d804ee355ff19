#!/bin/sh
# mkcert.sh DIR: throw-away certificates for the SES stand-in, made with the
# openssl CLI:
#   DIR/ca.pem (+ ca.key)            a test CA (give ca.pem to the client)
#   DIR/server.pem, DIR/server.key   for IP 127.0.0.1 and DNS localhost, signed by the CA
#   DIR/untrusted.pem/.key           self-signed, same names, trusted by nobody
# Extensions are explicit (CA key usage, key identifiers, serverAuth) so that
# strict verifiers (Python 3.13's VERIFY_X509_STRICT, OpenSSL 3) accept them.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 64; }
mkdir -p "$1"; cd "$1"
key="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
days=30
san="subjectAltName=IP:127.0.0.1,DNS:localhost"

openssl req -x509 $key -keyout ca.key -out ca.pem -days $days -subj "/CN=sesrelay test CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
	2>/dev/null

openssl req $key -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
cat >server.ext <<EOF
$san
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
EOF
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days $days \
	-extfile server.ext -out server.pem 2>/dev/null

openssl req -x509 $key -keyout untrusted.key -out untrusted.pem -days $days \
	-subj "/CN=localhost" -addext "$san" -addext "extendedKeyUsage=serverAuth" 2>/dev/null

rm -f server.csr server.ext ca.srl
openssl verify -CAfile ca.pem server.pem >/dev/null
