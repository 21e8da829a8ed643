#!/bin/sh
# Slow and greedy clients (tests/hostile/slow.py): slowhttptest slowloris and
# slow-body attacks on the public listener while a normal client is timed
# (prints its p50/p99), then the per-address connection limit.
set -eu
cd "$(dirname "$0")/../.."
[ -x ./zaptec-accessd ] || { echo "FAIL: ./zaptec-accessd is not built"; exit 1; }
command -v slowhttptest >/dev/null || { echo "FAIL: slowhttptest is not installed (scripts/install-deps.sh test)"; exit 1; }
HOSTILE_TMP=$(mktemp -d)
export HOSTILE_TMP
trap 'rm -rf "$HOSTILE_TMP"' EXIT INT TERM
timeout 150 python3 tests/hostile/slow.py
