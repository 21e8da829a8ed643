#!/bin/sh
# Runs a command against a private PostgreSQL server started for it: a new
# cluster in a temporary directory (initdb, as an unprivileged user when run
# as root, since initdb refuses root), listening only on a unix socket in that
# directory, with fsync on. ACCESSD_TEST_PG holds the URI of its database for
# the command; the server is stopped and the directory removed when the
# command ends, whatever its outcome. The exit status is the command's.
#
#   tests/with-postgresql.sh build/check-unit store
set -u

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
	echo "with-postgresql: no PostgreSQL server binaries under /usr/lib/postgresql (install postgresql)" >&2
	exit 2
fi
dir=$(mktemp -d /tmp/accessd-pg-XXXXXX)
chmod 0755 "$dir"
as_server() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}
[ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$dir"

stop() {
	as_server "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1
	rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT TERM

if ! as_server "$bin/initdb" -D "$dir/data" -U accessd --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
	cat "$dir/initdb.log" >&2
	exit 2
fi
cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
max_connections = 300
CONF
if ! as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
	cat "$dir/server.log" >&2
	exit 2
fi
"$bin/createdb" -h "$dir" -U accessd accessd || exit 2

ACCESSD_TEST_PG="postgresql:///accessd?host=$dir&user=accessd"
ACCESSD_TEST_PG_BIN=$bin
ACCESSD_TEST_PG_DIR=$dir
export ACCESSD_TEST_PG ACCESSD_TEST_PG_BIN ACCESSD_TEST_PG_DIR
"$@"
