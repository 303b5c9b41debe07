# Test stand-in for the official postgres image, which CI cannot pull: Debian's
# PostgreSQL with a start-up that honours the same POSTGRES_* variables.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}

# No cluster from the package: the entrypoint creates one in $PGDATA. Not
# pinned (DL3008): whatever PostgreSQL 15 bookworm ships is what a stand-in needs.
# hadolint ignore=DL3008
RUN mkdir -p /etc/postgresql-common \
    && echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf \
    && apt-get update \
    && apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/*

COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
# The server's own tools first, as in the official image (not Debian's wrappers).
ENV PGDATA=/var/lib/postgresql/data \
    PATH=/usr/lib/postgresql/15/bin:$PATH
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
