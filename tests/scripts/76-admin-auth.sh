#!/bin/sh
# Admin authentication under attack (tests/hostile/admin_auth.py): 401s in
# constant time (prints both medians), no token in logs or answers, and the
# per-address throttle (429 with Retry-After, logged once a window).
set -eu
cd "$(dirname "$0")/../.."
[ -x ./zaptec-accessd ] || { echo "FAIL: ./zaptec-accessd is not built"; exit 1; }
HOSTILE_TMP=$(mktemp -d)
export HOSTILE_TMP
trap 'rm -rf "$HOSTILE_TMP"' EXIT INT TERM
timeout 120 python3 tests/hostile/admin_auth.py
