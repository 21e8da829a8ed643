#!/bin/sh
# The admin API against doc/openapi.yaml: the document must be valid OpenAPI
# 3.1, and every answer a running daemon gives, for every documented
# operation and answer, must match it (tests/e2e/openapi.test.js, with
# @seriousme/openapi-schema-validator and Ajv). No browser is needed. A
# missing Node.js or daemon binary is a failure, never a skip.
set -eu
cd "$(dirname "$0")/../.."

for tool in node npm python3; do
	if ! command -v "$tool" >/dev/null; then
		echo "63-openapi: FAILED: $tool is missing (scripts/install-deps.sh test)" >&2
		exit 1
	fi
done
if [ ! -x ./zaptec-accessd ]; then
	echo "63-openapi: FAILED: ./zaptec-accessd is not built (make zaptec-accessd)" >&2
	exit 1
fi

cd tests/e2e
# The validators come from the lock file, as the browser tests' packages do.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
	npm ci --no-audit --no-fund
	touch node_modules
fi
node --test openapi.test.js
