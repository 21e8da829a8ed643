#!/bin/sh
# 30-systemd-units.sh — checks the systemd units with systemd's own tools:
# 'systemd-analyze verify' must accept all three units without a single
# complaint, and 'systemd-analyze security --offline=true' must rate the
# service's exposure at MAX_EXPOSURE or lower. Prints the exposure; exits
# non-zero on any failure. Needs the built ./zaptec-accessd, since verify
# checks that ExecStart= names an executable.
set -eu
cd "$(dirname "$0")/../.."

MAX_EXPOSURE=1.5
INSTALLED_PATH=/usr/local/sbin/zaptec-accessd
UNITS="zaptec-accessd.service zaptec-accessd.socket zaptec-accessd-admin.socket"

fail() {
	echo "30-systemd-units: $*" >&2
	exit 1
}

command -v systemd-analyze >/dev/null || fail "systemd-analyze not found (Debian package systemd)"
[ -x zaptec-accessd ] || fail "./zaptec-accessd is not built (make zaptec-accessd)"

# 'make install' rewrites this literal path for other prefixes, so the unit
# must name the binary exactly so on both command lines.
[ "$(grep -cE "^ExecStart(Pre)?=$INSTALLED_PATH " systemd/zaptec-accessd.service)" -eq 2 ] ||
	fail "ExecStartPre= and ExecStart= must both run $INSTALLED_PATH"

# The daemon matches its sockets by these names.
grep -qx 'FileDescriptorName=public' systemd/zaptec-accessd.socket ||
	fail "zaptec-accessd.socket must name its socket 'public'"
grep -qx 'FileDescriptorName=admin' systemd/zaptec-accessd-admin.socket ||
	fail "zaptec-accessd-admin.socket must name its socket 'admin'"

# verify wants the binary to exist, so it checks a copy of the units that
# runs the one built here, reached through a link in a directory of our own
# (the repository's path may hold characters a unit file would misread).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ln -s "$(pwd)/zaptec-accessd" "$tmp/zaptec-accessd"
for unit in $UNITS; do
	sed "s|$INSTALLED_PATH|$tmp/zaptec-accessd|g" "systemd/$unit" > "$tmp/$unit"
done

# Documentation= names the manual pages of doc/; verify would look them up
# with man(1) among the installed pages, so they are checked here instead.
for page in $(sed -n 's/^Documentation=//p' systemd/zaptec-accessd.service); do
	name=${page#man:}
	file=doc/${name%(*}.${name#*(}
	[ -f "${file%)}" ] || fail "Documentation= names $page, but there is no ${file%)}"
done

# verify exits 0 on warnings (an unknown key, a line it ignores), so any
# output at all is a failure.
if ! report=$(cd "$tmp" && SYSTEMD_COLORS=0 systemd-analyze verify --man=no $UNITS 2>&1) || [ -n "$report" ]; then
	printf '%s\n' "$report" >&2
	fail "systemd-analyze verify complained"
fi
echo "verify: $UNITS ok"

report=$(SYSTEMD_COLORS=0 systemd-analyze security --offline=true systemd/zaptec-accessd.service 2>&1) || {
	printf '%s\n' "$report" >&2
	fail "systemd-analyze security failed"
}
exposure=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for zaptec-accessd\.service: \([0-9][0-9.]*\).*/\1/p')
[ -n "$exposure" ] || {
	printf '%s\n' "$report" >&2
	fail "no exposure level in the output of systemd-analyze security"
}
echo "exposure: $exposure (at most $MAX_EXPOSURE)"
if ! awk -v e="$exposure" -v max="$MAX_EXPOSURE" 'BEGIN { exit !(e + 0 <= max + 0) }'; then
	printf '%s\n' "$report" | grep '✗' >&2 || true
	fail "exposure $exposure is above $MAX_EXPOSURE"
fi
