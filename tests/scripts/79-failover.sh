#!/bin/sh
# Failover (tests/hostile/failover.py): a private PostgreSQL primary with a
# synchronous standby made by pg_basebackup; under callback load the primary
# is killed and the standby promoted. The daemon, given both hosts with
# target_session_attrs=read-write, recovers without a restart, and every
# callback it acknowledged is on the promoted server. Needs ./zaptec-accessd,
# python3 and the postgresql package.
set -eu
cd "$(dirname "$0")/../.."
[ -x ./zaptec-accessd ] || { echo "FAIL: ./zaptec-accessd is not built"; exit 1; }
HOSTILE_TMP=$(mktemp -d)
export HOSTILE_TMP
trap 'rm -rf "$HOSTILE_TMP"' EXIT INT TERM
timeout 240 python3 tests/hostile/failover.py
