#!/bin/sh
# Every log line is valid logfmt. A daemon here is given what makes its lines
# hard to write — quotes, newlines, control bytes and invalid UTF-8 in links,
# queries and headers, wrong tokens, a SIGHUP reload of a file whose error
# carries quotes — and then tests/scripts/logfmt.py reads its log together with
# every log the other scripts' daemons left in tests/out/logs (make check runs
# this script last). Needs ./zaptec-accessd built, python3 and curl.
set -eu
cd "$(dirname "$0")/../.."

bin=./zaptec-accessd
[ -x "$bin" ] || { echo "FAIL: $bin is not built"; exit 1; }
command -v curl >/dev/null || { echo "FAIL: curl is not installed"; exit 1; }

tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*"
	exit 1
}

token=logfmt-test-token-0123456789abcdef0123
printf '%s\n' "$token" >"$tmp/token"
chmod 600 "$tmp/token"
cat >"$tmp/accessd.conf" <<EOF
lookup_key = LOGFMT
public_url = https://partner.example/zaptec
partner_name = Quote "Energy" \\ Co
listen = 127.0.0.1:0
admin_listen = 127.0.0.1:0
database = $tmp/accessd.db
api_token_file = $tmp/token
trusted_proxies = 127.0.0.1
log_level = debug
support_email = help@partner.example
EOF

"$bin" -c "$tmp/accessd.conf" serve 2>"$tmp/daemon.log" &
pid=$!
tries=0
until grep -q 'event=ready ' "$tmp/daemon.log" 2>/dev/null; do
	tries=$((tries + 1))
	[ "$tries" -le 100 ] || fail "the daemon did not report ready: $(cat "$tmp/daemon.log")"
	kill -0 "$pid" 2>/dev/null || fail "the daemon exited: $(cat "$tmp/daemon.log")"
	sleep 0.1
done
public=$(sed -n 's/.*event=ready public_port=\([0-9]*\) .*/\1/p' "$tmp/daemon.log")
admin=$(sed -n 's/.*event=ready .*admin_port=\([0-9]*\) .*/\1/p' "$tmp/daemon.log")
pub=http://127.0.0.1:$public
adm=http://127.0.0.1:$admin

c() {
	curl -s -o /dev/null --path-as-is "$@" || true
}
created=$(curl -s -X POST "$adm/api/v1/access-requests" -H "Authorization: Bearer $token" \
	-H 'Content-Type: application/json' -d '{"reference":"a \"quoted\" reference \\ with a backslash"}')
connect=$(printf '%s' "$created" | python3 -c 'import json,sys; print(json.load(sys.stdin)["connectUrl"])')
link=${connect##*/}
c "$pub/connect/$link"
c "$pub/zaptec/connect/$link"
c "$pub/access-result/$link?success=%22true%22%0Aevent=forged"
c "$pub/access-result/$link?success=true&installationId=%FF%FE%0D%0A"
c "$pub/access-result/%22quoted%22?success=false"
c "$pub/\"quoted\"/path?x=1"
c "$pub/%1b%5b31m"
c -H 'X-Forwarded-For: "1.2.3.4", <script>' "$pub/healthz"
c -H 'Accept-Language: "de"' "$pub/connect/AAAAAAAAAAAAAAAAAAAAAA"
c -H 'Authorization: Bearer "wrong"' "$adm/api/v1/events"
c -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	-d '{"reference":"x","bogus":"\"\\"}' "$adm/api/v1/access-requests"
c -X POST -H "Authorization: Bearer $token" "$adm/api/v1/access-requests/%22x%22/cancel"
c "$pub/access-result/$link?success=true&installationId=6f2a1c4e-0b7d-4c39-9a51-2d8e3f4b5a61"

# A reload of a file whose error message quotes the bad value.
cp "$tmp/accessd.conf" "$tmp/good.conf"
sed -i 's/^log_level = debug$/log_level = "loud"/' "$tmp/accessd.conf"
kill -HUP "$pid"
tries=0
until grep -q 'event=reload_failed' "$tmp/daemon.log"; do
	tries=$((tries + 1))
	[ "$tries" -le 100 ] || fail "no reload_failed line: $(tail -n 5 "$tmp/daemon.log")"
	sleep 0.1
done
grep -q 'event=reload_failed reason=".*\\"loud\\"' "$tmp/daemon.log" \
	|| fail "the reload_failed line does not carry the quoted value escaped: $(grep reload_failed "$tmp/daemon.log")"
cp "$tmp/good.conf" "$tmp/accessd.conf"
kill -TERM "$pid"
wait "$pid" || true
pid=

mkdir -p tests/out/logs
set -- "$tmp/daemon.log"
for f in tests/out/logs/*.log; do
	[ -e "$f" ] && set -- "$@" "$f"
done
python3 tests/scripts/logfmt.py "$@"
