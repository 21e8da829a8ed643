#!/bin/sh
# The bad-input table (tests/hostile/bad_input.py): hundreds of hostile requests
# against every public and admin endpoint of a running daemon, each checked for
# its status and for the exact change it makes to the database. Prints the
# number of rows. Needs ./zaptec-accessd built and python3.
set -eu
cd "$(dirname "$0")/../.."
[ -x ./zaptec-accessd ] || { echo "FAIL: ./zaptec-accessd is not built"; exit 1; }
HOSTILE_TMP=$(mktemp -d)
export HOSTILE_TMP
trap 'rm -rf "$HOSTILE_TMP"' EXIT INT TERM
timeout 300 python3 tests/hostile/bad_input.py
