#!/bin/sh
# 19-manual-pages.sh — zaptec-accessd(8) and zaptec-accessd.conf(5) must be
# clean under 'mandoc -Tlint' at the level of warnings: any message fails.
# (Style notes are left out: whether a page named in SEE ALSO is installed
# depends on the machine.) They must also render, and the daemon's commands
# and signals must each have their place in zaptec-accessd(8).
set -eu
cd "$(dirname "$0")/../.."

command -v mandoc >/dev/null || { echo "19-manual-pages: FAILED: mandoc is not installed (scripts/install-deps.sh test)" >&2; exit 1; }

status=0
for page in doc/zaptec-accessd.8 doc/zaptec-accessd.conf.5; do
	if ! report=$(mandoc -Tlint -W warning "$page" 2>&1) || [ -n "$report" ]; then
		printf '%s\n' "$report" >&2
		echo "19-manual-pages: $page is not clean under mandoc -Tlint" >&2
		status=1
	fi
	mandoc -Tutf8 "$page" >/dev/null || { echo "19-manual-pages: $page does not render" >&2; status=1; }
done

# Every command the usage text names (each usage line's first word after
# "[-c FILE]", brackets dropped), and every section an administrator looks
# for, in the daemon's page.
[ -x ./zaptec-accessd ] || { echo "19-manual-pages: FAILED: ./zaptec-accessd is not built" >&2; exit 1; }
commands=$(./zaptec-accessd --help | sed -n 's/.*zaptec-accessd \[-c FILE\] \[*\([a-z][a-z-]*\).*/\1/p' | sort -u)
[ "$(printf '%s\n' "$commands" | wc -l)" -ge 6 ] || { echo "19-manual-pages: found only these commands in --help: $commands" >&2; exit 1; }
text=$(mandoc -Tascii doc/zaptec-accessd.8 | sed 's/.\x08//g')
for command in $commands; do
	printf '%s\n' "$text" | grep -Eq "^ +zaptec-accessd \[-c file\] \[?$command( |\]|$)" ||
		{ echo "19-manual-pages: the command '$command' of --help is not in the synopsis of zaptec-accessd(8)" >&2; status=1; }
	printf '%s\n' "$text" | grep -Eq "^ {5}$command( |$)" ||
		{ echo "19-manual-pages: the command '$command' of --help is not described in zaptec-accessd(8)" >&2; status=1; }
done
for section in SYNOPSIS DESCRIPTION SIGNALS FILES "EXIT STATUS" EXAMPLES; do
	printf '%s\n' "$text" | grep -qx "$section" || { echo "19-manual-pages: zaptec-accessd(8) has no $section section" >&2; status=1; }
done
[ "$status" -eq 0 ] && echo "19-manual-pages: both pages clean under mandoc -Tlint; commands documented:" $commands
exit "$status"
