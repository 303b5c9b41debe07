#!/bin/sh
# Start the SaveTrail server: wait for the database, migrate, hand over to gunicorn.
#
# With arguments, run them instead (for example `python manage.py shell`).
# SAVETRAIL_MIGRATE=false skips the migrations (when a release step runs them);
# SAVETRAIL_DB_WAIT_SECONDS bounds the wait for the database (default 60).
set -eu

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

python /usr/local/lib/savetrail/wait_for_db.py "${SAVETRAIL_DB_WAIT_SECONDS:-60}"

migrate=$(printf '%s' "${SAVETRAIL_MIGRATE:-true}" | tr '[:upper:]' '[:lower:]')
case "$migrate" in
    true | yes | on | 1)
        python manage.py migrate --noinput
        ;;
    false | no | off | 0)
        echo "SAVETRAIL_MIGRATE=${SAVETRAIL_MIGRATE}: not applying migrations"
        ;;
    *)
        echo "SAVETRAIL_MIGRATE must be true or false, not '${SAVETRAIL_MIGRATE}'" >&2
        exit 64
        ;;
esac

# No access log: the server logs one line per report, Caddy logs every request,
# and the health check would add a line every 10 s. GUNICORN_CMD_ARGS adds
# options, for example "--access-logfile -".
#
# exec: gunicorn becomes PID 1 and gets SIGTERM itself. It then stops accepting
# connections and lets running requests finish for up to --graceful-timeout
# seconds, well inside the 10 s Docker waits before SIGKILL.
exec gunicorn config.wsgi \
    --bind "0.0.0.0:${PORT:-8000}" \
    --workers "${WEB_CONCURRENCY:-2}" \
    --worker-class gthread \
    --threads "${GUNICORN_THREADS:-4}" \
    --timeout 30 \
    --graceful-timeout 7 \
    --worker-tmp-dir /dev/shm \
    --no-control-socket \
    --error-logfile -
