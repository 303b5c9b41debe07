# SaveTrail server image: gunicorn serving Django, static files by WhiteNoise.
#
#   docker build -t savetrail .
#   docker run -e DATABASE_URL=... -e SECRET_KEY=... -e ALLOWED_HOSTS=... savetrail
#
# Every setting comes from the environment; .env.example documents them all.
# PYTHON_IMAGE lets CI build on a locally made Debian base (no registry there).
# Known limitation: CI cannot pull the default image, so it builds and tests this
# file only on its own Debian bookworm base (Debian's Python 3.11).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

# The same pinned lock as local development, runtime part only. Wheels only:
# nothing is compiled, so neither stage needs a compiler.
COPY requirements/base.lock /tmp/base.lock
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --only-binary=:all: --requirement /tmp/base.lock

FROM ${PYTHON_IMAGE}

ENV PATH=/opt/venv/bin:$PATH \
    LANG=C.UTF-8 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings \
    SAVETRAIL_VAR_DIR=/data \
    STATIC_ROOT=/app/static \
    PORT=8000 \
    WEB_CONCURRENCY=2 \
    GUNICORN_THREADS=4

COPY --from=build /opt/venv /opt/venv
COPY server/ /app/
COPY docker/entrypoint.sh docker/wait_for_db.py docker/healthcheck.py /usr/local/lib/savetrail/
WORKDIR /app

# An unprivileged user, owning only /data (where SQLite would live without
# DATABASE_URL). The settings need a secret to load; this one only serves
# collectstatic.
RUN groupadd --gid 10001 savetrail \
    && useradd --uid 10001 --gid savetrail --no-create-home \
        --home-dir /data --shell /usr/sbin/nologin savetrail \
    && install --directory --owner savetrail --group savetrail --mode 0750 /data \
    && SECRET_KEY=collectstatic-only DATABASE_URL=sqlite:////tmp/unused.sqlite3 \
        python manage.py collectstatic --noinput --verbosity 0

# Numeric, so that platforms can tell without /etc/passwd that this is not root.
USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/usr/local/lib/savetrail/healthcheck.py"]

ENTRYPOINT ["/usr/local/lib/savetrail/entrypoint.sh"]
