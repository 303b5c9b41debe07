#!/bin/sh
# Start-up of the postgres stand-in: on an empty $PGDATA create the cluster with
# POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB (as the official image does),
# then run the server in the foreground.
set -eu

bin=/usr/lib/postgresql/15/bin
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 0700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    password_file=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
    chown postgres "$password_file"
    runuser -u postgres -- "$bin/initdb" --username="$POSTGRES_USER" \
        --pwfile="$password_file" --auth-local=trust --auth-host=scram-sha-256 \
        --pgdata="$PGDATA" >/dev/null
    rm "$password_file"
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    runuser -u postgres -- "$bin/postgres" --single -D "$PGDATA" postgres \
        <<SQL >/dev/null
CREATE DATABASE "$POSTGRES_DB" OWNER "$POSTGRES_USER";
SQL
fi

exec runuser -u postgres -- "$bin/postgres" -D "$PGDATA"
