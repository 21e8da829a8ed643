#!/bin/sh
# The benchmark behind 'make bench': zaptec-accessd side by side with what a
# partner would otherwise pick, on loopback, with wrk and keep-alive.
#
#   1. /connect/{token} over 1,000 open tokens against Debian's nginx answering
#      'return 303' with a portal URL of the same length (same wrk script,
#      threads and connections; nginx runs as many workers as we run threads);
#   2. durable callbacks /access-result/{token}?success=true&installationId=..,
#      each token once, against the raw rate of one-row SQLite transactions
#      (WAL, synchronous=FULL) on the same disk, measured by sqlite_rate.c;
#      afterwards every acknowledged callback must be committed; and, for
#      comparison only, the same callbacks on a copy of the database in a
#      tmpfs (/dev/shm), where syncing costs nothing;
#   3. GET /api/v1/installations?limit=100 and ?reference=..&limit=100 on one
#      million installations;
#   4. the daemon's peak resident memory (VmHWM) and its start-up time to a
#      200 from /readyz with the million rows;
#   5. on PostgreSQL, a private server in the work directory (as
#      tests/with-postgresql.sh makes one: fsync and synchronous_commit on, on
#      the same disk as the SQLite database): 1 to 4 again, durable callbacks
#      against the server's own rate of one-row transactions at the same
#      client count (pgbench with pg_rate.sql), and two instances on that one
#      database taking callbacks together (their combined rate);
#   6. webhook deliveries (tests/bench/webhooks.py, a daemon and database of
#      their own): events per second to one endpoint, nginx answering 204
#      with keep-alive, and the time from a callback's commit to its delivery;
#   7. callbacks while the retention pass purges a million old events, next
#      to the same callbacks once the purge is done (p99 at most 2 x).
# Throughput runs are repeated (alternating ours and the reference) and the
# medians reported: a table on standard output, JSON in tests/out/bench.json.
#
# Exit status: 0 all targets met, 3 some target missed, 1 the run failed.
# Settings (environment): BENCH_ROWS (installations, 1000000; fewer for
# development runs), BENCH_ROUNDS (3), BENCH_DURATION (10 s per
# throughput run), BENCH_CALLBACK_DURATION (5 s), BENCH_LIST_DURATION (5 s),
# BENCH_CONNECTIONS (64), BENCH_LIST_CONNECTIONS (4), BENCH_CALLBACKS (open
# requests per callback round; by default sized from the raw SQLite rate, and
# on PostgreSQL from the server's rate),
# BENCH_OUT (tests/out/bench.json), BENCH_DAEMON (the binary, ./zaptec-accessd),
# BENCH_WEBHOOK_EVENTS (20000), BENCH_WEBHOOK_CALLBACKS (500),
# BENCH_KEEP=1 keeps the work directory, BENCH_PERF=1 adds a profiled run of
# each endpoint after the measured rounds and writes 'perf report' text to
# tests/out/perf-*.txt (the profiled runs are not part of the table).
set -eu

cd "$(dirname "$0")/../.."
root=$(pwd)
bench=$root/tests/bench
bin=${BENCH_DAEMON:-$root/zaptec-accessd}

rounds=${BENCH_ROUNDS:-3}
duration=${BENCH_DURATION:-10}
cb_duration=${BENCH_CALLBACK_DURATION:-5}
list_duration=${BENCH_LIST_DURATION:-5}
connections=${BENCH_CONNECTIONS:-64}
list_connections=${BENCH_LIST_CONNECTIONS:-4}
out=${BENCH_OUT:-$root/tests/out/bench.json}
rows=${BENCH_ROWS:-1000000}
threads=$(nproc)
pool_size=1000

die() {
	echo "bench: $*" >&2
	exit 1
}

for tool in nginx:/usr/sbin/nginx wrk:wrk sqlite3:sqlite3 cc:cc python3:python3 curl:curl; do
	command -v "${tool#*:}" >/dev/null ||
		die "${tool%%:*} is missing: run 'scripts/install-deps.sh bench' as root"
done
[ -x "$bin" ] || die "$bin is missing: run 'make zaptec-accessd' first"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] && [ -x "$pg_bin/pgbench" ] ||
	die "PostgreSQL's server binaries are missing: run 'scripts/install-deps.sh bench' as root"

# The work directory lives under build/ on the repository's disk, not on a
# tmpfs: the durable-write comparison must hit the same disk as a deployment.
mkdir -p "$root/build"
tmp=$(mktemp -d "$root/build/bench.XXXXXX")
results=$tmp/results
mkdir -p "$results" "$tmp/nginx"
pids=
pg=$tmp/pg
pg_started=

# Runs a PostgreSQL server command as an unprivileged user when we are root,
# since initdb and postgres refuse root.
as_server() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

# Stops a process we started: SIGTERM, up to 10 s for it to go, then SIGKILL.
# A zombie counts as gone (the daemon is not our child and init reaps it).
stop_pid() {
	kill "$1" 2>/dev/null || return 0
	i=0
	while [ $i -lt 200 ] && kill -0 "$1" 2>/dev/null; do
		state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null || echo Z)
		[ "$state" = Z ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	kill -9 "$1" 2>/dev/null || true
}

cleanup() {
	status=$?
	trap - EXIT INT TERM
	for pid in $pids; do
		stop_pid "$pid"
	done
	[ -z "$pg_started" ] || as_server "$pg_bin/pg_ctl" -D "$pg/data" -m immediate stop > /dev/null 2>&1
	[ -z "${ram:-}" ] || rm -rf "$ram"
	# A failed run keeps its logs for a look; a finished one leaves nothing.
	if [ -n "${BENCH_KEEP:-}" ] || { [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; }; then
		echo "bench: work directory kept: $tmp" >&2
	else
		rm -rf "$tmp"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fact() {
	echo "$1=$2" >> "$results/facts"
}

# Runs wrk with paths.lua: wrk_run URL PATHS OUT THREADS CONNECTIONS SECONDS [ONCE]
wrk_run() {
	BENCH_PATHS=$2 BENCH_OUT=$3 BENCH_THREADS=$4 BENCH_ONCE=${7:-0} BENCH_AUTH=${auth:-} \
		wrk -t"$4" -c"$5" -d"$6"s --timeout 10s -s "$bench/paths.lua" "$1" > "$3.txt" ||
		die "wrk failed against $1; see $3.txt"
	[ -s "$3" ] || die "wrk wrote no summary for $1"
}

# Saves the writer's counters from /metrics (jobs, commits, WAL pages, busy
# time) to OUT, so the report can say what one callback costs the writer:
# writer_metrics OUT [ADMIN_PORT]
writer_metrics() {
	curl -sf -H "Authorization: Bearer $(cat "$tmp/token")" "http://127.0.0.1:${2:-$admin_port}/metrics" |
		grep '^accessd_db_' > "$1" || die "could not read /metrics"
}

# Counts the callbacks a round's wrk summaries acknowledged (a 2xx/3xx answer
# counts; answers still in flight at the end may add more) and compares them
# with the grants committed: durable_check KEY ROUND COMMITTED SUMMARY...
durable_check() {
	key=$1
	round=$2
	committed=$3
	shift 3
	acknowledged=$(python3 -c '
import json, sys
print(sum(s["requests"] - s["errors"]["status"] for s in map(json.load, map(open, sys.argv[1:]))))' "$@")
	fact "${key}_round_$round" "acknowledged $acknowledged, committed $committed"
	if [ "$committed" -lt "$acknowledged" ]; then
		fact "${key}_durable" no
		fact "${key}_check" "round $round: acknowledged $acknowledged, committed $committed"
	fi
}

# psql on the bench's PostgreSQL server: pg_sql DATABASE ARGS...
pg_sql() {
	db=$1
	shift
	"$pg_bin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$pg" -U accessd -d "$db" "$@"
}

# One-row transactions on the PostgreSQL server for SECONDS, from as many
# clients as wrk opens, into a fresh table: pg_rate SECONDS OUT. OUT gets
# sqlite_rate.c's JSON: {"rows": N, "seconds": S, "rate": N/S}.
pg_rate() {
	pg_sql rate -c 'TRUNCATE rate_rows' || die "could not empty rate_rows"
	"$pg_bin/pgbench" -n -h "$pg" -U accessd -c "$connections" -j "$threads" -T "$1" \
		-f "$bench/pg_rate.sql" rate > "$2.txt" 2>&1 || die "pgbench failed; see $2.txt"
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$2.txt")
	done_rows=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$2.txt")
	[ -n "$tps" ] && [ -n "$done_rows" ] || die "pgbench printed no rate; see $2.txt"
	printf '{"rows": %s, "seconds": %s, "rate": %s}\n' "$done_rows" "$1" "$tps" > "$2"
}

# Polls URL until it answers STATUS, for at most 10 s.
wait_for() {
	i=0
	while [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" != "$2" ]; do
		i=$((i + 1))
		[ $i -lt 200 ] || die "$1 did not answer $2 within 10 s"
		sleep 0.05
	done
}

echo "bench: work directory $tmp"
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$tmp/sqlite_rate" \
	"$bench/sqlite_rate.c" -lsqlite3

set -- $(python3 "$bench/helper.py" free-ports 10)
public_port=$1
admin_port=$2
nginx_port=$3
ram_public_port=$4
ram_admin_port=$5
hook_port=$6
pg_public_port=$7
pg_admin_port=$8
pg2_public_port=$9
pg2_admin_port=${10}

# The daemon's configuration. The values are URL-safe, so the portal URL's
# length depends only on the public port, and nginx is given a real one.
partner=Bench-Partner
(umask 077 && od -An -tx1 -N24 /dev/urandom | tr -d ' \n' > "$tmp/token")
auth=
cat > "$tmp/accessd.conf" <<EOF
lookup_key = BNCH
public_url = http://127.0.0.1:$public_port
partner_name = $partner
listen = 127.0.0.1:$public_port
admin_listen = 127.0.0.1:$admin_port
database = $tmp/accessd.db
api_token_file = $tmp/token
threads = $threads
log_level = warn
EOF
fact threads "$threads"
fact load "wrk -t$threads -c$connections"
fact list_load "wrk -t$threads -c$list_connections"
fact duration_s "$duration"
fact callback_duration_s "$cb_duration"
fact list_duration_s "$list_duration"
fact rounds "$rounds"
# Other work on the machine skews every number; the report says how busy it was.
fact loadavg_start "$(cut -d' ' -f1 /proc/loadavg)"

"$bin" -c "$tmp/accessd.conf" migrate > "$tmp/migrate.log" 2>&1 ||
	die "migrate failed: $(cat "$tmp/migrate.log")"

echo "bench: building $rows installations"
sqlite3 -cmd ".parameter set :rows $rows" "$tmp/accessd.db" < "$bench/installations.sql" > /dev/null
fact installations "$(sqlite3 "$tmp/accessd.db" 'SELECT count(*) FROM installations')"

# Enough open requests that no callback round runs dry below 1.5 times the
# target rate (5 x raw SQLite), from a one-second calibration of that rate.
if [ -n "${BENCH_CALLBACKS:-}" ]; then
	callbacks=$BENCH_CALLBACKS
else
	calibration=$("$tmp/sqlite_rate" "$tmp/calibrate.db" 1)
	callbacks=$(echo "$calibration" | python3 -c '
import json, sys
r = json.load(sys.stdin)["rate"]
print(min(600000, max(20000, int(r * 5 * 1.5 * float(sys.argv[1])))))' "$cb_duration")
	rm -f "$tmp"/calibrate.db*
fi
fact callbacks_per_round "$callbacks"
# One pool a round, two for the purge's rounds, and one more for the profiled run.
purge_pool=$((rounds + 1))
calm_pool=$((rounds + 2))
pools=$((rounds + 2))
[ -z "${BENCH_PERF:-}" ] || pools=$((rounds + 3))
echo "bench: opening $callbacks access requests per callback round"
python3 "$bench/helper.py" open-requests --db "$tmp/accessd.db" --count "$callbacks" \
	--rounds "$pools" --partner "$partner" --prefix "$tmp/callbacks"
sqlite3 "$tmp/accessd.db" 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null

# The same daemon on a copy of the database in a tmpfs, where an fsync costs
# nothing: not durable, so no reference for the target, but it shows how much
# of a callback is the disk and how much the CPU. Every token is open there
# too, so it takes the same callback paths.
ram=
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	ram=$(mktemp -d /dev/shm/accessd-bench.XXXXXX)
	cp "$tmp/accessd.db" "$ram/accessd.db"
	sed -e "s|^listen = .*|listen = 127.0.0.1:$ram_public_port|" \
		-e "s|^admin_listen = .*|admin_listen = 127.0.0.1:$ram_admin_port|" \
		-e "s|^database = .*|database = $ram/accessd.db|" "$tmp/accessd.conf" > "$tmp/ram.conf"
	python3 "$bench/helper.py" start-daemon --bin "$bin" --conf "$tmp/ram.conf" \
		--admin "127.0.0.1:$ram_admin_port" --log "$tmp/ram.log" > "$tmp/ram-start.json"
	ram_daemon=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])' < "$tmp/ram-start.json")
	pids="$pids $ram_daemon"
fi

# Start-up to ready with the million rows, a few times; the last one stays up.
echo "bench: starting the daemon"
r=1
while [ $r -le "$rounds" ]; do
	python3 "$bench/helper.py" start-daemon --bin "$bin" --conf "$tmp/accessd.conf" \
		--admin "127.0.0.1:$admin_port" --log "$tmp/accessd.log" > "$results/startup-$r.json"
	daemon=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])' \
		< "$results/startup-$r.json")
	pids="$pids $daemon"
	[ $r -eq "$rounds" ] || stop_pid "$daemon"
	r=$((r + 1))
done

echo "bench: creating $pool_size access requests through the admin API"
python3 "$bench/helper.py" create-requests --admin "127.0.0.1:$admin_port" \
	--token-file "$tmp/token" --count "$pool_size" --paths "$tmp/pool.paths" \
	--portal "$tmp/portal.url"
portal=$(cat "$tmp/portal.url")

# The PostgreSQL server, made as tests/with-postgresql.sh makes one, in the
# work directory so that it writes to the same disk as the SQLite database.
echo "bench: starting PostgreSQL"
mkdir "$pg"
chmod 0755 "$tmp" "$pg"
[ "$(id -u)" -ne 0 ] || chown nobody:nogroup "$pg"
as_server "$pg_bin/initdb" -D "$pg/data" -U accessd --auth=trust -E UTF8 --locale=C \
	> "$pg/initdb.log" 2>&1 || die "initdb failed: $(tail -n 5 "$pg/initdb.log")"
cat >> "$pg/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$pg'
fsync = on
synchronous_commit = on
max_connections = 300
EOF
pg_started=1
as_server "$pg_bin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 60 start > /dev/null ||
	die "PostgreSQL did not start: $(tail -n 5 "$pg/server.log")"
"$pg_bin/createdb" -h "$pg" -U accessd accessd || die "createdb accessd failed"
"$pg_bin/createdb" -h "$pg" -U accessd rate || die "createdb rate failed"
fact postgresql "$(pg_sql accessd -c 'SHOW server_version')"
pg_sql rate -c 'CREATE TABLE rate_rows (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at BIGINT NOT NULL, reference TEXT NOT NULL, detail TEXT NOT NULL)' || die "could not make rate_rows"

# Two instances on the one database, each with ports of its own:
# pg_conf NAME PUBLIC_PORT ADMIN_PORT writes NAME.conf.
pg_conf() {
	sed -e "s|^public_url = .*|public_url = http://127.0.0.1:$2|" \
		-e "s|^listen = .*|listen = 127.0.0.1:$2|" \
		-e "s|^admin_listen = .*|admin_listen = 127.0.0.1:$3|" \
		-e "s|^database = .*|database = postgresql:///accessd?host=$pg\&user=accessd|" \
		"$tmp/accessd.conf" > "$tmp/$1.conf"
}
pg_conf pg "$pg_public_port" "$pg_admin_port"
pg_conf pg2 "$pg2_public_port" "$pg2_admin_port"
"$bin" -c "$tmp/pg.conf" migrate > "$tmp/pg-migrate.log" 2>&1 ||
	die "migrate on PostgreSQL failed: $(cat "$tmp/pg-migrate.log")"
echo "bench: building $rows installations on PostgreSQL"
pg_sql accessd -v rows="$rows" -f "$bench/installations-pg.sql" > /dev/null ||
	die "could not build the installations on PostgreSQL"
fact pg_installations "$(pg_sql accessd -c 'SELECT count(*) FROM installations')"

# Open requests for a single instance's rounds and then the two instances'
# rounds, sized from a one-second calibration of the server's rate so that
# no round runs dry below 1.5 times the target (3 x the server's rate).
if [ -n "${BENCH_CALLBACKS:-}" ]; then
	pg_callbacks=$BENCH_CALLBACKS
else
	pg_rate 1 "$tmp/pg-calibrate.json"
	pg_callbacks=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["rate"]
print(min(600000, max(20000, int(r * 3 * 1.5 * float(sys.argv[2])))))' "$tmp/pg-calibrate.json" "$cb_duration")
fi
fact pg_callbacks_per_round "$pg_callbacks"
echo "bench: opening $pg_callbacks access requests per callback round on PostgreSQL"
python3 "$bench/helper.py" open-requests --copy "$tmp/pg-requests.copy" --count "$pg_callbacks" \
	--rounds $((2 * rounds)) --partner "$partner" --prefix "$tmp/pg-callbacks"
columns="id, token_hash, reference, installation_type, partner_name, lang, status, created_at, expires_at"
pg_sql accessd -c "\\copy access_requests ($columns) FROM '$tmp/pg-requests.copy'" ||
	die "could not copy the open requests into PostgreSQL"
rm -f "$tmp/pg-requests.copy"
pg_sql accessd -c 'VACUUM ANALYZE access_requests' || die "VACUUM ANALYZE failed"

echo "bench: starting the daemon on PostgreSQL"
r=1
while [ $r -le "$rounds" ]; do
	python3 "$bench/helper.py" start-daemon --bin "$bin" --conf "$tmp/pg.conf" \
		--admin "127.0.0.1:$pg_admin_port" --log "$tmp/pg.log" > "$results/startup-pg-$r.json"
	pg_daemon=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])' \
		< "$results/startup-pg-$r.json")
	pids="$pids $pg_daemon"
	[ $r -eq "$rounds" ] || stop_pid "$pg_daemon"
	r=$((r + 1))
done
python3 "$bench/helper.py" start-daemon --bin "$bin" --conf "$tmp/pg2.conf" \
	--admin "127.0.0.1:$pg2_admin_port" --log "$tmp/pg2.log" > "$tmp/pg2-start.json"
pids="$pids $(python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])' < "$tmp/pg2-start.json")"
python3 "$bench/helper.py" create-requests --admin "127.0.0.1:$pg_admin_port" \
	--token-file "$tmp/token" --count "$pool_size" --paths "$tmp/pg-pool.paths" \
	--portal "$tmp/pg-portal.url"
case $portal in
*[\"\$\\\;{}' ']*) die "portal URL has characters nginx would need escaped: $portal" ;;
esac

cat > "$tmp/nginx/nginx.conf" <<EOF
daemon off;
worker_processes $threads;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	server_tokens off;
	# Our daemon serves any number of requests on a connection; so does nginx here.
	keepalive_requests 1000000;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	server {
		listen 127.0.0.1:$nginx_port;
		location / { return 303 "$portal"; }
	}
	# The fast webhook receiver: every delivery accepted, nothing else done.
	server {
		listen 127.0.0.1:$hook_port;
		location / { return 204; }
	}
}
EOF
/usr/sbin/nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" 2> "$tmp/nginx/stderr.log" &
pids="$pids $!"
first=$(head -n 1 "$tmp/pool.paths")
wait_for "http://127.0.0.1:$nginx_port$first" 303

ours_location=$(curl -s -o /dev/null -w '%{redirect_url}' "http://127.0.0.1:$public_port$first")
nginx_location=$(curl -s -o /dev/null -w '%{redirect_url}' "http://127.0.0.1:$nginx_port$first")
[ -n "$ours_location" ] || die "GET $first did not redirect"
fact portal_url_length "${#ours_location}"
fact nginx_url_length "${#nginx_location}"
[ "${#ours_location}" -eq "${#nginx_location}" ] ||
	die "portal URLs differ in length: ours ${#ours_location}, nginx ${#nginx_location}"
pg_first=$(head -n 1 "$tmp/pg-pool.paths")
pg_location=$(curl -s -o /dev/null -w '%{redirect_url}' "http://127.0.0.1:$pg_public_port$pg_first")
[ "${#pg_location}" -eq "${#nginx_location}" ] ||
	die "portal URLs differ in length: PostgreSQL ${#pg_location}, nginx ${#nginx_location}"

# Warm-up: opens every pooled token once (the first open is a write), so the
# measured runs see the steady state of a campaign's repeated clicks.
wrk_run "http://127.0.0.1:$public_port" "$tmp/pool.paths" "$tmp/warm-ours.json" \
	"$threads" "$connections" 2
wrk_run "http://127.0.0.1:$nginx_port" "$tmp/pool.paths" "$tmp/warm-nginx.json" \
	"$threads" "$connections" 2
wrk_run "http://127.0.0.1:$pg_public_port" "$tmp/pg-pool.paths" "$tmp/warm-pg.json" \
	"$threads" "$connections" 2

sqlite3 "$tmp/accessd.db" "SELECT DISTINCT reference FROM installations
	WHERE seq IN (SELECT abs(random()) % $rows + 1 FROM generate_series(1, 1000))" |
	sed 's|^|/api/v1/installations?reference=|; s|$|\&limit=100|' > "$tmp/reference.paths" ||
	die "could not pick references"
pg_sql accessd -c "SELECT DISTINCT reference FROM installations
	WHERE seq IN (SELECT floor(random() * $rows)::bigint + 1 FROM generate_series(1, 1000))" |
	sed 's|^|/api/v1/installations?reference=|; s|$|\&limit=100|' > "$tmp/pg-reference.paths" ||
	die "could not pick references on PostgreSQL"
echo "/api/v1/installations?limit=100" > "$tmp/list.paths"

r=1
while [ $r -le "$rounds" ]; do
	echo "bench: round $r of $rounds"
	# Alternate who goes first, so neither side always runs on a warmer machine.
	if [ $((r % 2)) -eq 1 ]; then order="ours nginx pg"; else order="pg nginx ours"; fi
	for side in $order; do
		case $side in
		ours) port=$public_port paths=$tmp/pool.paths ;;
		nginx) port=$nginx_port paths=$tmp/pool.paths ;;
		pg) port=$pg_public_port paths=$tmp/pg-pool.paths ;;
		esac
		wrk_run "http://127.0.0.1:$port" "$paths" "$results/connect-$side-$r.json" \
			"$threads" "$connections" "$duration"
	done

	if [ $((r % 2)) -eq 1 ]; then order="ours raw"; else order="raw ours"; fi
	for side in $order; do
		if [ "$side" = ours ]; then
			writer_metrics "$results/writer-before-$r.txt"
			wrk_run "http://127.0.0.1:$public_port" "$tmp/callbacks-$r.paths" \
				"$results/callback-ours-$r.json" "$threads" "$connections" "$cb_duration" 1
			writer_metrics "$results/writer-after-$r.txt"
			fact "wal_bytes_round_$r" "$(stat -c %s "$tmp/accessd.db-wal" 2>/dev/null || echo 0)"
		else
			"$tmp/sqlite_rate" "$tmp/raw.db" "$cb_duration" > "$results/callback-raw-$r.json"
			rm -f "$tmp"/raw.db*
		fi
	done
	if [ -n "$ram" ]; then
		wrk_run "http://127.0.0.1:$ram_public_port" "$tmp/callbacks-$r.paths" \
			"$results/callback-ram-$r.json" "$threads" "$connections" "$cb_duration" 1
	fi
	# Every acknowledged callback must be in the database.
	durable_check callback "$r" "$(sqlite3 "$tmp/accessd.db" "SELECT count(*) FROM access_requests
		WHERE reference LIKE 'bench-cb-$r-%' AND status = 'granted'")" \
		"$results/callback-ours-$r.json"


	# On PostgreSQL: one instance against the server's own rate, alternating,
	# then both instances at once, each wrk with one thread and half the
	# connections, on tokens of a pool of their own split between them.
	if [ $((r % 2)) -eq 1 ]; then order="pg pgraw"; else order="pgraw pg"; fi
	for side in $order; do
		if [ "$side" = pg ]; then
			writer_metrics "$results/pg-writer-before-$r.txt" "$pg_admin_port"
			wrk_run "http://127.0.0.1:$pg_public_port" "$tmp/pg-callbacks-$r.paths" \
				"$results/callback-pg-$r.json" "$threads" "$connections" "$cb_duration" 1
			writer_metrics "$results/pg-writer-after-$r.txt" "$pg_admin_port"
		else
			pg_rate "$cb_duration" "$results/callback-pgraw-$r.json"
		fi
	done
	pair=$((rounds + r))
	awk 'NR % 2 == 1' "$tmp/pg-callbacks-$pair.paths" > "$tmp/pair-a.paths"
	awk 'NR % 2 == 0' "$tmp/pg-callbacks-$pair.paths" > "$tmp/pair-b.paths"
	wrk_run "http://127.0.0.1:$pg_public_port" "$tmp/pair-a.paths" "$results/callback-pair-a-$r.json" \
		1 $((connections / 2)) "$cb_duration" 1 &
	pair_a=$!
	wrk_run "http://127.0.0.1:$pg2_public_port" "$tmp/pair-b.paths" "$results/callback-pair-b-$r.json" \
		1 $((connections / 2)) "$cb_duration" 1
	wait "$pair_a" || die "wrk against the first of two instances failed"
	durable_check pg_callback "$r" "$(pg_sql accessd -c "SELECT count(*) FROM access_requests
		WHERE reference LIKE 'bench-cb-$r-%' AND status = 'granted'")" \
		"$results/callback-pg-$r.json"
	durable_check pair_callback "$r" "$(pg_sql accessd -c "SELECT count(*) FROM access_requests
		WHERE reference LIKE 'bench-cb-$pair-%' AND status = 'granted'")" \
		"$results/callback-pair-a-$r.json" "$results/callback-pair-b-$r.json"

	auth=$(cat "$tmp/token")
	for side in ours pg; do
		if [ "$side" = ours ]; then
			port=$admin_port references=$tmp/reference.paths
		else
			port=$pg_admin_port references=$tmp/pg-reference.paths
		fi
		wrk_run "http://127.0.0.1:$port" "$tmp/list.paths" "$results/list-$side-$r.json" \
			"$threads" "$list_connections" "$list_duration"
		wrk_run "http://127.0.0.1:$port" "$references" \
			"$results/reference-$side-$r.json" "$threads" "$list_connections" "$list_duration"
	done
	auth=
	r=$((r + 1))
done
for key in callback pg_callback pair_callback; do
	grep -q "^${key}_durable=" "$results/facts" || fact "${key}_durable" yes
done
[ -z "$ram" ] || stop_pid "$ram_daemon"

# Profiles one more run of an endpoint with perf, while wrk loads it:
# profile NAME PORT PATHS CONNECTIONS [ONCE]
profile() {
	perf record -F 999 -g -p "$daemon" -o "$tmp/perf-$1.data" -- sleep "$duration" \
		> "$tmp/perf-$1.log" 2>&1 &
	perf_pid=$!
	wrk_run "http://127.0.0.1:$2" "$3" "$tmp/profile-$1.json" "$threads" "$4" "$duration" "${5:-0}"
	wait "$perf_pid" || die "perf record failed: $(cat "$tmp/perf-$1.log")"
	perf report -i "$tmp/perf-$1.data" --stdio --no-children --percent-limit 0.5 \
		> "$(dirname "$out")/perf-$1.txt" 2> /dev/null
	echo "bench: wrote $(dirname "$out")/perf-$1.txt"
}
if [ -n "${BENCH_PERF:-}" ]; then
	command -v perf > /dev/null || die "perf is missing: install linux-perf"
	mkdir -p "$(dirname "$out")"
	profile connect "$public_port" "$tmp/pool.paths" "$connections"
	profile callback "$public_port" "$tmp/callbacks-$((rounds + 3)).paths" "$connections" 1
	auth=$(cat "$tmp/token")
	profile installations "$admin_port" "$tmp/reference.paths" "$list_connections"
	auth=
fi


# The events purged so far, from /metrics (0 before the first batch).
purged_events() {
	curl -sf -H "Authorization: Bearer $(cat "$tmp/token")" "http://127.0.0.1:$admin_port/metrics" |
		sed -n 's/^accessd_purged_total{kind="events"} \([0-9]*\)$/\1/p'
}

# Callbacks while a million old events are purged: the daemon is stopped, the
# events are added, and at its start the retention pass begins at once; one
# callback round runs meanwhile, then, once the purge is done, the same round
# again for comparison.
echo "bench: a million events older than event_retention"
hwm_rounds=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$daemon/status")
stop_pid "$daemon"
sqlite3 "$tmp/accessd.db" < "$bench/old_events.sql" > /dev/null
sqlite3 "$tmp/accessd.db" 'PRAGMA wal_checkpoint(TRUNCATE)' > /dev/null
python3 "$bench/helper.py" start-daemon --bin "$bin" --conf "$tmp/accessd.conf" \
	--admin "127.0.0.1:$admin_port" --log "$tmp/accessd.log" > "$tmp/purge-start.json"
daemon=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])' < "$tmp/purge-start.json")
pids="$pids $daemon"
wrk_run "http://127.0.0.1:$public_port" "$tmp/callbacks-$purge_pool.paths" \
	"$results/purge-during-1.json" "$threads" "$connections" "$cb_duration" 1
during=$(purged_events)
fact purged_when_round_ended "${during:-0}"
i=0
while [ "$(purged_events)" != 1000000 ]; do
	i=$((i + 1))
	[ $i -lt 6000 ] || die "the purge did not finish within 10 minutes; see $tmp/accessd.log"
	sleep 0.1
done
fact purge_seconds "$(python3 -c 'import json, sys, time
print(round(time.time() - json.load(open(sys.argv[1]))["started"], 1))' "$tmp/purge-start.json")"
wrk_run "http://127.0.0.1:$public_port" "$tmp/callbacks-$calm_pool.paths" \
	"$results/purge-calm-1.json" "$threads" "$connections" "$cb_duration" 1
fact events_left "$(sqlite3 "$tmp/accessd.db" 'SELECT count(*) FROM events')"
fact vmhwm_purge_kib "$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$daemon/status")"

kill -0 "$daemon" 2>/dev/null || die "the daemon died during the run; see $tmp/accessd.log"
hwm=$hwm_rounds
[ -n "$hwm" ] || die "could not read VmHWM of $daemon"
fact vmhwm_kib "$hwm"
kill -0 "$pg_daemon" 2>/dev/null || die "the daemon on PostgreSQL died during the run; see $tmp/pg.log"
hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$pg_daemon/status")
[ -n "$hwm" ] || die "could not read VmHWM of $pg_daemon"
fact pg_vmhwm_kib "$hwm"

echo "bench: webhook deliveries"
python3 "$bench/webhooks.py" --bin "$bin" --dir "$tmp" --hook-url "http://127.0.0.1:$hook_port/hook" \
	--events "${BENCH_WEBHOOK_EVENTS:-20000}" --callbacks "${BENCH_WEBHOOK_CALLBACKS:-500}" \
	--out "$results/webhooks.json" > "$tmp/webhooks.log" 2>&1 ||
	die "the webhook bench failed: $(tail -n 5 "$tmp/webhooks.log")"
fact loadavg_end "$(cut -d' ' -f1 /proc/loadavg)"

echo
python3 "$bench/helper.py" report --results "$results" --tmpdir "$tmp" --out "$out"
