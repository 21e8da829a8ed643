#!/bin/sh
# Runs every test of 'make check': the Check suites, then each script in
# tests/scripts in name order. Prints one line per script and a closing
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

[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
