#!/bin/sh
# The daemon's modules include one another one way only, and only the store's
# engine files include a database engine's header. Prints the module graph in
# layers, from the commands and listeners down to the store and the log.
set -eu
cd "$(dirname "$0")/../.."
python3 tests/layers.py daemon
