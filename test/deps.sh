#!/bin/sh
# Install the Debian packages the build, the tests, the demo and the bench
# need, when missing.  Idempotent; quiet when everything is present.
set -e
PKGS="build-essential pkg-config libcurl4-openssl-dev libconfig-dev libssl-dev
libcmocka-dev python3 python3-aiosmtpd python3-dnslib openssl mandoc swaks clang libclang-rt-14-dev
php-cli passwd util-linux procps systemd prometheus
libsqlite3-dev libjansson-dev python3-botocore"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing (run as root, or apt-get install them)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
