#!/bin/sh
# 40-systemd-runtime.sh — the daemon as systemd runs it, with systemd's own
# tools where they exist:
#   a) socket activation through systemd-socket-activate with named sockets:
#      both listeners answer, and the configuration's addresses stay unbound;
#   b) sd_notify: READY=1 only once both ports accept, STATUS=, WATCHDOG=1,
#      STOPPING=1 and exit 0 on SIGTERM (notify-check.py owns the socket);
#   c) SIGHUP re-reads log_level without a restart;
#   d) TLS on the public listener with a certificate made here; a broken key
#      stops the start (exit 1) and check-config (exit 2), both saying why;
#   e) X-Forwarded-For believed from trusted_proxies only, right-most first;
#   f) backup while requests are being created: every copy passes
#      integrity_check, and a copy after the writes holds every 201 (and
#      /metrics counts them by route and by status);
#   g) make install with DESTDIR and PREFIX: sbin, systemd's unit directory,
#      manual pages, keeping an edited configuration.
# Needs ./zaptec-accessd built, systemd-socket-activate (systemd), python3,
# curl, openssl and the sqlite3 shell. Binds loopback only.
set -eu
cd "$(dirname "$0")/../.."

bin=./zaptec-accessd
token=test-token-0123456789abcdef0123456789
WAIT_S=10

fail() {
	echo "FAIL: $*"
	exit 1
}

[ -x "$bin" ] || fail "$bin is not built (run make zaptec-accessd)"
for tool in systemd-socket-activate python3 curl openssl sqlite3; do
	command -v "$tool" >/dev/null || fail "$tool is not installed"
done

tmp=$(mktemp -d)
pids=
cleanup() {
	for pid in $pids; do
		kill "$pid" 2>/dev/null || true
	done
	# The daemon's own logs stay for the logfmt check (90-logfmt.sh); the
	# socket-activation ones also hold systemd-socket-activate's lines.
	logs=${ACCESSD_TEST_LOGS:-tests/out/logs}
	mkdir -p "$logs"
	for f in "$tmp"/hup.log "$tmp"/tls.log "$tmp"/broken.log "$tmp"/bk.log "$tmp"/xff-*.log; do
		[ -e "$f" ] && cp "$f" "$logs/40-systemd-runtime-$(basename "$f")"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

printf '%s\n' "$token" >"$tmp/token"
chmod 600 "$tmp/token"

# Writes a configuration to $1 for database $2, with further lines from stdin.
write_conf() {
	{
		cat <<EOF
lookup_key = TEST
public_url = http://127.0.0.1:8080
partner_name = Test Energy
database = $2
api_token_file = $tmp/token
EOF
		cat
	} >"$1"
}

# Waits until file $1 has a line matching the extended regex $2; fails after
# WAIT_S seconds, showing the file.
wait_for_line() {
	tries=$((WAIT_S * 20))
	while ! grep -Eq -- "$2" "$1" 2>/dev/null; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || fail "no line matching '$2' in $1 within ${WAIT_S}s: $(cat "$1" 2>/dev/null)"
		sleep 0.05
	done
}

# Free loopback ports: bound all at once by the kernel, then released.
free_ports() {
	python3 - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# Starts the daemon on configuration $1, logging to $2; waits for event=ready
# and sets $pid, $public and $admin.
start_daemon() {
	"$bin" -c "$1" serve 2>"$2" &
	pid=$!
	pids="$pids $pid"
	wait_for_line "$2" 'event=ready '
	public=$(sed -n 's/.*event=ready public_port=\([0-9]*\) .*/\1/p' "$2")
	admin=$(sed -n 's/.*event=ready .*admin_port=\([0-9]*\) .*/\1/p' "$2")
}

# Stops the daemon $pid with SIGTERM; it must exit 0.
stop_daemon() {
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 0 ] || fail "the daemon exited $status after SIGTERM"
}

# The HTTP status of a GET (curl's "000" when nothing answered).
http_code() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true
}

# --- a) socket activation ---------------------------------------------------
set -- $(free_ports 4)
sa_public=$1 sa_admin=$2 conf_public=$3 conf_admin=$4
write_conf "$tmp/sa.conf" "$tmp/sa.db" <<EOF
listen = 127.0.0.1:$conf_public
admin_listen = 127.0.0.1:$conf_admin
EOF
# Without --accept the tool binds both sockets, waits for the first
# connection and then execs the daemon with them (same pid).
systemd-socket-activate -l "127.0.0.1:$sa_public" -l "127.0.0.1:$sa_admin" \
	--fdname=public:admin "$bin" -c "$tmp/sa.conf" serve 2>"$tmp/sa.log" &
pid=$!
pids="$pids $pid"
wait_for_line "$tmp/sa.log" "Listening on 127.0.0.1:$sa_admin "
[ "$(http_code "http://127.0.0.1:$sa_public/healthz")" = 200 ] || fail "socket activation: /healthz on the public socket: $(cat "$tmp/sa.log")"
wait_for_line "$tmp/sa.log" "event=ready public_port=$sa_public admin_port=$sa_admin "
[ "$(http_code "http://127.0.0.1:$sa_admin/readyz")" = 200 ] || fail "socket activation: /readyz on the admin socket"
[ "$(http_code "http://127.0.0.1:$sa_admin/api/v1/access-requests")" = 401 ] || fail "socket activation: the API on the admin socket without a token is not 401"
[ "$(http_code -H "Authorization: Bearer $token" "http://127.0.0.1:$sa_admin/api/v1/access-requests")" = 200 ] || fail "socket activation: the API on the admin socket with the token is not 200"
[ "$(http_code "http://127.0.0.1:$sa_public/api/v1/access-requests")" = 404 ] || fail "socket activation: the public socket serves the API"
[ "$(http_code "http://127.0.0.1:$sa_public/readyz")" = 404 ] || fail "socket activation: the public socket serves /readyz (names swapped?)"
[ "$(http_code "http://127.0.0.1:$conf_public/healthz")" = 000 ] || fail "socket activation: the configured public address $conf_public is bound too"
[ "$(http_code "http://127.0.0.1:$conf_admin/healthz")" = 000 ] || fail "socket activation: the configured admin address $conf_admin is bound too"
stop_daemon
echo "a) socket activation: public and admin answer by name; the configured ports stay free"

# An unknown name is refused: the daemon must not guess which socket is which.
bad_port=$(free_ports 1)
systemd-socket-activate -l "127.0.0.1:$bad_port" --fdname=other "$bin" -c "$tmp/sa.conf" serve \
	2>"$tmp/sa-bad.log" &
pid=$!
pids="$pids $pid"
wait_for_line "$tmp/sa-bad.log" "Listening on 127.0.0.1:$bad_port "
status=0
http_code "http://127.0.0.1:$bad_port/healthz" >/dev/null
wait "$pid" || status=$?
[ "$status" -eq 1 ] || fail "socket activation: a socket named 'other' gave exit $status, expected 1"
grep -q "unknown socket name 'other'" "$tmp/sa-bad.log" || fail "socket activation: no reason for the unknown name: $(cat "$tmp/sa-bad.log")"
echo "a) socket activation: an unknown socket name stops the daemon with exit 1"

# --- b) readiness, status, watchdog, stopping -------------------------------
write_conf "$tmp/notify.conf" "$tmp/notify.db" <<EOF
listen = 127.0.0.1:0
admin_listen = 127.0.0.1:0
EOF
python3 tests/scripts/notify-check.py "$bin" "$tmp/notify.conf" "$tmp" ||
	fail "readiness: see above; the daemon's log: $(cat "$tmp/notify-daemon.log")"

# --- c) SIGHUP re-reads log_level -------------------------------------------
# At warn the daemon logs nothing when all is well, not even where it
# listens: it gets ports of our choosing.
set -- $(free_ports 2)
hup_public=$1
write_conf "$tmp/hup.conf" "$tmp/hup.db" <<EOF
listen = 127.0.0.1:$1
admin_listen = 127.0.0.1:$2
log_level = warn
EOF
"$bin" -c "$tmp/hup.conf" serve 2>"$tmp/hup.log" &
pid=$!
pids="$pids $pid"
tries=$((WAIT_S * 20))
while [ "$(http_code "http://127.0.0.1:$hup_public/healthz")" != 200 ]; do
	tries=$((tries - 1))
	[ "$tries" -gt 0 ] || fail "SIGHUP: the daemon at log_level warn did not answer within ${WAIT_S}s: $(cat "$tmp/hup.log")"
	kill -0 "$pid" 2>/dev/null || fail "SIGHUP: the daemon at log_level warn exited: $(cat "$tmp/hup.log")"
	sleep 0.05
done
if grep -q 'level=\(info\|debug\)' "$tmp/hup.log"; then fail "SIGHUP: info or debug lines at log_level warn: $(cat "$tmp/hup.log")"; fi

sed 's/^log_level = warn$/log_level = debug/' "$tmp/hup.conf" >"$tmp/hup.conf.new"
mv "$tmp/hup.conf.new" "$tmp/hup.conf"
kill -HUP "$pid"
wait_for_line "$tmp/hup.log" 'level=info event=reloaded log_level="debug"'
# A request in HTTP/9.9 makes libmicrohttpd explain its 505 at debug.
python3 - "$hup_public" <<'EOF'
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as s:
    s.sendall(b"GET /healthz HTTP/9.9\r\n\r\n")
    s.recv(100)
EOF
wait_for_line "$tmp/hup.log" 'level=debug event=http.library message=.*505'
[ "$(http_code "http://127.0.0.1:$hup_public/healthz")" = 200 ] || fail "SIGHUP: /healthz after the reload"
wait_for_line "$tmp/hup.log" 'level=info event=http .*path="/healthz" status=200'
kill -0 "$pid" 2>/dev/null || fail "SIGHUP: the daemon is gone"
if grep -q 'event=ready\|event=stopping' "$tmp/hup.log"; then fail "SIGHUP: the daemon restarted: $(cat "$tmp/hup.log")"; fi

# A configuration that no longer parses keeps the running level (debug).
sed 's/^log_level = debug$/log_level = loud/' "$tmp/hup.conf" >"$tmp/hup.conf.new"
mv "$tmp/hup.conf.new" "$tmp/hup.conf"
kill -HUP "$pid"
wait_for_line "$tmp/hup.log" 'level=warn event=reload_failed .*log_level.*loud'
[ "$(http_code "http://127.0.0.1:$hup_public/after-failed-reload")" = 404 ] || fail "SIGHUP: no 404 after the failed reload"
wait_for_line "$tmp/hup.log" 'level=info event=http .*path="/after-failed-reload" status=404'
stop_daemon
echo "c) SIGHUP: warn -> debug without a restart; a bad file keeps the level and says why"

# --- d) TLS -----------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
	>"$tmp/openssl.log" 2>&1 || fail "openssl could not make a certificate: $(cat "$tmp/openssl.log")"
write_conf "$tmp/tls.conf" "$tmp/tls.db" <<EOF
listen = 127.0.0.1:0
admin_listen = 127.0.0.1:0
tls_cert_file = $tmp/cert.pem
tls_key_file = $tmp/key.pem
EOF
"$bin" -c "$tmp/tls.conf" check-config >/dev/null || fail "TLS: check-config refuses a good certificate and key"
start_daemon "$tmp/tls.conf" "$tmp/tls.log"
grep -q 'event=ready .* tls="on"' "$tmp/tls.log" || fail "TLS: the ready line does not say tls=on"
[ "$(http_code --cacert "$tmp/cert.pem" "https://127.0.0.1:$public/healthz")" = 200 ] || fail "TLS: https /healthz on the public listener is not 200"
[ "$(http_code "http://127.0.0.1:$public/healthz")" = 000 ] || fail "TLS: the public listener answers plain http"
[ "$(http_code "http://127.0.0.1:$admin/readyz")" = 200 ] || fail "TLS: the admin listener does not answer plain http"
[ "$(http_code --cacert "$tmp/cert.pem" "https://127.0.0.1:$admin/healthz")" = 000 ] || fail "TLS: the admin listener speaks TLS"
stop_daemon

# A key that is not valid base64: serve exits 1 naming the problem; the PEM
# markers are right, so only the TLS library can tell.
printf -- '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n!!!!\n-----END PRIVATE KEY-----\n' >"$tmp/broken.pem"
sed "s|$tmp/key.pem|$tmp/broken.pem|" "$tmp/tls.conf" >"$tmp/broken.conf"
status=0
"$bin" -c "$tmp/broken.conf" serve 2>"$tmp/broken.log" || status=$?
[ "$status" -eq 1 ] || fail "TLS: a broken key gave exit $status from serve, expected 1"
grep -q 'level=error .*certificate/key' "$tmp/broken.log" || fail "TLS: no error line about the key: $(cat "$tmp/broken.log")"
grep -q 'level=error event=start_failed .*tls' "$tmp/broken.log" || fail "TLS: start_failed does not point at the TLS files: $(cat "$tmp/broken.log")"

# A key file that holds no private key (the certificate twice) and one that
# cannot be read: check-config catches both before systemd starts the daemon.
sed "s|$tmp/key.pem|$tmp/cert.pem|" "$tmp/tls.conf" >"$tmp/nokey.conf"
status=0
"$bin" -c "$tmp/nokey.conf" check-config >/dev/null 2>"$tmp/nokey.err" || status=$?
[ "$status" -eq 2 ] || fail "TLS: check-config with a certificate as key gave exit $status, expected 2"
grep -q "tls_key_file $tmp/cert.pem: no PEM private key" "$tmp/nokey.err" || fail "TLS: check-config does not say the key is missing: $(cat "$tmp/nokey.err")"
sed "s|$tmp/key.pem|$tmp/missing.pem|" "$tmp/tls.conf" >"$tmp/missing.conf"
status=0
"$bin" -c "$tmp/missing.conf" check-config >/dev/null 2>"$tmp/missing.err" || status=$?
[ "$status" -eq 2 ] || fail "TLS: check-config with a missing key file gave exit $status, expected 2"
grep -q "tls_key_file $tmp/missing.pem: No such file or directory" "$tmp/missing.err" || fail "TLS: check-config does not name the missing file: $(cat "$tmp/missing.err")"
echo "d) TLS: https on the public listener, plain http on admin; a broken key stops the start and check-config"

# --- e) X-Forwarded-For -----------------------------------------------------
for trust in none loopback; do
	write_conf "$tmp/xff-$trust.conf" "$tmp/xff.db" <<EOF
listen = 127.0.0.1:0
admin_listen = 127.0.0.1:0
EOF
	[ "$trust" = loopback ] && echo 'trusted_proxies = 10.0.0.0/8 127.0.0.1' >>"$tmp/xff-$trust.conf"
	start_daemon "$tmp/xff-$trust.conf" "$tmp/xff-$trust.log"
	for header in '203.0.113.9' '198.51.100.1, 203.0.113.9' '203.0.113.9, 10.1.2.3' 'not-an-address'; do
		before=$(grep -c 'event=http ' "$tmp/xff-$trust.log" || true)
		curl -s -o /dev/null --max-time 5 -H "X-Forwarded-For: $header" "http://127.0.0.1:$public/healthz" || true
		tries=$((WAIT_S * 20))
		while [ "$(grep -c 'event=http ' "$tmp/xff-$trust.log" || true)" -le "$before" ]; do
			tries=$((tries - 1))
			[ "$tries" -gt 0 ] || fail "X-Forwarded-For: no access line for '$header'"
			sleep 0.05
		done
		client=$(grep 'event=http ' "$tmp/xff-$trust.log" | tail -n 1 | sed -n 's/.* client="\([^"]*\)" .*/\1/p')
		case "$trust/$header" in
		none/*) want=127.0.0.1 ;;
		loopback/not-an-address) want=127.0.0.1 ;;
		loopback/*) want=203.0.113.9 ;;
		esac
		[ "$client" = "$want" ] || fail "X-Forwarded-For: '$header' with trusted_proxies=$trust logged client=$client, expected $want"
	done
	stop_daemon
done
echo "e) X-Forwarded-For: ignored from untrusted peers; the right-most untrusted entry from trusted ones"

# --- f) backup under concurrent writes --------------------------------------
write_conf "$tmp/bk.conf" "$tmp/bk.db" <<EOF
listen = 127.0.0.1:0
admin_listen = 127.0.0.1:0
EOF
start_daemon "$tmp/bk.conf" "$tmp/bk.log"
# Four threads create requests until told to stop and at least 300 are made;
# each id answered 201 goes to ids, one a line.
python3 - "$admin" "$token" "$tmp/ids" "$tmp/stop" <<'EOF' >"$tmp/poster.log" 2>&1 &
import http.client, json, os, sys, threading
port, token, ids_path, stop_path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
lock = threading.Lock()
made = [0]
ids = open(ids_path, "w")
def post():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    while True:
        with lock:
            if made[0] >= 300 and os.path.exists(stop_path):
                return
            made[0] += 1
        conn.request("POST", "/api/v1/access-requests", body="{}",
                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status == 201:
            with lock:
                ids.write(json.loads(body)["id"] + "\n")
                ids.flush()
        else:
            print("status", resp.status, body)
threads = [threading.Thread(target=post) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
ids.close()
EOF
poster=$!
pids="$pids $poster"
wait_for_line "$tmp/ids" '.'
for n in 1 2 3; do
	"$bin" -c "$tmp/bk.conf" backup "$tmp/copy$n.db" >/dev/null 2>"$tmp/backup.err" || fail "backup $n while writing: $(cat "$tmp/backup.err")"
	[ "$(sqlite3 "$tmp/copy$n.db" 'PRAGMA integrity_check')" = ok ] || fail "backup $n while writing fails integrity_check"
	rows=$(sqlite3 "$tmp/copy$n.db" 'SELECT count(*) FROM access_requests')
	echo "f) backup $n while writing: integrity ok, $rows requests"
done
kill -0 "$poster" 2>/dev/null || fail "backup: the writes were over before the third backup (not a concurrent test)"
: >"$tmp/stop"
status=0
wait "$poster" || status=$?
[ "$status" -eq 0 ] || fail "backup: the request writer failed: $(cat "$tmp/poster.log")"
[ ! -s "$tmp/poster.log" ] || fail "backup: requests not answered 201: $(head -n 5 "$tmp/poster.log")"
created=$(wc -l <"$tmp/ids")
[ "$created" -ge 300 ] || fail "backup: only $created requests were created"
"$bin" -c "$tmp/bk.conf" backup "$tmp/final.db" >/dev/null 2>"$tmp/backup.err" || fail "final backup: $(cat "$tmp/backup.err")"
[ "$(sqlite3 "$tmp/final.db" 'PRAGMA integrity_check')" = ok ] || fail "the final backup fails integrity_check"
sqlite3 "$tmp/final.db" 'SELECT id FROM access_requests' | sort >"$tmp/rows"
sort "$tmp/ids" >"$tmp/ids.sorted"
missing=$(comm -23 "$tmp/ids.sorted" "$tmp/rows" | wc -l)
[ "$missing" -eq 0 ] || fail "the final backup lacks $missing of the $created requests answered 201"
# /metrics on the admin listener counts the same requests, by route and by status.
curl -s --max-time 5 -H "Authorization: Bearer $token" "http://127.0.0.1:$admin/metrics" >"$tmp/metrics" || fail "/metrics did not answer"
for line in "accessd_access_requests{status=\"pending\"} $created" \
	"accessd_http_requests_total{listener=\"admin\",route=\"requests.create\",code=\"2xx\"} $created" \
	'accessd_build_info{version="[^"]*"} 1' \
	'accessd_http_request_duration_seconds_bucket{listener="admin",le="+Inf"} [1-9][0-9]*' \
	'accessd_callbacks_total{classification="granted"} 0' \
	'accessd_installations{status="granted"} 0'; do
	grep -qx -- "$line" "$tmp/metrics" || fail "/metrics lacks a line matching '$line': $(cat "$tmp/metrics")"
done
stop_daemon
echo "f) backup: the final copy holds all $created requests answered 201; /metrics counts them"

# --- g) make install --------------------------------------------------------
dest=$tmp/dest
# With PREFIX=/usr the units go where systemd's pkg-config file says the
# package manager's units live (Debian 12 without it: /lib/systemd/system).
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || true)
[ -n "$unitdir" ] || unitdir=/lib/systemd/system
# -o: install what is built; never rebuild the binary from here.
make -s -o zaptec-accessd install DESTDIR="$dest" PREFIX=/usr >"$tmp/install.log" 2>&1 || fail "make install: $(cat "$tmp/install.log")"
[ -x "$dest/usr/sbin/zaptec-accessd" ] || fail "make install: no executable $dest/usr/sbin/zaptec-accessd"
cmp -s "$bin" "$dest/usr/sbin/zaptec-accessd" || fail "make install: the installed binary differs from ./zaptec-accessd"
units=$dest$unitdir
for unit in zaptec-accessd.service zaptec-accessd.socket zaptec-accessd-admin.socket; do
	[ -f "$units/$unit" ] || fail "make install: $unit is not installed in $unitdir"
done
[ ! -e "$dest/etc/systemd" ] || fail "make install: PREFIX=/usr put something under /etc/systemd"
[ "$(grep -cE '^ExecStart(Pre)?=/usr/sbin/zaptec-accessd ' "$units/zaptec-accessd.service")" -eq 2 ] ||
	fail "make install: ExecStartPre= and ExecStart= do not run /usr/sbin/zaptec-accessd"
if grep -q /usr/local "$units/zaptec-accessd.service"; then fail "make install: /usr/local is left in the service"; fi
cmp -s doc/zaptec-accessd.8 "$dest/usr/share/man/man8/zaptec-accessd.8" || fail "make install: zaptec-accessd.8 is not installed"
cmp -s doc/zaptec-accessd.conf.5 "$dest/usr/share/man/man5/zaptec-accessd.conf.5" || fail "make install: zaptec-accessd.conf.5 is not installed"
cmp -s conf/zaptec-accessd.conf "$dest/etc/zaptec-accessd/zaptec-accessd.conf" || fail "make install: the sample configuration is not installed"
echo 'lookup_key = EDITED' >>"$dest/etc/zaptec-accessd/zaptec-accessd.conf"
make -s -o zaptec-accessd install DESTDIR="$dest" PREFIX=/usr >"$tmp/install.log" 2>&1 || fail "second make install: $(cat "$tmp/install.log")"
grep -qx 'lookup_key = EDITED' "$dest/etc/zaptec-accessd/zaptec-accessd.conf" || fail "make install overwrote an edited configuration"

# The default prefix: the units under /usr/local/lib/systemd/system, which
# systemd reads too, running /usr/local/sbin/zaptec-accessd.
make -s -o zaptec-accessd install DESTDIR="$tmp/dest-local" >"$tmp/install.log" 2>&1 || fail "make install (default prefix): $(cat "$tmp/install.log")"
[ -x "$tmp/dest-local/usr/local/sbin/zaptec-accessd" ] || fail "make install (default prefix): no /usr/local/sbin/zaptec-accessd"
[ "$(grep -cE '^ExecStart(Pre)?=/usr/local/sbin/zaptec-accessd ' "$tmp/dest-local/usr/local/lib/systemd/system/zaptec-accessd.service")" -eq 2 ] ||
	fail "make install (default prefix): the service does not run /usr/local/sbin/zaptec-accessd"
echo "g) make install: sbin binary, three units in $unitdir for /usr/sbin, manual pages, the sample configuration kept once edited"
