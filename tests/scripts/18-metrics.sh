#!/bin/sh
# /metrics as Prometheus reads it: after some traffic on both listeners, the
# whole exposition passes `promtool check metrics` (Debian's prometheus
# package), and it carries accessd_build_info with the version and the
# standard process metrics with believable values: resident memory, CPU time,
# open and maximum descriptors, and a start time in the last minute.
# Needs ./zaptec-accessd built, curl, python3 and promtool.
set -eu
cd "$(dirname "$0")/../.."

bin=./zaptec-accessd
[ -x "$bin" ] || { echo "FAIL: $bin is not built"; exit 1; }
for tool in curl promtool python3; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed"; exit 1; }
done

tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	mkdir -p "${ACCESSD_TEST_LOGS:-tests/out/logs}"
	[ -e "$tmp/daemon.log" ] && cp "$tmp/daemon.log" "${ACCESSD_TEST_LOGS:-tests/out/logs}/18-metrics.log"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*"
	exit 1
}

token=metrics-test-token-0123456789abcdef0123
printf '%s\n' "$token" >"$tmp/token"
chmod 600 "$tmp/token"
cat >"$tmp/accessd.conf" <<EOF
lookup_key = METRICS
public_url = http://127.0.0.1:9
partner_name = Metrics Energy
listen = 127.0.0.1:0
admin_listen = 127.0.0.1:0
database = $tmp/accessd.db
api_token_file = $tmp/token
EOF

started=$(date +%s)
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

# Traffic, so that labelled counters and both histograms have samples.
curl -s -o /dev/null -X POST "http://127.0.0.1:$admin/api/v1/access-requests" \
	-H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{}'
curl -s -o /dev/null "http://127.0.0.1:$public/connect/AAAAAAAAAAAAAAAAAAAAAA"
curl -s -o /dev/null "http://127.0.0.1:$public/access-result/AAAAAAAAAAAAAAAAAAAAAA?success=false"
curl -s -o /dev/null "http://127.0.0.1:$admin/api/v1/events"

curl -s -D "$tmp/headers" -o "$tmp/metrics" -H "Authorization: Bearer $token" "http://127.0.0.1:$admin/metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$tmp/headers" || fail "/metrics: $(cat "$tmp/headers")"

status=0
promtool check metrics <"$tmp/metrics" >"$tmp/promtool" 2>&1 || status=$?
[ "$status" -eq 0 ] || fail "promtool check metrics exited $status: $(cat "$tmp/promtool")"

grep -q '^accessd_build_info{version="[0-9][0-9.]*"} 1$' "$tmp/metrics" || fail "no accessd_build_info with the version"
python3 - "$tmp/metrics" "$started" "$pid" <<'EOF' || fail "the process metrics are not believable (above)"
import sys, time
path, started, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
values = {}
for line in open(path):
    if line.startswith("process_"):
        name, value = line.split()
        values[name] = float(value)
want = ["process_resident_memory_bytes", "process_virtual_memory_bytes", "process_cpu_seconds_total",
        "process_open_fds", "process_max_fds", "process_start_time_seconds"]
missing = [w for w in want if w not in values]
if missing:
    sys.exit("missing: %s" % missing)
rss = int(open("/proc/%d/statm" % pid).read().split()[1]) * 4096
checks = [
    (1 << 20 < values["process_resident_memory_bytes"] < 256 << 20, "resident memory"),
    (abs(values["process_resident_memory_bytes"] - rss) < 64 << 20, "resident memory vs /proc"),
    (values["process_virtual_memory_bytes"] >= values["process_resident_memory_bytes"], "virtual memory"),
    (0 <= values["process_cpu_seconds_total"] < 60, "cpu seconds"),
    (3 <= values["process_open_fds"] < values["process_max_fds"], "open fds"),
    (started - 2 <= values["process_start_time_seconds"] <= time.time() + 1, "start time"),
]
bad = [what for ok, what in checks if not ok]
if bad:
    print("bad: %s in %s" % (bad, values))
    sys.exit(1)
EOF
echo "metrics: promtool accepts the exposition; build info and process metrics present"
