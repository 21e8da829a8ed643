#!/bin/sh
# Writes a C file holding each migration given on the command line, in order, as
# a string: the binary carries its own schema and needs no files at run time.
set -eu
echo '/* Generated from the schema folder by scripts/embed-schema.sh. */'
echo '#include "store.h"'
echo 'const struct store_migration store_migrations[] = {'
for f in "$@"; do
	name=$(basename "$f" .sql)
	version=$(echo "$name" | sed 's/^0*\([0-9]\)/\1/; s/_.*//')
	printf '\t{ %s, "%s",\n' "$version" "$name"
	sed 's/\\/\\\\/g; s/"/\\"/g; s/^/\t  "/; s/$/\\n"/' "$f"
	printf '\t},\n'
done
echo '};'
echo "const unsigned store_migration_count = $#;"
