# Airflow image for the Timescale migration project (used by ../docker-compose.yaml).
#
# The migration operators shell out to pg_dump / pg_restore / psql. Those must be version 17: pg_dump refuses to
# dump a server newer than itself, and the source/target servers are PostgreSQL 17 + TimescaleDB. The Debian
# packages shipped in apache/airflow are older (or absent), so postgresql-client-17 comes from the PGDG apt repo.
#
#   docker compose build            # builds this file via the `build:` section of x-airflow-common
FROM apache/airflow:3.3.2

USER root

# Replace any PGDG source the base image may already carry (a second entry for the same repo with a different
# Signed-By makes `apt-get update` fail), then install the version-17 client tools.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl; \
    install -d /usr/share/postgresql-common/pgdg; \
    curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
        https://www.postgresql.org/media/keys/ACCC4CF8.asc; \
    grep -rlZ 'apt.postgresql.org' /etc/apt/sources.list.d | xargs -0r rm -f; \
    . /etc/os-release; \
    echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt ${VERSION_CODENAME}-pgdg main" \
        > /etc/apt/sources.list.d/pgdg.list; \
    apt-get update; \
    apt-get install -y --no-install-recommends postgresql-client-17; \
    /usr/lib/postgresql/17/bin/pg_dump --version; \
    apt-get autoremove -yqq --purge; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/*

# /usr/bin/pg_dump is Debian's pg_wrapper, which picks the newest installed major version; put 17 first explicitly.
ENV PATH="/usr/lib/postgresql/17/bin:${PATH}"

# Mount point of the shared `migration-work` named volume. Docker seeds an empty named volume with the ownership of
# the image directory, so create it writable for the airflow user (uid 50000, gid 0). airflow-init also chowns it
# for a custom AIRFLOW_UID.
RUN install -d -o airflow -g 0 -m 0775 /opt/airflow/migration-work

USER airflow

# Pinning apache-airflow to the image's own version keeps pip from up/downgrading Airflow while resolving providers.
RUN pip install --no-cache-dir \
    "apache-airflow==${AIRFLOW_VERSION}" \
    "apache-airflow-providers-postgres==7.1.1" \
    "apache-airflow-providers-standard==1.21.0" \
    "psycopg[binary]==3.3.9"
