#!/bin/sh
# mkcert.sh DIR: a throw-away CA, a server certificate for 127.0.0.1 and
# localhost signed by it, and an untrusted self-signed certificate.
set -e
d=$1; mkdir -p "$d"; cd "$d"
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj "/CN=sesrelay test CA" 2>/dev/null
openssl req $ec -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
	-extfile ext.cnf -out server.pem 2>/dev/null
openssl req -x509 $ec -keyout untrusted.key -out untrusted.pem -days 2 \
	-subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
rm -f server.csr ext.cnf ca.srl
