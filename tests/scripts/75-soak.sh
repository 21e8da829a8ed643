#!/bin/sh
# Soak (tests/hostile/soak.py): three minutes of mixed load with no unexpected
# status and a resident memory that stops growing (prints the samples).
set -eu
cd "$(dirname "$0")/../.."
[ -x ./zaptec-accessd ] || { echo "FAIL: ./zaptec-accessd is not built"; exit 1; }
HOSTILE_TMP=$(mktemp -d)
export HOSTILE_TMP
trap 'rm -rf "$HOSTILE_TMP"' EXIT INT TERM
timeout 300 python3 tests/hostile/soak.py
