#!/bin/sh
# The flags the build needs survive a user's own CFLAGS and LDFLAGS: a
# 'make CFLAGS=-O0' (a debugger's build, a packager's hardening flags) must not
# drop the language standard, the feature macros, the warnings, the include
# paths or the dependency files.
set -eu
cd "$(dirname "$0")/../.."

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

compile=$(make -n -B BUILD="$scratch" CFLAGS=-O0 LDFLAGS=-Wl,-z,now "$scratch/daemon/log.o")
link=$(make -n -B BUILD="$scratch" CFLAGS=-O0 LDFLAGS=-Wl,-z,now zaptec-accessd | grep -- '-o zaptec-accessd')

fail=0
for flag in -std=c11 -D_GNU_SOURCE -Wall -Werror -MMD -Idaemon -Ibuild -DACCESSD_VERSION -O0; do
	case " $compile " in
	*" $flag"*) ;;
	*) echo "make CFLAGS=-O0 compiles without $flag: $compile"; fail=1 ;;
	esac
done
case " $link " in
*" -Wl,-z,now "*) ;;
*) echo "make LDFLAGS=... links without the user's LDFLAGS: $link"; fail=1 ;;
esac

# The generated schema object depends on the headers it includes.
grep -q '^-include.*/schema\.d' Makefile || { echo "build/schema.d is not included"; fail=1; }
[ $fail = 0 ] && echo "build flags kept under CFLAGS=-O0 and LDFLAGS"
exit $fail
