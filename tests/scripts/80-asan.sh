#!/bin/sh
# The Check suites (unit and in-process integration tests) built with
# AddressSanitizer and UndefinedBehaviorSanitizer into build/asan and run there;
# any report, a leak at a test's exit included, fails its test and so this
# script. See check-asan in the Makefile.
set -eu
cd "$(dirname "$0")/../.."
start=$(date +%s)
make -s check-asan
echo "asan: $(($(date +%s) - start)) s"
