#!/bin/sh
# The stand-in's entry point (see postgres.Dockerfile): on the first start (an empty PGDATA),
# a cluster whose superuser is $POSTGRES_USER (default postgres) with $POSTGRES_PASSWORD,
# password (scram-sha-256) logins from any address, and the database $POSTGRES_DB (default:
# the user's name), as the official image's entry point makes them; then the command.
set -eu
if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
    user="${POSTGRES_USER:-postgres}"
    db="${POSTGRES_DB:-$user}"
    pwfile="$(mktemp)"
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    initdb --username="$user" --pwfile="$pwfile" --auth-local=trust \
        --auth-host=scram-sha-256 --encoding=UTF8 -D "$PGDATA" > /dev/null
    rm -f "$pwfile"
    echo "listen_addresses = '*'" >> "$PGDATA/postgresql.auto.conf"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    if [ "$db" != postgres ]; then
        echo "CREATE DATABASE \"$db\";" | postgres --single -D "$PGDATA" postgres > /dev/null
    fi
    echo "docker-entrypoint.sh: made the cluster in $PGDATA (user $user, database $db)"
fi
exec "$@"
