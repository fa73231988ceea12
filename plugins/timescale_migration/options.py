"""The migration's trigger-form params, the one schema of a run's settings (shared by the DAGs and by the fleet and
rehearsal configs), and their typed view once validated.

Airflow validates a run's params against these Params (JSON Schema) when the run is created; `MigrationOptions`
reads them as types, validating with the same schema once more (a task may be run without Airflow creating the run:
tests, operators used alone) and adding only the rules across fields that a schema cannot state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
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
    DumpFormat,
)
from timescale_migration.exceptions import MigrationError

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

HYPERTABLE_EXAMPLE = [{"schema": "public", "table": "conditions", "time_column": "time", "chunk_interval": "1 day",
                       "hash_column": "device_id", "hash_partitions": 4,
                       "compression": {"segmentby": ["device_id"], "orderby": ["time DESC"],
                                       "compress_after": "7 days"},
                       "retention": {"drop_after": "1 year"}}]
HYPERTABLES_HELP = (
    "Source tables to load as TimescaleDB hypertables, converted on the empty target table before its rows arrive "
    "(formats parallel and directory). One object per table: schema (default public), table, time_column, "
    "chunk_interval (an interval such as \"1 day\"; an integer for an integer time column); optionally "
    "hash_column with hash_partitions; compression {segmentby, orderby, compress_after} and retention "
    "{drop_after} need TimescaleDB's community build on the target. Example: " + json.dumps(HYPERTABLE_EXAMPLE)
)
_NAME = {"type": "string", "minLength": 1, "maxLength": NAME_MAX_BYTES, "pattern": "^[^\\x00]*$",
         "description": "a name as the catalog spells it (1-63 bytes, case as is)"}
_INTERVAL = {"type": ["string", "integer"], "minimum": 1, "pattern": "\\S",
             "description": "an interval such as \"1 day\", or a positive integer for an integer time column"}
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
                "orderby": {"type": "array", "items": {
                    "type": "string", "pattern": "\\S",
                    "description": "column [ASC|DESC] [NULLS FIRST|LAST]"}},
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
        "source_conn_id": Param(d["source_conn_id"], type="string", minLength=1, title="Source connection",
                                description="Airflow connection id of the self-hosted PostgreSQL/TimescaleDB",
                                section="Databases"),
        "target_conn_id": Param(d["target_conn_id"], type="string", minLength=1, title="Target connection",
                                description="Airflow connection id of the Timescale service (or other target)",
                                section="Databases"),
        "source_database": Param(d["source_database"], type=optional, title="Source database",
                                 description="Overrides the database (schema field) of the source connection",
                                 section="Databases"),
        "target_database": Param(d["target_database"], type=optional, title="Target database",
                                 description="Overrides the database of the target connection (Timescale: tsdb)",
                                 section="Databases"),
        "require_approval": Param(d["require_approval"], type="boolean", title="Require approval",
                                  description="Wait at the stop_apps gate for a person to approve the downtime",
                                  section="Downtime"),
        "notify": Param(d["notify"], type="array", items={"type": "string", "format": "email"},
                        title="Notify (email)",
                        description="Addresses told by email (Airflow's SMTP notifier) when a gate waits for them",
                        section="Gates"),
        "smtp_conn_id": Param(d["smtp_conn_id"], type="string", minLength=1, title="SMTP connection",
                              description="Airflow connection (type smtp, with a from_email extra) the emails go "
                                          "through", section="Gates"),
        "approvers": Param(d["approvers"], type="array", items={"type": "string", "pattern": "\\S",
                                                                "description": "a user id or role:<name>"},
                           title="Approvers",
                           description="Airflow user ids who may answer the gates, or role:<name> from "
                                       "include/gates.json; empty: anyone allowed to answer this DAG's gates",
                           section="Gates"),
        "stop_apps_timeout_hours": Param(d["stop_apps_timeout_hours"], type="number", minimum=0,
                                         maximum=MAX_STOP_APPS_TIMEOUT_HOURS, title="stop_apps expires after (h)",
                                         description="Unanswered this long, stop_apps rejects by itself: nothing "
                                                     "changed, the run ends (a fleet's slot is freed); 0: never",
                                         section="Gates"),
        "drain": Param(d["drain"], type="boolean", title="Drain the source",
                       description="After approval, revoke CONNECT on the source database from application roles "
                                   "(undone exactly by release_source) and wait for their sessions to end",
                       section="Downtime"),
        "drain_timeout": Param(d["drain_timeout"], type="integer", minimum=0, maximum=MAX_DRAIN_TIMEOUT_S,
                               title="Drain timeout (s)",
                               description="How long to wait for open sessions on the source to end",
                               section="Downtime"),
        "terminate_sessions": Param(d["terminate_sessions"], type="boolean", title="Terminate sessions",
                                    description="End the sessions still open after the drain timeout",
                                    section="Downtime"),
        "pg_bin_dir": Param(d["pg_bin_dir"], type=optional, title="Client tools directory",
                            description="Directory with pg_dump, pg_dumpall, pg_restore and psql; "
                                        "empty: the newest found in /usr/lib/postgresql/*/bin or PATH",
                            section="Dump and load"),
        "dump_format": Param(d["dump_format"], type="string", enum=list(DUMP_FORMATS), title="Dump format",
                             description="parallel (fastest): the large tables copied by `jobs` workers, psql COPY | "
                                         "psql COPY per table; plain: exactly the documented pg_dump + psql commands; "
                                         "directory: pg_dump -Fd -j / pg_restore -j; stream: one pg_dump | psql",
                             section="Dump and load"),
        "jobs": Param(d["jobs"], type="integer", minimum=1, maximum=MAX_JOBS, title="Parallel jobs",
                      description="Parallel connections for formats that use them", section="Dump and load"),
        "roles": Param(d["roles"], type="boolean", title="Migrate roles",
                       description="Dump roles with pg_dumpall --roles-only and load them before the data",
                       section="Dump and load"),
        "privileges": Param(d["privileges"], type="string", enum=list(PRIVILEGE_MODES), title="Owners and privileges",
                            description="as_source: after the load, owners, GRANTs and default privileges as on the "
                                        "source (roles by name), and verify compares them; none: the guide's "
                                        "--no-owner --no-privileges alone (everything owned by the target's login)",
                            section="Dump and load"),
        "work_dir": Param(d["work_dir"], type=optional, title="Work directory",
                          description="Where dump files go (a private per-run folder is made inside); "
                                      "empty: $TSM_WORK_DIR, else $AIRFLOW_HOME/timescale-migration; "
                                      "with several workers, storage they all see",
                          section="Dump and load"),
        "keep_dump": Param(d["keep_dump"], type="boolean", title="Keep dump files",
                           description="Keep roles.sql and the dump after a verified migration",
                           section="Dump and load"),
        "hypertables": Param(d["hypertables"], type="array", items=HYPERTABLE_SCHEMA,
                             title="Convert tables to hypertables",
                             description=HYPERTABLES_HELP, section="Hypertables"),
        "rehearsal": Param(d["rehearsal"], type="boolean", title="Rehearsal",
                           description="A rehearsal (rehearse_migrations sets it): no gates, no drain, source jobs "
                                       "left alone, no cutover; the target database must be a scratch database "
                                       f"named {REHEARSAL_DATABASE_PREFIX}*",
                           section="Rehearsal"),
    }


_ORDER_BY = re.compile(r"^(?P<column>.+?)(?:\s+(?P<direction>asc|desc))?(?:\s+nulls\s+(?P<nulls>first|last))?$",
                       re.IGNORECASE | re.DOTALL)


@cache
def _validators() -> dict[str, Any]:
    """Each param's JSON Schema validator, as Airflow's Param.resolve builds it."""
    return {name: validator_for(param.schema)(param.schema, format_checker=FormatChecker())
            for name, param in migration_params().items()}


def _where(error: ValidationError) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in error.absolute_path)


def _why(error: ValidationError) -> str:
    """The schema's complaint, with what to give when the failing part of the schema says it."""
    hint = error.schema.get("description") if isinstance(error.schema, dict) else None
    if not hint:
        return error.message
    return f"{'not allowed' if error.validator == 'pattern' else error.message}: give {hint}"


def param_problems(values: Mapping[str, Any]) -> list[str]:
    """What the params' schema refuses in `values` (param name -> value), one "name[path]=value: why" each; names
    that are no param are refused too."""
    validators = _validators()
    problems = []
    for name, value in values.items():
        if name not in validators:
            problems.append(f"{name} is not a param of migrate_database")
            continue
        for error in sorted(validators[name].iter_errors(value), key=lambda e: list(map(str, e.absolute_path))):
            shown = "" if isinstance(error.instance, dict | list) else f"={error.instance!r}"
            problems.append(f"{name}{_where(error)}{shown}: {_why(error)}")
    if values.get("hypertables") and not any(p.startswith("hypertables") for p in problems):
        try:
            hypertable_specs(values["hypertables"], "hypertables")
        except MigrationError as err:
            problems.append(str(err))
    return problems


@dataclass(frozen=True)
class OrderBy:
    """One column of a compression order: its direction and where NULLs go (PostgreSQL's default: first when
    descending)."""

    column: str
    descending: bool = False
    nulls_first: bool | None = None

    @property
    def nulls_placed_first(self) -> bool:
        """Where NULLs end up, given or by default."""
        return self.descending if self.nulls_first is None else self.nulls_first

    def describe(self) -> str:
        """As TimescaleDB's catalog reads back: "column asc|desc nulls first|last"."""
        return (f"{self.column} {'desc' if self.descending else 'asc'} "
                f"nulls {'first' if self.nulls_placed_first else 'last'}")


@dataclass(frozen=True)
class Compression:
    """Compression settings of a hypertable and, with compress_after, its compression policy."""

    segmentby: tuple[str, ...] = ()
    orderby: tuple[OrderBy, ...] = ()
    compress_after: str | int | None = None


@dataclass(frozen=True)
class HypertableSpec:
    """One source table to load as a hypertable: its dimensions, and (community build) compression and policies."""

    schema: str
    table: str
    time_column: str
    chunk_interval: str | int
    hash_column: str | None = None
    hash_partitions: int | None = None
    compression: Compression | None = None
    drop_after: str | int | None = None

    @property
    def label(self) -> str:
        """schema.table as a person reads it."""
        return f"{self.schema}.{self.table}"

    @property
    def partitioning_columns(self) -> tuple[str, ...]:
        """The columns every unique index of the table must include."""
        return (self.time_column,) + ((self.hash_column,) if self.hash_column else ())

    @property
    def policies(self) -> bool:
        """Whether a compression or retention policy is asked for."""
        return self.drop_after is not None or bool(self.compression and self.compression.compress_after is not None)

    @property
    def community(self) -> bool:
        """Whether it needs TimescaleDB's community build (compression, policies)."""
        return self.compression is not None or self.drop_after is not None

    def describe(self) -> str:
        """The conversion as a person reads it."""
        parts = [f"time {self.time_column} every {self.chunk_interval}"]
        if self.hash_column:
            parts.append(f"hash {self.hash_column} in {self.hash_partitions}")
        if self.compression is not None:
            parts.append("compression" + (f" after {self.compression.compress_after}"
                                          if self.compression.compress_after is not None else ""))
        if self.drop_after is not None:
            parts.append(f"retention after {self.drop_after}")
        return f"{self.label} ({', '.join(parts)})"


def hypertable_specs(items: list[dict[str, Any]], where: str = "param hypertables") -> tuple[HypertableSpec, ...]:
    """The hypertables param as specs, once its schema accepted it; refuses what the schema cannot state."""
    specs = tuple(_spec(item, f"{where}[{i}]") for i, item in enumerate(items or []))
    labels = [(s.schema, s.table) for s in specs]
    if dupes := sorted({f"{s}.{t}" for s, t in labels if labels.count((s, t)) > 1}):
        raise MigrationError(f"{where} names {', '.join(dupes)} more than once")
    return specs


def _spec(raw: dict[str, Any], where: str) -> HypertableSpec:
    names = [raw.get("schema", "public"), raw["table"], raw["time_column"], raw.get("hash_column"),
             *raw.get("compression", {}).get("segmentby", [])]
    if long := [name for name in names if name and len(name.encode()) > NAME_MAX_BYTES]:
        raise MigrationError(f"{where}: {long[0]!r} is longer than {NAME_MAX_BYTES} bytes: give a name as the "
                             "catalog spells it")
    schema, table, time_column = raw.get("schema", "public"), raw["table"], raw["time_column"]
    where = f"{where} ({schema}.{table})"
    hash_column = raw.get("hash_column")
    if hash_column == time_column:
        raise MigrationError(f"{where}: hash_column must be another column than time_column {time_column!r}")
    compression = _compression(raw["compression"], f"{where}.compression") if "compression" in raw else None
    drop_after = _interval(raw["retention"]["drop_after"]) if "retention" in raw else None
    return HypertableSpec(schema, table, time_column, _interval(raw["chunk_interval"]), hash_column,
                          raw.get("hash_partitions"), compression, drop_after)


def _compression(raw: dict[str, Any], where: str) -> Compression:
    segmentby = tuple(raw.get("segmentby", []))
    orderby = []
    for item in raw.get("orderby", []):
        match = _ORDER_BY.match(item.strip())
        assert match is not None  # the pattern accepts any non-blank text (the schema asks for one)
        nulls = match["nulls"]
        orderby.append(OrderBy(match["column"], (match["direction"] or "asc").lower() == "desc",
                               None if nulls is None else nulls.lower() == "first"))
    if overlap := sorted(set(segmentby) & {o.column for o in orderby}):
        raise MigrationError(f"{where}: {', '.join(overlap)} cannot be in both segmentby and orderby")
    after = raw.get("compress_after")
    return Compression(segmentby, tuple(orderby), None if after is None else _interval(after))


def _interval(value: str | int) -> str | int:
    """An interval as text (checked by the server in the preflight) or a positive integer (integer time)."""
    return value.strip() if isinstance(value, str) else value


@dataclass(frozen=True)
class MigrationOptions:
    """One run's params as types, once validated (every field is a param of the same name)."""

    source_conn_id: str
    target_conn_id: str
    source_database: str | None
    target_database: str | None
    require_approval: bool
    pg_bin_dir: str | None
    dump_format: DumpFormat
    jobs: int
    roles: bool
    work_dir: str | None
    keep_dump: bool
    drain: bool
    drain_timeout: int
    terminate_sessions: bool
    rehearsal: bool
    privileges: str
    notify: tuple[str, ...]
    smtp_conn_id: str
    approvers: tuple[str, ...]
    stop_apps_timeout_hours: float
    hypertables: tuple[HypertableSpec, ...]

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> MigrationOptions:
        """The run's params (DEFAULTS for any not given), validated with the params' schema; names every bad one.
        A rehearsal turns off the gates, the drain and the ending of sessions, and needs a scratch target."""
        p = {**DEFAULTS, **{key: value for key, value in params.items() if key in DEFAULTS}}
        if problems := param_problems(p):
            raise MigrationError("param " + "; param ".join(problems))
        rehearsal = p["rehearsal"]
        target_database = p["target_database"] or None
        if rehearsal and not (target_database or "").startswith(REHEARSAL_DATABASE_PREFIX):
            raise MigrationError(
                f"param rehearsal=true needs target_database set to a scratch database named "
                f"{REHEARSAL_DATABASE_PREFIX}*, not {target_database!r}: a rehearsal never loads into the real target"
            )
        return cls(
            source_conn_id=p["source_conn_id"],
            target_conn_id=p["target_conn_id"],
            source_database=p["source_database"] or None,
            target_database=target_database,
            require_approval=p["require_approval"] and not rehearsal,
            pg_bin_dir=p["pg_bin_dir"] or None,
            dump_format=DumpFormat(p["dump_format"]),
            jobs=int(p["jobs"]),
            roles=p["roles"],
            work_dir=p["work_dir"] or None,
            keep_dump=p["keep_dump"],
            drain=p["drain"] and not rehearsal,
            drain_timeout=int(p["drain_timeout"]),
            terminate_sessions=p["terminate_sessions"] and not rehearsal,
            rehearsal=rehearsal,
            privileges=p["privileges"],
            notify=tuple(item.strip() for item in p["notify"]),
            smtp_conn_id=p["smtp_conn_id"],
            approvers=tuple(item.strip() for item in p["approvers"]),
            stop_apps_timeout_hours=float(p["stop_apps_timeout_hours"]),
            hypertables=hypertable_specs(p["hypertables"]),
        )
