#!/bin/sh
# Full disk and read-only storage (tests/hostile/fulldisk.py): the database on
# a 2 MiB tmpfs mounted here (the tests run as root). A full disk gives 503s
# and nothing half-written, and recovers without a restart once space is
# freed. Mounting is required: where it is impossible this test fails.
set -eu
cd "$(dirname "$0")/../.."
[ -x ./zaptec-accessd ] || { echo "FAIL: ./zaptec-accessd is not built"; exit 1; }
HOSTILE_TMP=$(mktemp -d)
export HOSTILE_TMP
mnt=$HOSTILE_TMP/disk
mkdir "$mnt"
cleanup() {
	# Lazily if a daemon still holds it; never leave the mount behind.
	if mountpoint -q "$mnt"; then umount "$mnt" 2>/dev/null || umount -l "$mnt"; fi
	rm -rf "$HOSTILE_TMP"
}
trap cleanup EXIT INT TERM
mount -t tmpfs -o size=2m,mode=0700 accessd-test "$mnt" ||
	{ echo "FAIL: cannot mount a tmpfs (this test needs root and mount rights)"; exit 1; }
timeout 120 python3 tests/hostile/fulldisk.py "$mnt"
