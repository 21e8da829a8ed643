#!/bin/sh
# Every libFuzzer target of tests/fuzz: its regression inputs, then
# FUZZ_SECONDS (30 here unless set) of fuzzing, two targets at a time. A crash
# or a broken property fails. See fuzz in the Makefile.
set -eu
cd "$(dirname "$0")/../.."
command -v clang >/dev/null || { echo "FAIL: clang is not installed"; exit 1; }
start=$(date +%s)
make -s -j2 fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
echo "fuzz: $(($(date +%s) - start)) s"
