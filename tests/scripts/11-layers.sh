#!/bin/sh
# The daemon's modules include one another one way only, and only the store's
# engine files include a database engine's header. Prints the module graph in
# layers, from the commands and listeners down to the store and the log.
set -eu
cd "$(dirname "$0")/../.."

# First the checker itself must refuse a cycle and a stray engine header.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
printf '#include "b.h"\n' > "$scratch/a.c"
printf '#include "c.h"\n' > "$scratch/b.c"
printf '#include "a.h"\n' > "$scratch/c.h"
if out=$(python3 tests/layers.py "$scratch"); then
	echo "layers.py accepted the cycle a -> b -> c -> a"; exit 1
fi
case $out in *"include cycle between: a b c"*) ;; *) echo "layers.py named the wrong cycle: $out"; exit 1 ;; esac
rm "$scratch"/*
printf '#include <sqlite3.h>\n' > "$scratch/api_events.c"
printf '#include <libpq-fe.h>\n' > "$scratch/store_pg.c"
if out=$(python3 tests/layers.py "$scratch"); then
	echo "layers.py accepted sqlite3.h in api_events.c"; exit 1
fi
case $out in
*"api_events.c:1 includes sqlite3.h"*) ;;
*) echo "layers.py did not name api_events.c: $out"; exit 1 ;;
esac
case $out in *store_pg*) echo "layers.py refused an engine file: $out"; exit 1 ;; esac

python3 tests/layers.py daemon
