#!/bin/sh
# The link command: it creates an access request straight in the database and
# prints its links (or the whole object with --json); a Pro link without an
# installation is a usage error naming installationId; and a connect link it
# printed works once a daemon serves that database.
# Needs ./zaptec-accessd built, curl and the sqlite3 shell.
set -eu
cd "$(dirname "$0")/../.."

bin=./zaptec-accessd
[ -x "$bin" ] || { echo "FAIL: $bin is not built (run make zaptec-accessd)"; exit 1; }
command -v sqlite3 >/dev/null || { echo "FAIL: the sqlite3 shell is not installed"; exit 1; }
command -v curl >/dev/null || { echo "FAIL: curl is not installed"; exit 1; }

tmp=$(mktemp -d)
daemon_pid=
cleanup() {
	if [ -n "$daemon_pid" ]; then
		kill "$daemon_pid" 2>/dev/null || true
		wait "$daemon_pid" 2>/dev/null || true
	fi
	# The daemon's log stays for the logfmt check (90-logfmt.sh).
	if [ -e "$tmp/log" ]; then
		mkdir -p "${ACCESSD_TEST_LOGS:-tests/out/logs}"
		cp "$tmp/log" "${ACCESSD_TEST_LOGS:-tests/out/logs}/16-link.log"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*"
	exit 1
}

# Runs the rest of the line, recording its exit status in $status and its
# output in $tmp/out and $tmp/err, without set -e stopping the script.
run() {
	status=0
	"$@" >"$tmp/out" 2>"$tmp/err" || status=$?
}

conf=$tmp/accessd.conf
cat >"$conf" <<EOF
lookup_key = BSJG
public_url = https://partner.example/base/
partner_name = Acme Energy
database = $tmp/a.db
api_token_file = $tmp/token
listen = 127.0.0.1:0
admin_listen = 127.0.0.1:0
EOF
printf 'test-token-0123456789abcdef0123456789\n' >"$tmp/token"
chmod 600 "$tmp/token"

guid=6f2a1c4e-0b7d-4c39-9a51-2d8e3f4b5a61
portal_go='https://portal.zaptec.com/access/request/BSJG?partnerName=Acme%20Energy&lang=en&installationtype=1&returnUrl=https%3A%2F%2Fpartner.example%2Fbase%2Faccess-result%2F'

# A Go link, without a database yet: the command creates and migrates it.
run "$bin" -c "$conf" link --reference customer-7
[ "$status" -eq 0 ] || fail "link exited $status: $(cat "$tmp/err")"
connect=$(sed -n 's/^connectUrl: *//p' "$tmp/out")
portal=$(sed -n 's/^portalUrl: *//p' "$tmp/out")
id=$(sed -n 's/^request: *//p' "$tmp/out")
token=${connect#https://partner.example/base/connect/}
[ "$token" != "$connect" ] || fail "connectUrl is not under public_url: $connect"
[ "${#token}" -eq 22 ] || fail "the token is not 22 characters: $token"
[ "$portal" = "$portal_go$token" ] || fail "portalUrl differs: $portal"
[ "${#id}" -eq 36 ] || fail "no request id printed: $(cat "$tmp/out")"

# The row is there, pending, with its reference, and holds no token.
[ "$(sqlite3 "$tmp/a.db" "SELECT status || ' ' || reference || ' ' || installation_type FROM access_requests WHERE id = '$id'")" = "pending customer-7 1" ] \
	|| fail "the row is not as created: $(sqlite3 "$tmp/a.db" "SELECT * FROM access_requests")"
[ "$(sqlite3 "$tmp/a.db" "SELECT count(*) FROM events WHERE type = 'request.created' AND request_id = '$id'")" = 1 ] \
	|| fail "no request.created event"
if grep -q -- "$token" "$tmp/a.db" "$tmp"/a.db-wal 2>/dev/null; then
	fail "the token is in the database file"
fi

# A Pro link as JSON, the installation in lower case.
upper=$(echo "$guid" | tr 'a-f' 'A-F')
run "$bin" -c "$conf" link --type pro --installation-id "$upper" --lang nb-NO --show-existing --json
[ "$status" -eq 0 ] || fail "link --type pro exited $status: $(cat "$tmp/err")"
grep -q '"installationType": "pro"' "$tmp/out" || fail "not a Pro request: $(cat "$tmp/out")"
grep -q "\"installationId\": \"$guid\"" "$tmp/out" || fail "installationId not in lower case: $(cat "$tmp/out")"
grep -q '"status": "pending"' "$tmp/out" || fail "no status: $(cat "$tmp/out")"
grep -q '"connectUrl": "https://partner.example/base/connect/' "$tmp/out" || fail "no connectUrl: $(cat "$tmp/out")"
grep -q "\"portalUrl\": \"https://portal.zaptec.com/access/request/BSJG?partnerName=Acme%20Energy&lang=no&installationId=$guid&installationtype=0&returnUrl=https%3A%2F%2Fpartner.example%2Fbase%2Faccess-result%2F[A-Za-z0-9_-]\{22\}&showExisting=true\"" "$tmp/out" \
	|| fail "portalUrl differs: $(cat "$tmp/out")"
[ "$(sqlite3 "$tmp/a.db" "SELECT count(*) FROM access_requests WHERE installation_type = 0 AND installation_id = '$guid'")" = 1 ] \
	|| fail "the Pro row is missing"

# A Pro link without an installation: a usage error naming the field, no row.
run "$bin" -c "$conf" link --type pro
[ "$status" -eq 2 ] || fail "link --type pro without an id exited $status, not 2"
grep -q installationId "$tmp/err" || fail "the error does not name installationId: $(cat "$tmp/err")"
run "$bin" -c "$conf" link --lang english
[ "$status" -eq 2 ] || fail "link --lang english exited $status, not 2"
grep -q lang "$tmp/err" || fail "the error does not name lang: $(cat "$tmp/err")"
run "$bin" -c "$conf" link --colour blue
[ "$status" -eq 2 ] || fail "link --colour exited $status, not 2"
[ "$(sqlite3 "$tmp/a.db" "SELECT count(*) FROM access_requests")" = 2 ] || fail "a refused link left a row"

# A daemon on that database follows the first link to the portal.
"$bin" -c "$conf" serve 2>"$tmp/log" &
daemon_pid=$!
port=
tries=0
while [ -z "$port" ]; do
	tries=$((tries + 1))
	[ "$tries" -le 100 ] || fail "the daemon did not report ready: $(cat "$tmp/log")"
	kill -0 "$daemon_pid" 2>/dev/null || fail "the daemon exited: $(cat "$tmp/log")"
	port=$(sed -n 's/.*event=ready public_port=\([0-9]*\).*/\1/p' "$tmp/log")
	[ -n "$port" ] || sleep 0.1
done

curl -sS -o /dev/null -D "$tmp/headers" "http://127.0.0.1:$port/connect/$token" || fail "curl failed"
head -n 1 "$tmp/headers" | grep -q '^HTTP/1.1 303' || fail "connect did not redirect: $(cat "$tmp/headers")"
location=$(sed -n 's/^[Ll]ocation: //p' "$tmp/headers" | tr -d '\r')
[ "$location" = "$portal" ] || fail "connect went to $location, not $portal"
[ "$(sqlite3 "$tmp/a.db" "SELECT status FROM access_requests WHERE id = '$id'")" = opened ] \
	|| fail "the open was not recorded"

kill "$daemon_pid"
wait "$daemon_pid" || fail "the daemon did not exit cleanly: $(cat "$tmp/log")"
daemon_pid=
echo "link: ok"
