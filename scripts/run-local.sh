#!/bin/sh
# 'make run': runs the daemon in the foreground on conf/local.conf (or
# $ACCESSD_CONF), with its database and a fresh admin token under ./var (or
# $ACCESSD_VAR, which the configuration's paths must then name).
#
# The daemon's first lines go to var/daemon.log until it is ready, so that
# what is printed first is either one clear line saying why it did not start
# (a port already in use, say) or the banner with the ports it really listens
# on, read from its own "event=ready" line; its log follows.
set -eu
cd "$(dirname "$0")/.."

conf=${ACCESSD_CONF:-conf/local.conf}
var=${ACCESSD_VAR:-var}
mkdir -p "$var"
chmod 700 "$var"
if [ ! -s "$var/api-token" ]; then
	(umask 077; od -An -tx1 -N24 /dev/urandom | tr -d ' \n' > "$var/api-token")
fi
token=$(cat "$var/api-token")
log=$var/daemon.log
: > "$log"

# The value of a key in the configuration, trimmed; empty when it is not set.
setting() {
	sed -n "s/^[ \t]*$1[ \t]*=[ \t]*\(.*[^ \t\r]\)[ \t\r]*\$/\1/p" "$conf" | head -n 1
}

./zaptec-accessd -c "$conf" serve 2>>"$log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' INT TERM

# Waits (at most 10 s) for the ready line or the daemon's end.
tries=0
until grep -q 'event=ready ' "$log"; do
	if ! kill -0 "$pid" 2>/dev/null; then
		status=0
		wait "$pid" || status=$?
		reason=$(sed -n 's/.*event=start_failed reason="\(.*\)"$/\1/p' "$log" | head -n 1)
		case $reason in
		*"Address already in use"*)
			address=$(printf '%s' "$reason" | sed -n 's/^cannot listen on \(.*\): Address already in use$/\1/p')
			key=
			for k in listen admin_listen; do
				[ "$(setting "$k")" = "$address" ] && key=$k
			done
			echo "make run: ${address:-a port} is already in use by another program; stop it, or change ${key:-listen or admin_listen} in $conf."
			;;
		?*)
			echo "make run: the daemon did not start: $reason"
			;;
		*)
			echo "make run: the daemon exited with status $status before it was ready:"
			cat "$log"
			;;
		esac
		exit 1
	fi
	tries=$((tries + 1))
	if [ "$tries" -gt 100 ]; then
		echo "make run: the daemon was not ready after 10 s; its log is $log"
		kill "$pid" 2>/dev/null || true
		exit 1
	fi
	sleep 0.1
done

ready=$(grep 'event=ready ' "$log" | head -n 1)
public=$(printf '%s' "$ready" | sed -n 's/.* public_port=\([0-9]*\).*/\1/p')
admin=$(printf '%s' "$ready" | sed -n 's/.* admin_port=\([0-9]*\).*/\1/p')
# The host each listener was given (the default when unset); a wildcard
# address is reached on loopback.
public_host=$(setting listen)
public_host=${public_host%:*}
admin_host=$(setting admin_listen)
admin_host=${admin_host%:*}
case ${public_host:-0.0.0.0} in 0.0.0.0 | "[::]") public_host=127.0.0.1 ;; esac
case ${admin_host:-127.0.0.1} in 0.0.0.0 | "[::]") admin_host=127.0.0.1 ;; esac

cat <<MSG
zaptec-accessd (local): customer links on http://$public_host:$public, admin API on http://$admin_host:$admin
The admin token is in $var/api-token. Create an access request with:

  curl -s -X POST http://$admin_host:$admin/api/v1/access-requests \\
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \\
    -d '{"reference":"customer-42"}'

Stop with Ctrl-C. The log follows (also in $log).
MSG
tail -n +1 -f --pid="$pid" "$log" &
tailer=$!
status=0
wait "$pid" || status=$?
wait "$tailer" 2>/dev/null || true
exit "$status"
