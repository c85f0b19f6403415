# A stand-in for the official postgres:15 image, made from Debian 12's PostgreSQL 15, for
# machines that cannot pull images (tests/test_container.py; `python deploy/images.py
# standins`). It behaves as deploy/compose.yaml uses the official one: POSTGRES_USER,
# POSTGRES_PASSWORD and POSTGRES_DB make the first database in an empty PGDATA
# (/var/lib/postgresql/data, a volume), password logins over the network, pg_isready on PATH.
# Unlike the official image it never runs as root (nor needs to).
ARG BASE_IMAGE=initdash-ci/debian-python:bookworm
FROM ${BASE_IMAGE}
# Debian's package would make a cluster of its own at install time: not wanted here
RUN mkdir -p /etc/postgresql-common \
    && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
    && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
    && chmod 700 /var/lib/postgresql/data
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 \
    PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
USER postgres
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
