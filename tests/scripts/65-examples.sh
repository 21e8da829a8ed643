#!/bin/sh
# 65-examples.sh — every file of examples/ with the tool that runs it:
#   a) nginx: 'nginx -t' on a copy of examples/nginx/zaptec-accessd.conf whose
#      ports, certificate and upstream point here, then that nginx in front
#      of a real daemon: examples/partner_backend.py creates a request on the
#      admin API, the link is followed through nginx over TLS (verified
#      against a certificate made here), Zaptec's redirect comes back through
#      nginx, and the backend sees the grant in the event feed; the admin API
#      is not reachable through nginx, and plain HTTP is redirected;
#   b) Caddy: 'caddy validate' and 'caddy fmt' on examples/caddy/Caddyfile;
#   c) Prometheus: 'promtool check config', 'check rules' and 'test rules' on
#      examples/prometheus, and every accessd_* metric the rules use is one
#      the running daemon exposes.
# Needs ./zaptec-accessd built, nginx, caddy, promtool (prometheus), openssl,
# curl and python3. Binds loopback only.
set -eu
cd "$(dirname "$0")/../.."

bin=./zaptec-accessd
token=examples-token-0123456789abcdef0123456789
host=connect.example.com
# Alice Cabin of the stand-in's fixture, already shared with group BSJG: the
# daemon's verification finds it in the stand-in's API.
guid=c2fb90d7-e8df-46d1-90f8-e54c9f57ee04
WAIT_S=10

fail() {
	echo "65-examples: FAIL: $*" >&2
	exit 1
}

[ -x "$bin" ] || fail "$bin is not built (make zaptec-accessd)"
for tool in nginx caddy promtool openssl curl python3; do
	command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps.sh test)"
done

tmp=$(mktemp -d)
pids=
cleanup() {
	for pid in $pids; do
		kill "$pid" 2>/dev/null || true
	done
	[ -f "$tmp/nginx/nginx.pid" ] && kill "$(cat "$tmp/nginx/nginx.pid")" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Polls command "$@" until it succeeds; fails after WAIT_S seconds naming $what.
wait_until() {
	tries=$((WAIT_S * 20))
	until "$@" 2>/dev/null; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || fail "timed out waiting for $what"
		sleep 0.05
	done
}

free_ports() {
	python3 - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

set -- $(free_ports 3)
http_port=$1 https_port=$2 public_port=$3

# --- the daemon, as the examples expect it: behind a proxy on this host, and
# verifying grants with the Zaptec stand-in's API, so that every metric the
# alert rules use is exposed.
python3 tests/zaptec-standin/standin.py --listen 127.0.0.1:0 --port-file "$tmp/standin.port" \
	--fixture tests/zaptec-standin/fixture.json --log "$tmp/standin.log" 2>>"$tmp/standin.log" &
pids="$pids $!"
what="the stand-in to write its port" wait_until test -s "$tmp/standin.port"
standin=http://127.0.0.1:$(cat "$tmp/standin.port")
printf '%s\n' "$token" >"$tmp/token"
printf 'acme-service-secret\n' >"$tmp/zaptec-password"
chmod 600 "$tmp/token" "$tmp/zaptec-password"
cat >"$tmp/accessd.conf" <<EOF
lookup_key = BSJG
public_url = https://$host:$https_port
partner_name = Example Energy
listen = 127.0.0.1:$public_port
admin_listen = 127.0.0.1:0
database = $tmp/accessd.db
api_token_file = $tmp/token
trusted_proxies = 127.0.0.1
zaptec_api_url = $standin
zaptec_username = svc-acme@example.test
zaptec_password_file = $tmp/zaptec-password
reconcile_interval = 0
EOF
"$bin" -c "$tmp/accessd.conf" serve 2>"$tmp/daemon.log" &
pids="$pids $!"
what="the daemon to be ready" wait_until grep -q 'event=ready ' "$tmp/daemon.log"
admin_port=$(sed -n 's/.*event=ready .*admin_port=\([0-9]*\) .*/\1/p' "$tmp/daemon.log")
admin=http://127.0.0.1:$admin_port

# --- a) nginx ----------------------------------------------------------------
mkdir -p "$tmp/nginx" "$tmp/tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$host" -addext "subjectAltName=DNS:$host" \
	-keyout "$tmp/tls/privkey.pem" -out "$tmp/tls/fullchain.pem" 2>/dev/null || fail "openssl could not make a certificate"
# The example as it is, but listening here (IPv4 loopback only), with this
# certificate and this daemon.
sed -e "s|^\( *listen\) 80;|\1 127.0.0.1:$http_port;|" \
	-e "s|^\( *listen\) 443 ssl|\1 127.0.0.1:$https_port ssl|" \
	-e '/^ *listen \[::\]/d' \
	-e "s|/etc/letsencrypt/live/$host/|$tmp/tls/|" \
	-e "s|server 127.0.0.1:8080;|server 127.0.0.1:$public_port;|" \
	examples/nginx/zaptec-accessd.conf >"$tmp/nginx/site.conf"
for adjusted in "listen 127.0.0.1:$http_port;" "listen 127.0.0.1:$https_port ssl" "$tmp/tls/fullchain.pem" \
	"$tmp/tls/privkey.pem" "server 127.0.0.1:$public_port;"; do
	grep -qF "$adjusted" "$tmp/nginx/site.conf" || fail "the nginx example no longer has the line this test adjusts to '$adjusted'"
done
if grep -v '^ *#' "$tmp/nginx/site.conf" | grep -q 'listen \[::\]\|/etc/\|:8080'; then fail "the nginx example has a path or address this test does not adjust"; fi
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 64; }
http {
    access_log $tmp/nginx/access.log;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    include $tmp/nginx/site.conf;
}
EOF
nginx -t -q -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" >"$tmp/nginx/t.log" 2>&1 || fail "nginx -t: $(cat "$tmp/nginx/t.log")"
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" 2>"$tmp/nginx/start.log" || fail "nginx did not start: $(cat "$tmp/nginx/start.log")"
what="nginx to write its pid" wait_until test -s "$tmp/nginx/nginx.pid"

https_get() {
	curl -s --max-time 10 --resolve "$host:$https_port:127.0.0.1" --cacert "$tmp/tls/fullchain.pem" "$@"
}

# The partner's backend creates the request and follows the feed meanwhile.
python3 examples/partner_backend.py --api "$admin" --token-file "$tmp/token" --reference customer-42 \
	--timeout 30 >"$tmp/backend.out" 2>"$tmp/backend.err" &
backend=$!
pids="$pids $backend"
what="partner_backend.py to print the link" wait_until grep -q '^send this link to customer-42: ' "$tmp/backend.out"
link=$(sed -n 's/^send this link to customer-42: //p' "$tmp/backend.out")
case $link in
"https://$host:$https_port/connect/"*) ;;
*) fail "the link is not under the public URL behind nginx: $link" ;;
esac

# The customer's click, through nginx: a 303 to Zaptec's portal whose
# returnUrl comes back through nginx.
head=$(https_get -o /dev/null -w '%{http_code} %{redirect_url}' "$link") || fail "GET $link through nginx failed"
[ "${head%% *}" = 303 ] || fail "the link through nginx answered ${head%% *}, not 303: $(tail -5 "$tmp/nginx/error.log")"
return_url=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.parse_qs(urllib.parse.urlsplit(sys.argv[1]).query)["returnUrl"][0])' "${head#* }")
case $return_url in
"https://$host:$https_port/access-result/"*) ;;
*) fail "returnUrl does not lead back through nginx: $return_url" ;;
esac

# Zaptec's redirect back, through nginx.
code=$(https_get -o "$tmp/page.html" -w '%{http_code}' "$return_url?success=true&installationId=$guid")
[ "$code" = 200 ] || fail "the callback through nginx answered $code"
grep -q "$guid" "$tmp/page.html" || fail "the result page does not name the installation"

# The backend saw the grant in the feed, and the API has the installation.
status=0
wait "$backend" || status=$?
[ "$status" -eq 0 ] || fail "partner_backend.py exited $status: $(cat "$tmp/backend.err")"
grep -qx "customer-42 granted access to installation $guid" "$tmp/backend.out" ||
	fail "partner_backend.py did not report the grant: $(cat "$tmp/backend.out")"
grep -q '"type": "request.created"' "$tmp/backend.out" || fail "partner_backend.py did not print the feed's events"
installation_is() {
	curl -s --max-time 5 -H "Authorization: Bearer $token" "$admin/api/v1/installations/$guid" >"$tmp/installation"
	grep -q "\"status\":\"$1\"" "$tmp/installation"
}
what="the installation to be verified" wait_until installation_is granted
grep -q '"reference":"customer-42"' "$tmp/installation" || fail "the installation lacks its reference: $(cat "$tmp/installation")"
grep -q '"name":"Alice Cabin"' "$tmp/installation" || fail "the installation lacks its Zaptec name: $(cat "$tmp/installation")"

# The link's token never reaches nginx's access log.
token_in_link=${link##*/}
if grep -qF "$token_in_link" "$tmp/nginx/access.log" 2>/dev/null; then fail "nginx logged the link's token"; fi

# nginx publishes the public routes only, and sends plain HTTP to HTTPS.
code=$(https_get -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "https://$host:$https_port/api/v1/events")
[ "$code" = 404 ] || fail "the admin API answers $code through nginx"
code=$(https_get -o /dev/null -w '%{http_code}' "https://$host:$https_port/healthz")
[ "$code" = 200 ] || fail "/healthz through nginx answered $code"
redirect=$(curl -s --max-time 5 -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$http_port/connect/x" -H "Host: $host")
[ "$redirect" = "301 https://$host/connect/x" ] || fail "plain HTTP is not redirected to HTTPS: $redirect"
echo "a) nginx: -t passes; a request created by partner_backend.py, opened and granted through nginx over TLS"

# --- b) Caddy ----------------------------------------------------------------
# Caddy keeps its state under XDG directories: give it ours.
XDG_DATA_HOME=$tmp/caddy XDG_CONFIG_HOME=$tmp/caddy caddy validate --config examples/caddy/Caddyfile \
	--adapter caddyfile >"$tmp/caddy.log" 2>&1 || fail "caddy validate: $(cat "$tmp/caddy.log")"
XDG_DATA_HOME=$tmp/caddy XDG_CONFIG_HOME=$tmp/caddy caddy fmt examples/caddy/Caddyfile | cmp -s - examples/caddy/Caddyfile ||
	fail "examples/caddy/Caddyfile is not as 'caddy fmt' writes it"
echo "b) caddy: validate and fmt pass"

# --- c) Prometheus -----------------------------------------------------------
mkdir -p "$tmp/prometheus"
cp examples/prometheus/zaptec-accessd-alerts.yml "$tmp/prometheus/"
cp "$tmp/token" "$tmp/prometheus/zaptec-accessd-token"
sed "s|/etc/prometheus/zaptec-accessd-token|$tmp/prometheus/zaptec-accessd-token|" \
	examples/prometheus/prometheus.yml >"$tmp/prometheus/prometheus.yml"
grep -q "$tmp/prometheus/zaptec-accessd-token" "$tmp/prometheus/prometheus.yml" || fail "prometheus.yml no longer reads the token from where this test puts it"
promtool check config "$tmp/prometheus/prometheus.yml" >"$tmp/promtool.log" 2>&1 || fail "promtool check config: $(cat "$tmp/promtool.log")"
promtool check rules examples/prometheus/zaptec-accessd-alerts.yml >"$tmp/promtool.log" 2>&1 || fail "promtool check rules: $(cat "$tmp/promtool.log")"
# The rules' own unit tests: each alert fires on the series of its situation
# and stays quiet on a healthy daemon.
(cd examples/prometheus && promtool test rules zaptec-accessd-alerts.test.yml) >"$tmp/promtool.log" 2>&1 ||
	fail "promtool test rules: $(cat "$tmp/promtool.log")"

# The metric families the daemon exposes, from its own /metrics.
curl -s --max-time 5 -H "Authorization: Bearer $token" "$admin/metrics" >"$tmp/metrics" || fail "GET /metrics failed"
sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' "$tmp/metrics" | sort -u >"$tmp/families"
[ -s "$tmp/families" ] || fail "/metrics declared no metric family"
used=$(grep -o 'accessd_[a-z_]*' examples/prometheus/zaptec-accessd-alerts.yml | sort -u)
[ -n "$used" ] || fail "the alert rules use no accessd_ metric"
for name in $used; do
	family=$(printf '%s\n' "$name" | sed 's/_\(bucket\|sum\|count\)$//')
	grep -qx "$family" "$tmp/families" || grep -qx "$name" "$tmp/families" && continue
	fail "the alert rules use $name, which the daemon does not expose"
done
echo "c) prometheus: check config, check rules and test rules pass; every accessd_ metric they use is exposed"
