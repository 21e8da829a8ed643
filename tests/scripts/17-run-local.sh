#!/bin/sh
# 'make run' (scripts/run-local.sh) on a configuration of other ports than
# 8080/8081: its banner names the ports the daemon really listens on, and its
# curl line creates a request there; with the public port already taken, the
# first line it prints is one sentence naming the address and the key to
# change, and it exits 1. Needs ./zaptec-accessd built, curl and python3.
set -eu
cd "$(dirname "$0")/../.."

[ -x ./zaptec-accessd ] || { echo "FAIL: ./zaptec-accessd is not built"; exit 1; }
for tool in curl python3; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed"; exit 1; }
done

tmp=$(mktemp -d)
runner=
holder=
cleanup() {
	[ -n "$runner" ] && kill "$runner" 2>/dev/null && wait "$runner" 2>/dev/null || true
	[ -n "$holder" ] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null || true
	if [ -e "$tmp/var/daemon.log" ]; then
		mkdir -p "${ACCESSD_TEST_LOGS:-tests/out/logs}"
		cp "$tmp/var/daemon.log" "${ACCESSD_TEST_LOGS:-tests/out/logs}/17-run-local.log"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*"
	exit 1
}

# Two ports nothing listens on now; the daemon binds them next.
ports=$(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')
public=${ports% *}
admin=${ports#* }
cat >"$tmp/local.conf" <<EOF
lookup_key = RUNLOCAL
public_url = http://127.0.0.1:$public
partner_name = Run Local Energy
listen = 127.0.0.1:$public
admin_listen = 127.0.0.1:$admin
database = $tmp/var/accessd.db
api_token_file = $tmp/var/api-token
EOF
export ACCESSD_CONF="$tmp/local.conf" ACCESSD_VAR="$tmp/var"

sh scripts/run-local.sh >"$tmp/out" 2>&1 &
runner=$!
tries=0
until grep -q '^Stop with Ctrl-C' "$tmp/out"; do
	tries=$((tries + 1))
	[ "$tries" -le 100 ] || fail "no banner: $(cat "$tmp/out")"
	kill -0 "$runner" 2>/dev/null || fail "run-local.sh exited: $(cat "$tmp/out")"
	sleep 0.1
done
head -n 1 "$tmp/out" | grep -qx "zaptec-accessd (local): customer links on http://127.0.0.1:$public, admin API on http://127.0.0.1:$admin" \
	|| fail "the banner does not name the ports listened on ($public, $admin): $(head -n 1 "$tmp/out")"
grep -q '8080\|8081' "$tmp/out" && fail "the banner still names 8080 or 8081: $(cat "$tmp/out")"
# The curl line of the banner, run as printed, creates a request.
sed -n '/^  curl /,/^    -d /p' "$tmp/out" | sed 's/\\$//' | tr -d '\n' >"$tmp/curl"
code=$(sh -c "$(cat "$tmp/curl") -o /dev/null -w '%{http_code}'")
[ "$code" = 201 ] || fail "the banner's curl line answered $code: $(cat "$tmp/curl")"
kill "$runner"
wait "$runner" || true
runner=

# The public port taken by another program.
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
print("listening", flush=True)
time.sleep(60)' "$public" >"$tmp/holder" &
holder=$!
tries=0
until grep -q listening "$tmp/holder"; do
	tries=$((tries + 1))
	[ "$tries" -le 100 ] || fail "could not take port $public"
	sleep 0.1
done
status=0
sh scripts/run-local.sh >"$tmp/busy" 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "with port $public taken, run-local.sh exited $status: $(cat "$tmp/busy")"
[ "$(head -n 1 "$tmp/busy")" = "make run: 127.0.0.1:$public is already in use by another program; stop it, or change listen in $tmp/local.conf." ] \
	|| fail "with port $public taken, the first line is not the clear one: $(cat "$tmp/busy")"
[ "$(wc -l <"$tmp/busy")" -eq 1 ] || fail "with port $public taken, more than one line: $(cat "$tmp/busy")"

echo "run-local: banner names ports $public and $admin; a busy port is one clear line"
