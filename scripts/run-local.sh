#!/bin/sh
# 'make run': runs the daemon in the foreground on conf/local.conf, with its
# database and a fresh admin token under ./var.
set -eu
cd "$(dirname "$0")/.."

mkdir -p var
chmod 700 var
if [ ! -s var/api-token ]; then
	(umask 077; od -An -tx1 -N24 /dev/urandom | tr -d ' \n' > var/api-token)
fi
token=$(cat var/api-token)

cat <<MSG
zaptec-accessd (local): customer links on http://127.0.0.1:8080, admin API on http://127.0.0.1:8081
The admin token is in var/api-token. Create an access request with:

  curl -s -X POST http://127.0.0.1:8081/api/v1/access-requests \\
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \\
    -d '{"reference":"customer-42"}'

Stop with Ctrl-C.
MSG
exec ./zaptec-accessd -c conf/local.conf serve
