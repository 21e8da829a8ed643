#!/bin/sh
# Crash durability (tests/hostile/crash.py): SIGKILL the daemon at random
# moments under concurrent callback load, at least 20 times, restarting it on
# the same database; every acknowledged callback must be stored, the database
# must pass PRAGMA integrity_check, and the daemon must start cleanly after.
# Prints kills, acknowledged callbacks and losses (0). CRASH_SEED repeats a run.
set -eu
cd "$(dirname "$0")/../.."
[ -x ./zaptec-accessd ] || { echo "FAIL: ./zaptec-accessd is not built"; exit 1; }
HOSTILE_TMP=$(mktemp -d)
export HOSTILE_TMP
trap 'rm -rf "$HOSTILE_TMP"' EXIT INT TERM
timeout 240 python3 tests/hostile/crash.py
