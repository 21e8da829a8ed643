#!/bin/sh
# End-to-end tests: headless Chromium clicks through the access request flow
# against the Zaptec stand-in and the built daemon (tests/e2e). A missing
# browser, Node.js or daemon binary is a failure, never a skip.
set -eu
cd "$(dirname "$0")/../.."

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
	echo "60-e2e: FAILED: no Chromium at $chromium; install Debian's chromium (scripts/install-deps.sh test)" >&2
	exit 1
fi
for tool in node npm python3 sqlite3; do
	if ! command -v "$tool" >/dev/null; then
		echo "60-e2e: FAILED: $tool is missing (scripts/install-deps.sh test)" >&2
		exit 1
	fi
done
if [ ! -x ./zaptec-accessd ]; then
	echo "60-e2e: FAILED: ./zaptec-accessd is not built (make zaptec-accessd)" >&2
	exit 1
fi

cd tests/e2e
# Install playwright-core from the lock file when it is missing or the lock
# changed since; it never downloads a browser of its own.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
	npm ci --no-audit --no-fund
	touch node_modules
fi
export CHROMIUM="$chromium"
node --test --test-concurrency=1 grant.test.js outcomes.test.js history.test.js verified.test.js pages.test.js
