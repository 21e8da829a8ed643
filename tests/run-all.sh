#!/bin/sh
# Runs every test of 'make check': the Check suites, then each script in
# tests/scripts in name order, then what exercises the store once more on
# PostgreSQL. Prints one line per script and a closing
# "N passed, N failed" line; fails when anything failed or nothing ran.
set -u
cd "$(dirname "$0")/.."

# Every daemon the scripts start leaves its log here; 90-logfmt.sh reads them all.
rm -rf tests/out/logs
mkdir -p tests/out/logs

passed=0
failed=0
failures=

if build/check-unit; then passed=$((passed + 1)); else failed=$((failed + 1)); failures="$failures check-unit"; fi

for script in tests/scripts/[0-9]*.sh; do
	[ -e "$script" ] || continue
	name=$(basename "$script" .sh)
	echo "=== $name"
	if sh "$script"; then
		echo "--- $name: ok"
		passed=$((passed + 1))
	else
		echo "--- $name: FAILED"
		failed=$((failed + 1))
		failures="$failures $name"
	fi
done

# The second engine: the Check suites and the scripts that exercise the store,
# the API, callbacks, pages and the hostile-input table, again on a private
# PostgreSQL server that tests/with-postgresql.sh starts and stops for each.
for cmd in build/check-unit tests/scripts/70-bad-input.sh tests/scripts/71-open-redirect.sh; do
	name="$(basename "$cmd" .sh)@postgresql"
	echo "=== $name"
	case "$cmd" in *.sh) run="sh $cmd" ;; *) run=$cmd ;; esac
	if tests/with-postgresql.sh $run; then
		echo "--- $name: ok"
		passed=$((passed + 1))
	else
		echo "--- $name: FAILED"
		failed=$((failed + 1))
		failures="$failures $name"
	fi
done

[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
