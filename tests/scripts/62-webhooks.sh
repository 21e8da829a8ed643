#!/bin/sh
# Webhook deliveries end to end (tests/webhooks): the built daemon delivers to
# receivers of the test's own on loopback, which check every signature with
# their own code; a sample of real deliveries is verified by the Standard
# Webhooks authors' npm package (installed from tests/webhooks/npm's lock
# file). Order under load, retries and their waits, Retry-After, disabling,
# rotation, replay, test messages, type filters, SIGKILL during delivery, and
# receivers that hang, answer slowly, send 10 MB or close halfway. Then the
# core cases again on a private PostgreSQL server (tests/with-postgresql.sh):
# a signed delivery verified by both verifiers, order under load, retries,
# and SIGKILL with no event skipped.
set -eu
cd "$(dirname "$0")/../.."
for tool in node npm python3; do
	command -v "$tool" >/dev/null || { echo "62-webhooks: FAILED: $tool is missing (scripts/install-deps.sh test)" >&2; exit 1; }
done
[ -x ./zaptec-accessd ] || { echo "62-webhooks: FAILED: ./zaptec-accessd is not built" >&2; exit 1; }
(
	cd tests/webhooks/npm
	if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
		npm ci --no-audit --no-fund
		touch node_modules
	fi
)
HOSTILE_TMP=$(mktemp -d)
export HOSTILE_TMP
# The daemons' logs stay for 90-logfmt.sh, one file per test's daemon.
cleanup() {
	logs=${ACCESSD_TEST_LOGS:-tests/out/logs}
	mkdir -p "$logs"
	n=0
	for f in "$HOSTILE_TMP"/accessd-*/daemon.log; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		cp "$f" "$logs/62-webhooks-$n.log"
	done
	rm -rf "$HOSTILE_TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
timeout 300 python3 tests/webhooks/test_webhooks.py
echo "--- the core cases on PostgreSQL"
timeout 200 tests/with-postgresql.sh python3 tests/webhooks/test_webhooks.py \
	test_delivery_headers_body_and_signature test_standardwebhooks_verifies_real_deliveries \
	test_order_under_load test_retries_keep_the_id_and_the_schedule test_sigkill_during_delivery_skips_nothing
