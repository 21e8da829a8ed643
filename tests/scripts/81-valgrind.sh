#!/bin/sh
# The Check suites under valgrind memcheck, every test in one process
# (CK_FORK=no), so each in-process daemon must stop without leaving threads or
# memory behind. Errors and definite or indirect leaks fail. See
# check-valgrind in the Makefile.
set -eu
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null || { echo "FAIL: valgrind is not installed"; exit 1; }
start=$(date +%s)
make -s check-valgrind
echo "valgrind: $(($(date +%s) - start)) s"
