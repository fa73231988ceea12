"""The migration's trigger-form params: the one schema of a run's settings, shared by the DAGs and by the fleet and
rehearsal configs. Airflow validates a run's params against these Params (JSON Schema) when the run is created."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from airflow.sdk import Param
from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError
from jsonschema.validators import validator_for

from timescale_migration.constants import (
    DEFAULT_DUMP_FORMAT,
    DUMP_FORMATS,
    MAX_JOBS,
    PRIVILEGE_MODES,
    REHEARSAL_DATABASE_PREFIX,
)

MAX_STOP_APPS_TIMEOUT_HOURS = 24 * 30
MAX_DRAIN_TIMEOUT_S = 86400
HASH_PARTITIONS_MAX = 32767
NAME_MAX_BYTES = 63

DEFAULTS: dict[str, Any] = {
    "source_conn_id": "migration_source",
    "target_conn_id": "migration_target",
    "source_database": None,
    "target_database": None,
    "require_approval": True,
    "pg_bin_dir": None,
    "dump_format": DEFAULT_DUMP_FORMAT,
    "jobs": 2,
    "roles": True,
    "work_dir": None,
    "keep_dump": False,
    "stage_schema": True,
    "drain": True,
    "drain_timeout": 60,
    "terminate_sessions": False,
    "rehearsal": False,
    "privileges": "as_source",
    "notify": [],
    "smtp_conn_id": "smtp_default",
    "approvers": [],
    "stop_apps_timeout_hours": 24,
    "hypertables": [],
}
"""Every param's default: the one place they are written (the form, the fleet and rehearsal configs and
MigrationOptions take them from here)."""
DEFAULT_STOP_APPS_TIMEOUT_HOURS = DEFAULTS["stop_apps_timeout_hours"]

HYPERTABLE_EXAMPLE = [
    {
        "schema": "public",
        "table": "conditions",
        "time_column": "time",
        "chunk_interval": "1 day",
        "hash_column": "device_id",
        "hash_partitions": 4,
        "compression": {"segmentby": ["device_id"], "orderby": ["time DESC"], "compress_after": "7 days"},
        "retention": {"drop_after": "1 year"},
    }
]
HYPERTABLES_HELP = (
    "Source tables to load as TimescaleDB hypertables, converted on the empty target table before its rows arrive "
    "(formats parallel and directory). One object per table: schema (default public), table, time_column, "
    'chunk_interval (an interval such as "1 day"; an integer for an integer time column); optionally '
    "hash_column with hash_partitions; compression {segmentby, orderby, compress_after} and retention "
    "{drop_after} need TimescaleDB's community build on the target. Example: " + json.dumps(HYPERTABLE_EXAMPLE)
)
_NAME = {
    "type": "string",
    "minLength": 1,
    "maxLength": NAME_MAX_BYTES,
    "pattern": "^[^\\x00]*$",
    "description": "a name as the catalog spells it (1-63 bytes, case as is)",
}
_INTERVAL = {
    "type": ["string", "integer"],
    "minimum": 1,
    "pattern": "\\S",
    "description": 'an interval such as "1 day", or a positive integer for an integer time column',
}
HYPERTABLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["table", "time_column", "chunk_interval"],
    "additionalProperties": False,
    "dependentRequired": {"hash_column": ["hash_partitions"], "hash_partitions": ["hash_column"]},
    "properties": {
        "schema": {**_NAME, "default": "public"},
        "table": _NAME,
        "time_column": _NAME,
        "chunk_interval": _INTERVAL,
        "hash_column": _NAME,
        "hash_partitions": {"type": "integer", "minimum": 1, "maximum": HASH_PARTITIONS_MAX},
        "compression": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "segmentby": {"type": "array", "items": _NAME},
                "orderby": {
                    "type": "array",
                    "items": {
                        "type": "string",
                        "pattern": "\\S",
                        "description": "column [ASC|DESC] [NULLS FIRST|LAST]",
                    },
                },
                "compress_after": _INTERVAL,
            },
        },
        "retention": {
            "type": "object",
            "required": ["drop_after"],
            "additionalProperties": False,
            "properties": {"drop_after": _INTERVAL},
        },
    },
}
"""One entry of the hypertables param; the rules across its fields (the hash column is not the time column, no
column both segments and orders, a table named once, names' bytes) are hypertable_specs'."""


def migration_params(**defaults: Any) -> dict[str, Param]:
    """Params of one migration run; `defaults` overrides a default value by name."""
    d = {**DEFAULTS, **defaults}
    optional = ["null", "string"]
    return {
        "source_conn_id": Param(
            d["source_conn_id"],
            type="string",
            minLength=1,
            title="Source connection",
            description="Airflow connection id of the self-hosted PostgreSQL/TimescaleDB",
            section="Databases",
        ),
        "target_conn_id": Param(
            d["target_conn_id"],
            type="string",
            minLength=1,
            title="Target connection",
            description="Airflow connection id of the Timescale service (or other target)",
            section="Databases",
        ),
        "source_database": Param(
            d["source_database"],
            type=optional,
            title="Source database",
            description="Overrides the database (schema field) of the source connection",
            section="Databases",
        ),
        "target_database": Param(
            d["target_database"],
            type=optional,
            title="Target database",
            description="Overrides the database of the target connection (Timescale: tsdb)",
            section="Databases",
        ),
        "require_approval": Param(
            d["require_approval"],
            type="boolean",
            title="Require approval",
            description="Wait at the stop_apps gate for a person to approve the downtime",
            section="Downtime",
        ),
        "notify": Param(
            d["notify"],
            type="array",
            items={"type": "string", "format": "email"},
            title="Notify (email)",
            description="Addresses told by email (Airflow's SMTP notifier) when a gate waits for them",
            section="Gates",
        ),
        "smtp_conn_id": Param(
            d["smtp_conn_id"],
            type="string",
            minLength=1,
            title="SMTP connection",
            description="Airflow connection (type smtp, with a from_email extra) the emails go through",
            section="Gates",
        ),
        "approvers": Param(
            d["approvers"],
            type="array",
            items={"type": "string", "pattern": "\\S", "description": "a user id or role:<name>"},
            title="Approvers",
            description="Airflow user ids who may answer the gates, or role:<name> from "
            "include/gates.json; empty: anyone allowed to answer this DAG's gates",
            section="Gates",
        ),
        "stop_apps_timeout_hours": Param(
            d["stop_apps_timeout_hours"],
            type="number",
            minimum=0,
            maximum=MAX_STOP_APPS_TIMEOUT_HOURS,
            title="stop_apps expires after (h)",
            description="Unanswered this long, stop_apps rejects by itself: nothing "
            "changed, the run ends (a fleet's slot is freed); 0: never",
            section="Gates",
        ),
        "drain": Param(
            d["drain"],
            type="boolean",
            title="Drain the source",
            description="After approval, revoke CONNECT on the source database from application roles "
            "(undone exactly by release_source) and wait for their sessions to end",
            section="Downtime",
        ),
        "drain_timeout": Param(
            d["drain_timeout"],
            type="integer",
            minimum=0,
            maximum=MAX_DRAIN_TIMEOUT_S,
            title="Drain timeout (s)",
            description="How long to wait for open sessions on the source to end",
            section="Downtime",
        ),
        "terminate_sessions": Param(
            d["terminate_sessions"],
            type="boolean",
            title="Terminate sessions",
            description="End the sessions still open after the drain timeout",
            section="Downtime",
        ),
        "pg_bin_dir": Param(
            d["pg_bin_dir"],
            type=optional,
            title="Client tools directory",
            description="Directory with pg_dump, pg_dumpall, pg_restore and psql; "
            "empty: the newest found in /usr/lib/postgresql/*/bin or PATH",
            section="Dump and load",
        ),
        "dump_format": Param(
            d["dump_format"],
            type="string",
            enum=list(DUMP_FORMATS),
            title="Dump format",
            description="parallel (fastest): the large tables copied by `jobs` workers, psql COPY | "
            "psql COPY per table; plain: exactly the documented pg_dump + psql commands; "
            "directory: pg_dump -Fd -j / pg_restore -j; stream: one pg_dump | psql",
            section="Dump and load",
        ),
        "jobs": Param(
            d["jobs"],
            type="integer",
            minimum=1,
            maximum=MAX_JOBS,
            title="Parallel jobs",
            description="Parallel connections for formats that use them",
            section="Dump and load",
        ),
        "roles": Param(
            d["roles"],
            type="boolean",
            title="Migrate roles",
            description="Dump roles with pg_dumpall --roles-only and load them before the data",
            section="Dump and load",
        ),
        "privileges": Param(
            d["privileges"],
            type="string",
            enum=list(PRIVILEGE_MODES),
            title="Owners and privileges",
            description="as_source: after the load, owners, GRANTs and default privileges as on the "
            "source (roles by name), and verify compares them; none: the guide's "
            "--no-owner --no-privileges alone (everything owned by the target's login)",
            section="Dump and load",
        ),
        "work_dir": Param(
            d["work_dir"],
            type=optional,
            title="Work directory",
            description="Where dump files go (a private per-run folder is made inside); "
            "empty: $TSM_WORK_DIR, else $AIRFLOW_HOME/timescale-migration; "
            "with several workers, storage they all see",
            section="Dump and load",
        ),
        "keep_dump": Param(
            d["keep_dump"],
            type="boolean",
            title="Keep dump files",
            description="Keep roles.sql and the dump after a verified migration",
            section="Dump and load",
        ),
        "stage_schema": Param(
            d["stage_schema"],
            type="boolean",
            title="Stage the schema before the gate",
            description="parallel format: create the tables, their indexes and keys in the target before the "
            "stop_apps gate, so that the downtime restores only what changed since, the rows and the rest",
            section="Dump and load",
        ),
        "hypertables": Param(
            d["hypertables"],
            type="array",
            items=HYPERTABLE_SCHEMA,
            title="Convert tables to hypertables",
            description=HYPERTABLES_HELP,
            section="Hypertables",
        ),
        "rehearsal": Param(
            d["rehearsal"],
            type="boolean",
            title="Rehearsal",
            description="A rehearsal (rehearse_migrations sets it): no gates, no drain, source jobs "
            "left alone, no cutover; the target database must be a scratch database "
            f"named {REHEARSAL_DATABASE_PREFIX}*",
            section="Rehearsal",
        ),
    }


@cache
def validators() -> dict[str, Any]:
    """Each param's JSON Schema validator, as Airflow's Param.resolve builds it."""
    return {
        name: validator_for(param.schema)(param.schema, format_checker=FormatChecker())
        for name, param in migration_params().items()
    }


def error_path(error: ValidationError) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in error.absolute_path)


def error_reason(error: ValidationError) -> str:
    """The schema's complaint, with what to give when the failing part of the schema says it."""
    hint = error.schema.get("description") if isinstance(error.schema, dict) else None
    if not hint:
        return error.message
    return f"{'not allowed' if error.validator == 'pattern' else error.message}: give {hint}"
