#!/bin/sh
# Self-test of the Zaptec portal and API stand-in (tests/zaptec-standin) that
# the daemon's end-to-end tests run against. Fails when any test fails.
set -eu
cd "$(dirname "$0")/../.."
python3 -m unittest discover -s tests/zaptec-standin -p 'test_*.py' -v
