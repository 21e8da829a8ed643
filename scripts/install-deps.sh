#!/bin/sh
# Installs the Debian packages the project needs and the machine lacks.
#   install-deps.sh build   what building and running the daemon needs
#   install-deps.sh test    that, plus what 'make check' needs
#   install-deps.sh bench   that, plus what 'make bench' needs
# As root it runs apt-get; as anyone else it prints the command to run instead.
set -eu

build="build-essential pkg-config libmicrohttpd-dev libsqlite3-dev libpq-dev libjansson-dev
       libsodium-dev libsystemd-dev libcurl4-gnutls-dev sqlite3"
test="check curl openssl systemd python3 valgrind clang libclang-rt-dev
      chromium slowhttptest iproute2 prometheus postgresql mandoc dpkg-dev
      debhelper lintian fakeroot nginx caddy"
bench="wrk linux-perf"

case "${1:-build}" in
build) wanted=$build ;;
test)  wanted="$build $test" ;;
bench) wanted="$build $test $bench" ;;
*) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac

missing=
for p in $wanted; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
# Node.js runs the browser tests; the machine's own build is used where present.
if [ "${1:-build}" != build ] && ! command -v node >/dev/null; then
	missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "Missing packages. Run as root:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi
echo "Installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
$cmd -qq
