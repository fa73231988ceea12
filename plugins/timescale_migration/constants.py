"""Names and defaults shared by the migration package."""

from __future__ import annotations

CLIENT_TOOLS = ("pg_dump", "pg_dumpall", "pg_restore", "psql")
"""The PostgreSQL client programs a migration runs."""

DEFAULT_BIN_GLOB = "/usr/lib/postgresql/*/bin"
"""Where Debian and Ubuntu install each PostgreSQL major version's programs."""

TARGET_RESERVED_ROLES = ("postgres", "tsdbadmin")
"""Roles a Timescale target already has and refuses to create or alter; dropped from roles.sql."""

ROLE_ATTRIBUTES_REFUSED = ("SUPERUSER", "NOSUPERUSER", "REPLICATION", "NOREPLICATION", "BYPASSRLS", "NOBYPASSRLS")
"""Role attributes only a superuser may set; a Timescale target (tsdbadmin) refuses them."""

DUMP_FORMATS = ("plain", "directory", "stream")
"""`plain` runs exactly the documented pg_dump + psql commands; `directory` dumps and restores in parallel
(pg_dump -Fd -j, no compression; pg_restore -j with TimescaleDB's catalog first); `stream` pipes pg_dump into
psql without an intermediate file."""

MAX_JOBS = 64
APPLICATION_NAME = "timescale-migration"
WORK_DIR_ENV = "TSM_WORK_DIR"
DEFAULT_WORK_DIR = "/tmp/timescale-migration"
ROLES_FILE = "roles.sql"
DUMP_FILE = "dump.sql"
DUMP_DIR = "dump.dir"
TIMESCALEDB_CATALOG = "_timescaledb_catalog"
SOURCE_FINGERPRINT_FILE = "source_fingerprint.json"
PROGRESS_INTERVAL_S = 10.0

LIBPQ_EXTRA_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "options": "PGOPTIONS",
    "gssencmode": "PGGSSENCMODE",
}
"""Airflow connection extras that libpq also understands, and the environment variable carrying each."""

CHILD_ENV_KEEP = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "HOME", "TMPDIR")
"""The only parts of the worker's environment a client tool inherits (never AIRFLOW_CONN_* or PG*)."""
TIMESCALEDB = "timescaledb"
