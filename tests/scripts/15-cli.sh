#!/bin/sh
# The command line against a real database: installations (table, --status,
# --json, bad options), backup (a checked copy; an existing target refused),
# every command's --help, -c without a file, the shipped sample refused with
# the keys to set, check-config naming the file and line of an unknown key,
# purge (the counts it prints, what it leaves), and --version.
# Needs ./zaptec-accessd built, python3 and the sqlite3 shell.
set -eu
cd "$(dirname "$0")/../.."

bin=./zaptec-accessd
[ -x "$bin" ] || { echo "FAIL: $bin is not built (run make zaptec-accessd)"; exit 1; }
command -v sqlite3 >/dev/null || { echo "FAIL: the sqlite3 shell is not installed"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

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
lookup_key = TEST
public_url = http://127.0.0.1:8080
partner_name = Test Energy
database = $tmp/a.db
api_token_file = $tmp/token
listen = 127.0.0.1:0
admin_listen = 127.0.0.1:0
EOF
printf 'test-token-0123456789abcdef0123456789\n' >"$tmp/token"
chmod 600 "$tmp/token"

run "$bin" -c "$conf" migrate
[ "$status" -eq 0 ] || fail "migrate exited $status: $(cat "$tmp/err")"

granted=6f2a1c4e-0b7d-4c39-9a51-2d8e3f4b5a61
revoked=0c9d8e7f-6a5b-4c3d-8e1f-a2b3c4d5e6f7
sqlite3 "$tmp/a.db" <<EOF
INSERT INTO installations (installation_id, status, installation_type, reference, request_id,
	granted_at, updated_at, revoked_at)
VALUES ('$granted', 'granted', 1, 'customer-42', NULL, 1700000000, 1700000100, NULL),
       ('$revoked', 'revoked', 0, NULL, NULL, 1700000000, 1700000200, 1700000200);
INSERT INTO events (at, type, installation_id, reference, detail)
VALUES (1700000000, 'callback.granted', '$granted', 'customer-42', '{}'),
       (1700000200, 'installation.revoked', '$revoked', NULL, '{"source":"api"}');
EOF

# The table: a header, both installations, the most recently updated first.
run "$bin" -c "$conf" installations
[ "$status" -eq 0 ] || fail "installations exited $status: $(cat "$tmp/err")"
head -n 1 "$tmp/out" | grep -q '^INSTALLATION ID  *STATUS  *TYPE  *REFERENCE  *UPDATED$' \
	|| fail "installations: no table header in: $(cat "$tmp/out")"
[ "$(wc -l <"$tmp/out")" -eq 3 ] || fail "installations: expected 3 lines, got: $(cat "$tmp/out")"
sed -n 2p "$tmp/out" | grep -q "^$revoked  *revoked  *pro  *-  *2023-11-14T22:16:40Z$" \
	|| fail "installations: the revoked (newest) row is not first or wrong: $(cat "$tmp/out")"
sed -n 3p "$tmp/out" | grep -q "^$granted  *granted  *go  *customer-42  *2023-11-14T22:15:00Z$" \
	|| fail "installations: the granted row is wrong: $(cat "$tmp/out")"
# Columns line up: UPDATED starts at the same offset on every line.
offsets=$(awk '{ print index($0, $NF) }' "$tmp/out" | sort -u | wc -l)
[ "$offsets" -eq 1 ] || fail "installations: the UPDATED column is not aligned: $(cat "$tmp/out")"

run "$bin" -c "$conf" installations --status granted
[ "$status" -eq 0 ] || fail "installations --status granted exited $status: $(cat "$tmp/err")"
grep -q "$granted" "$tmp/out" || fail "--status granted: the granted installation is missing"
if grep -q "$revoked" "$tmp/out"; then fail "--status granted: the revoked installation is listed"; fi

run "$bin" -c "$conf" installations --json
[ "$status" -eq 0 ] || fail "installations --json exited $status: $(cat "$tmp/err")"
count=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <"$tmp/out") \
	|| fail "installations --json: not valid JSON: $(cat "$tmp/out")"
[ "$count" -eq 2 ] || fail "installations --json: expected 2 items, got $count"
python3 - "$tmp/out" "$granted" <<'EOF' || fail "installations --json: wrong objects: $(cat "$tmp/out")"
import json, sys
items = json.load(open(sys.argv[1]))
by_id = {i["installationId"]: i for i in items}
g = by_id[sys.argv[2]]
assert g["status"] == "granted" and g["reference"] == "customer-42", g
assert g["installationType"] == "go" and g["updatedAt"] == "2023-11-14T22:15:00Z", g
assert items[0]["status"] == "revoked" and items[0]["revokedAt"] == "2023-11-14T22:16:40Z", items[0]
EOF

run "$bin" -c "$conf" installations --status revoked --json
[ "$status" -eq 0 ] || fail "installations --status revoked --json exited $status"
count=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <"$tmp/out") \
	|| fail "installations --status revoked --json: not valid JSON: $(cat "$tmp/out")"
[ "$count" -eq 1 ] || fail "--status revoked --json: expected 1 item, got $count"

run "$bin" -c "$conf" installations --status verifying --json
count=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <"$tmp/out") \
	|| fail "an empty --json listing is not valid JSON: $(cat "$tmp/out")"
[ "$count" -eq 0 ] || fail "--status verifying --json: expected no items, got $count"

for bad in "--bogus" "--status" "--status sleeping" "extra"; do
	# shellcheck disable=SC2086 # the words of $bad are separate arguments
	run "$bin" -c "$conf" installations $bad
	[ "$status" -eq 2 ] || fail "installations $bad exited $status, expected 2"
	grep -q 'usage:' "$tmp/err" || fail "installations $bad: no usage message on stderr"
done

# Backup: a checked copy holding every row.
run "$bin" -c "$conf" backup "$tmp/copy.db"
[ "$status" -eq 0 ] || fail "backup exited $status: $(cat "$tmp/err")"
grep -q "^$tmp/copy.db: [0-9][0-9]* bytes, schema version [0-9][0-9]*$" "$tmp/out" \
	|| fail "backup printed: $(cat "$tmp/out")"
[ ! -e "$tmp/copy.db.tmp" ] || fail "backup left its temporary file behind"
[ "$(sqlite3 "$tmp/copy.db" 'SELECT count(*) FROM installations')" -eq 2 ] \
	|| fail "backup: the copy does not hold both installations"
[ "$(sqlite3 "$tmp/copy.db" 'SELECT count(*) FROM events')" -eq \
	"$(sqlite3 "$tmp/a.db" 'SELECT count(*) FROM events')" ] || fail "backup: the copy's events differ"
[ "$(sqlite3 "$tmp/copy.db" 'PRAGMA integrity_check')" = ok ] || fail "backup: the copy fails integrity_check"

before=$(cksum <"$tmp/copy.db")
run "$bin" -c "$conf" backup "$tmp/copy.db"
[ "$status" -eq 2 ] || fail "backup onto an existing file exited $status, expected 2"
grep -q 'exists' "$tmp/err" || fail "backup onto an existing file: no message: $(cat "$tmp/err")"
[ "$(cksum <"$tmp/copy.db")" = "$before" ] || fail "backup onto an existing file changed it"

run "$bin" -c "$conf" backup
[ "$status" -eq 2 ] || fail "backup without a file exited $status, expected 2"

# Every command answers --help with its own usage on stdout, exit 0, and runs nothing.
for cmd in serve check-config migrate link installations backup purge; do
	run "$bin" -c /nonexistent/accessd.conf "$cmd" --help
	[ "$status" -eq 0 ] || fail "$cmd --help exited $status: $(cat "$tmp/err")"
	head -n 1 "$tmp/out" | grep -q "^usage: zaptec-accessd \[-c FILE\] \[*$cmd" \
		|| fail "$cmd --help does not start with its usage: $(cat "$tmp/out")"
	[ "$(grep -c 'usage:' "$tmp/out")" -eq 1 ] || fail "$cmd --help printed more than its own usage: $(cat "$tmp/out")"
	[ ! -s "$tmp/err" ] || fail "$cmd --help wrote to stderr: $(cat "$tmp/err")"
done
run "$bin" link --type pro --help
[ "$status" -eq 0 ] && grep -q -- '--installation-id G' "$tmp/out" || fail "link --type pro --help: $status $(cat "$tmp/out")"
run "$bin" --help
[ "$status" -eq 0 ] && grep -q 'COMMAND --help' "$tmp/out" || fail "--help does not mention COMMAND --help"

# -c without a file is a usage error that names -c, not an unknown option.
run "$bin" -c
[ "$status" -eq 2 ] || fail "-c without a file exited $status, expected 2"
grep -q '^zaptec-accessd: -c needs a configuration FILE$' "$tmp/err" || fail "-c without a file: $(cat "$tmp/err")"
grep -q 'unknown option' "$tmp/err" && fail "-c without a file is called an unknown option"
run "$bin" -c ''
[ "$status" -eq 2 ] && grep -q -- '-c needs' "$tmp/err" || fail "-c '': $status $(cat "$tmp/err")"

# The shipped sample has the required keys commented out: it must not start,
# and the refusal names every key to set.
run "$bin" -c conf/zaptec-accessd.conf check-config
[ "$status" -eq 2 ] || fail "check-config on the shipped sample exited $status, expected 2"
grep -q '^zaptec-accessd: conf/zaptec-accessd.conf: required keys lookup_key, public_url and partner_name are missing$' \
	"$tmp/err" || fail "the shipped sample's refusal does not name the keys: $(cat "$tmp/err")"
grep -q 'BSJG' conf/zaptec-accessd.conf && fail "the shipped sample holds Zaptec's example key BSJG"
for key in lookup_key public_url partner_name; do
	grep -q "^#$key = " conf/zaptec-accessd.conf || fail "the sample does not show $key commented out"
done

# check-config names the file and line of an unknown key.
bad=$tmp/bad.conf
cp "$conf" "$bad"
printf 'no_such_key = 1\n' >>"$bad"
line=$(wc -l <"$bad")
run "$bin" -c "$bad" check-config
[ "$status" -eq 2 ] || fail "check-config with an unknown key exited $status, expected 2"
grep -q "$bad:$line" "$tmp/err" || fail "check-config did not name $bad:$line: $(cat "$tmp/err")"
run "$bin" -c "$conf" check-config
[ "$status" -eq 0 ] || fail "check-config on a good file exited $status: $(cat "$tmp/err")"

version=$(sed -n 's/^VERSION *:= *//p' Makefile)
run "$bin" --version
[ "$status" -eq 0 ] || fail "--version exited $status"
[ "$(cat "$tmp/out")" = "zaptec-accessd $version" ] || fail "--version printed: $(cat "$tmp/out")"

# purge with the default retentions: events older than 90 days, a rejected
# callback older than 30, a request that ended 100 days ago and an
# installation revoked in 2023 go; a fresh event, an open request and the
# granted installation stay.
now=$(date +%s)
sqlite3 "$tmp/a.db" <<EOF
INSERT INTO events (at, type, detail) VALUES ($now - 40 * 86400, 'callback.unknown', '{}'),
	($now, 'request.created', '{}');
INSERT INTO access_requests (id, token_hash, reference, installation_type, partner_name, lang,
	status, created_at, expires_at, completed_at, result_success)
VALUES ('11111111-1111-4111-8111-111111111111', x'01', 'customer-old', 1, 'P', 'en', 'denied',
	$now - 101 * 86400, $now - 94 * 86400, $now - 100 * 86400, 0),
       ('22222222-2222-4222-8222-222222222222', x'02', 'customer-new', 1, 'P', 'en', 'pending',
	$now, $now + 86400, NULL, NULL);
EOF
run "$bin" -c "$conf" purge
[ "$status" -eq 0 ] || fail "purge exited $status: $(cat "$tmp/err")"
printf 'events 2\nrejected_callbacks 1\naccess_requests 1\ninstallations 1\n' >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want" || fail "purge printed: $(cat "$tmp/out")"
left=$(sqlite3 "$tmp/a.db" "SELECT (SELECT group_concat(type) FROM events) || ' ' ||
	(SELECT group_concat(reference) FROM access_requests) || ' ' ||
	(SELECT group_concat(installation_id) FROM installations)")
[ "$left" = "request.created customer-new $granted" ] || fail "purge left: $left"
run "$bin" -c "$conf" purge
printf 'events 0\nrejected_callbacks 0\naccess_requests 0\ninstallations 0\n' >"$tmp/want"
{ [ "$status" -eq 0 ] && cmp -s "$tmp/out" "$tmp/want"; } || fail "a second purge printed: $(cat "$tmp/out")"
run "$bin" -c "$conf" purge now
[ "$status" -eq 2 ] || fail "purge with an argument exited $status, expected 2"

echo "cli: all checks passed"
