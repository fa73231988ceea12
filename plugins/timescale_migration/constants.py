"""Names and defaults shared by the migration package."""

from __future__ import annotations

from enum import StrEnum

CLIENT_TOOLS = ("pg_dump", "pg_dumpall", "pg_restore", "psql")
"""The PostgreSQL client programs a migration runs."""

DEFAULT_BIN_GLOB = "/usr/lib/postgresql/*/bin"
"""Where Debian and Ubuntu install each PostgreSQL major version's programs."""

TARGET_RESERVED_ROLES = ("postgres", "tsdbadmin")
"""Roles a Timescale target already has and refuses to create or alter; dropped from roles.sql."""

ROLE_ATTRIBUTES_REFUSED = ("SUPERUSER", "NOSUPERUSER", "REPLICATION", "NOREPLICATION", "BYPASSRLS", "NOBYPASSRLS")
"""Role attributes only a superuser may set; a Timescale target (tsdbadmin) refuses them."""

DUMP_FILE = "dump.sql"
DUMP_DIR = "dump.dir"


class DumpFormat(StrEnum):
    """The dump_format param: how dump_data and load copy the data. Members are the param's strings."""

    PLAIN = "plain"
    """Exactly the documented pg_dump + psql commands, through dump.sql."""
    DIRECTORY = "directory"
    """pg_dump -Fd -j into dump.dir, no compression; pg_restore -j with TimescaleDB's catalog first."""
    STREAM = "stream"
    """pg_dump piped into psql, no intermediate file."""
    PARALLEL = "parallel"
    """The large tables copied by `jobs` workers from one exported snapshot (psql COPY | psql COPY per table,
    binary and FREEZE where safe), between a skeleton restore (schema, catalog, small tables) and a parallel
    post-data restore."""

    @property
    def streamed(self) -> bool:
        """No dump file: load reads the source itself (dump_data has nothing to do)."""
        return self in (DumpFormat.STREAM, DumpFormat.PARALLEL)

    @property
    def dump_name(self) -> str:
        """The name of the dump in the run's work directory (dump.sql also names where a streamed format's
        load works: its parent)."""
        return DUMP_DIR if self is DumpFormat.DIRECTORY else DUMP_FILE


DUMP_FORMATS = tuple(f.value for f in DumpFormat)
"""The dump_format param's allowed values, as plain strings."""

DEFAULT_DUMP_FORMAT = DumpFormat.PARALLEL.value
"""The fastest format on the benchmark (docs/benchmarks.md); `plain` stays the guide's reference."""

PRIVILEGE_MODES = ("as_source", "none")
"""`as_source`: owners and privileges re-applied after the load and verified; `none`: the guide's --no-owner
--no-privileges alone."""

MAX_JOBS = 64
APPLICATION_NAME = "timescale-migration"
BLOCK_RECORD_TABLE = "timescale_migration.connect_blocks"
"""The table of block records on the source server: one row per drained database."""
RUN_INDEX_DIR = ".run_ids"
"""Under the base work directory: <dag dir>/<run dir>.json holds each run directory's real dag and run id."""
REPORT_FILES = ("verification.html", "verification.json")
"""What clean_migration_work leaves in a run directory: the verification reports (small, no secrets)."""
ROLES_FILE = "roles.sql"
SECRET_FILES = (ROLES_FILE, "roles.raw", "roles.partial")
"""Files of a run directory that hold the roles' password hashes: removed when the run ends unless keep_dump."""
TIMESCALEDB_CATALOG = "_timescaledb_catalog"
TIMESCALEDB_SCHEMA_PREFIX = "_timescaledb_"
"""TimescaleDB's own schemas (catalog, cache proxies, config, internal chunks) begin with this."""
SOURCE_FINGERPRINT_FILE = "source_fingerprint.json"
STAGED_SCHEMA_MANIFEST = "staged-schema.json"
"""`parallel` format: the manifest of what stage_schema put in the target (copy/schemadiff.py)."""
SKELETON_FILE = "skeleton.dump"
"""`parallel` format: the custom-format dump of everything but the large tables' rows."""
BULK_MIN_BYTES = 1_048_576
"""`parallel` format: tables at least this large are copied by the workers; smaller ones travel in the skeleton."""
SPLIT_MIN_BYTES = 256 * 1024 * 1024
"""`parallel` format: a table this large that exceeds one worker's share of all bytes is copied in block
ranges, by several workers at once."""
CHUNK_COPY_MIN_BYTES = 4 * 1024 * 1024
"""`parallel` format, a split table loaded as a hypertable: its rows are copied chunk by chunk (each straight into
its chunk, frozen) when its chunks hold at least this much on average; below, a copy per chunk would cost more in
commands than routing saves, and its parts go through the hypertable."""
TID_RANGE_SCAN_MAJOR = 14
"""From this source version on, a block range is read by a TID range scan: only then are tables split."""
BULK_MAX_TABLES = 2000
"""`parallel` format: at most this many tables (the largest) go to the workers; pg_dump's argv stays short."""
PROGRESS_INTERVAL_S = 10.0

CHILD_ENV_KEEP = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "HOME", "TMPDIR")
"""The only parts of the worker's environment a client tool inherits (never AIRFLOW_CONN_* or PG*)."""
TIMESCALEDB = "timescaledb"

REHEARSAL_DATABASE_PREFIX = "tsm_rehearsal_"
"""A rehearsal loads only into scratch databases whose name starts with this; the real target never does."""

TARGETS_ASSET_ALIAS = "timescale_migration_targets"
"""The asset alias through which cutover emits an asset event for each migrated target database."""

ASSET_SCHEME = "timescale-migration"
"""Scheme of the asset URI of a migrated target database: timescale-migration://<target_conn_id>/<database>."""

LEDGER_DIR = "ledger"
"""Under the base work directory: one record per target database that a migration loaded and verified."""

REHEARSALS_DIR = "rehearsals"
"""Under the base work directory: the rehearsals' history (history.jsonl) and trend report (report.html)."""

FLEET_DIR = "fleet"
"""Under the base work directory: each migrate_fleet run's summary (summary-<run>.json)."""

TARGET_POOL_PREFIX = "tsm_target_"
"""Pool per target connection: at most this pool's slots migrations into one target server at once."""
