#!/bin/sh
# Writes a C file holding each migration given on the command line, in order, as
# a string: the binary carries its own schema and needs no files at run time.
# The first argument names the array (an engine's migrations).
set -eu
array=$1
shift
echo '/* Generated from the schema folder by scripts/embed-schema.sh. */'
echo '#include "store_engine.h"'
echo "const struct store_migration ${array}[] = {"
for f in "$@"; do
	name=$(basename "$f" .sql)
	version=$(echo "$name" | sed 's/^0*\([0-9]\)/\1/; s/_.*//')
	printf '\t{ %s, "%s",\n' "$version" "$name"
	sed 's/\\/\\\\/g; s/"/\\"/g; s/^/\t  "/; s/$/\\n"/' "$f"
	printf '\t},\n'
done
echo '};'
echo "const unsigned ${array}_count = $#;"
