#!/bin/sh
# Open redirect and reflection (tests/hostile/open_redirect.py): every redirect
# of the public listener goes to the portal or an allowed returnTo, and no
# injected value is reflected unescaped.
set -eu
cd "$(dirname "$0")/../.."
[ -x ./zaptec-accessd ] || { echo "FAIL: ./zaptec-accessd is not built"; exit 1; }
HOSTILE_TMP=$(mktemp -d)
export HOSTILE_TMP
trap 'rm -rf "$HOSTILE_TMP"' EXIT INT TERM
timeout 120 python3 tests/hostile/open_redirect.py
