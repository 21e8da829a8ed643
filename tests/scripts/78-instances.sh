#!/bin/sh
# Several instances on one PostgreSQL database (tests/hostile/instances.py), on
# a private server (tests/with-postgresql.sh): a link across three instances,
# a reissue seen by another within 1 s, a held-back commit that a reader of
# /events does not skip past, 20 SIGKILLs under callback load with nothing
# acknowledged lost and gap-free event ids, Zaptec's limits and the lease
# moving when its holder dies. Needs ./zaptec-accessd built, python3, psql.
set -eu
cd "$(dirname "$0")/../.."
[ -x ./zaptec-accessd ] || { echo "FAIL: ./zaptec-accessd is not built"; exit 1; }
HOSTILE_TMP=$(mktemp -d)
export HOSTILE_TMP
trap 'rm -rf "$HOSTILE_TMP"' EXIT INT TERM
timeout 300 tests/with-postgresql.sh python3 tests/hostile/instances.py
