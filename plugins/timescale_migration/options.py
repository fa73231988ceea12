"""The migration's trigger-form params: their definitions (shared by the DAGs) and their parsed form."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow.sdk import Param

from timescale_migration.constants import (
    DEFAULT_DUMP_FORMAT,
    DUMP_FORMATS,
    MAX_JOBS,
    PRIVILEGE_MODES,
    REHEARSAL_DATABASE_PREFIX,
    DumpFormat,
)
from timescale_migration.exceptions import MigrationError

DEFAULT_STOP_APPS_TIMEOUT_HOURS = 24
MAX_STOP_APPS_TIMEOUT_HOURS = 24 * 30


def migration_params(**defaults: Any) -> dict[str, Param]:
    """Params of one migration run; `defaults` overrides a default value by name."""
    d = {
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
        "stop_apps_timeout_hours": DEFAULT_STOP_APPS_TIMEOUT_HOURS,
        "hypertables": [],
        **defaults,
    }
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
        "approvers": Param(d["approvers"], type="array", items={"type": "string", "minLength": 1},
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
        "drain_timeout": Param(d["drain_timeout"], type="integer", minimum=0, maximum=86400,
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
        "hypertables": Param(d["hypertables"], type="array", items={"type": "object"},
                             title="Convert tables to hypertables",
                             description=HYPERTABLES_HELP, section="Hypertables"),
        "rehearsal": Param(d["rehearsal"], type="boolean", title="Rehearsal",
                           description="A rehearsal (rehearse_migrations sets it): no gates, no drain, source jobs "
                                       "left alone, no cutover; the target database must be a scratch database "
                                       f"named {REHEARSAL_DATABASE_PREFIX}*",
                           section="Rehearsal"),
    }


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
HASH_PARTITIONS_MAX = 32767
_ORDER_BY = re.compile(r"^(?P<column>.+?)(?:\s+(?P<direction>asc|desc))?(?:\s+nulls\s+(?P<nulls>first|last))?$",
                       re.IGNORECASE | re.DOTALL)
_SPEC_KEYS = {"schema", "table", "time_column", "chunk_interval", "hash_column", "hash_partitions", "compression",
              "retention"}


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


def parse_hypertables(value: Any, where: str = "param hypertables") -> tuple[HypertableSpec, ...]:
    """Validate the hypertables param (or a config's key) and name what is wrong; [] or None: no table."""
    if value in (None, "", []):
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as err:
            raise MigrationError(f"{where} is not valid JSON ({err}); give a list such as "
                                 f"{json.dumps(HYPERTABLE_EXAMPLE)}") from None
    if not isinstance(value, list):
        raise MigrationError(f"{where} must be a list of tables, such as {json.dumps(HYPERTABLE_EXAMPLE)}")
    specs = tuple(_spec(item, f"{where}[{i}]") for i, item in enumerate(value))
    labels = [(s.schema, s.table) for s in specs]
    if dupes := sorted({f"{s}.{t}" for s, t in labels if labels.count((s, t)) > 1}):
        raise MigrationError(f"{where} names {', '.join(dupes)} more than once")
    return specs


def _spec(raw: Any, where: str) -> HypertableSpec:
    if not isinstance(raw, dict):
        raise MigrationError(f"{where} must be an object with table, time_column and chunk_interval, not {raw!r}")
    if unknown := sorted(set(raw) - _SPEC_KEYS):
        raise MigrationError(f"{where} has unknown key(s) {', '.join(unknown)} "
                             f"(known: {', '.join(sorted(_SPEC_KEYS))})")
    schema = _name(raw.get("schema", "public"), f"{where}.schema")
    table = _name(raw.get("table"), f"{where}.table")
    where = f"{where} ({schema}.{table})"
    time_column = _name(raw.get("time_column"), f"{where}.time_column")
    chunk_interval = _interval(raw.get("chunk_interval"), f"{where}.chunk_interval")
    hash_column, partitions = raw.get("hash_column"), raw.get("hash_partitions")
    if (hash_column is None) != (partitions is None):
        raise MigrationError(f"{where}: give hash_column and hash_partitions together, or neither")
    if hash_column is not None:
        hash_column = _name(hash_column, f"{where}.hash_column")
        if hash_column == time_column:
            raise MigrationError(f"{where}: hash_column must be another column than time_column {time_column!r}")
        if not whole_number(partitions, 1, HASH_PARTITIONS_MAX):
            raise MigrationError(f"{where}.hash_partitions={partitions!r}: give an integer from 1 to "
                                 f"{HASH_PARTITIONS_MAX}")
    compression = _compression(raw["compression"], f"{where}.compression") if "compression" in raw else None
    drop_after = None
    if "retention" in raw:
        retention = raw["retention"]
        if not isinstance(retention, dict) or set(retention) != {"drop_after"}:
            raise MigrationError(f"{where}.retention must be {{\"drop_after\": <interval>}}, not {retention!r}")
        drop_after = _interval(retention["drop_after"], f"{where}.retention.drop_after")
    return HypertableSpec(schema, table, time_column, chunk_interval, hash_column, partitions, compression,
                          drop_after)


def _compression(raw: Any, where: str) -> Compression:
    if not isinstance(raw, dict) or set(raw) - {"segmentby", "orderby", "compress_after"}:
        raise MigrationError(f"{where} must be an object of segmentby, orderby (lists) and compress_after, "
                             f"not {raw!r}")
    segmentby = tuple(_name(c, f"{where}.segmentby") for c in _list(raw.get("segmentby", []), f"{where}.segmentby"))
    orderby = []
    for item in _list(raw.get("orderby", []), f"{where}.orderby"):
        match = _ORDER_BY.match(item.strip()) if isinstance(item, str) else None
        if match is None:
            raise MigrationError(f"{where}.orderby item {item!r}: give \"column [ASC|DESC] [NULLS FIRST|LAST]\"")
        nulls = match["nulls"]
        orderby.append(OrderBy(match["column"], (match["direction"] or "asc").lower() == "desc",
                               None if nulls is None else nulls.lower() == "first"))
    if overlap := sorted(set(segmentby) & {o.column for o in orderby}):
        raise MigrationError(f"{where}: {', '.join(overlap)} cannot be in both segmentby and orderby")
    after = raw.get("compress_after")
    return Compression(segmentby, tuple(orderby),
                       None if after is None else _interval(after, f"{where}.compress_after"))


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise MigrationError(f"{where} must be a list of column names, not {value!r}")
    return value


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value or len(value.encode()) > 63 or "\x00" in value:
        raise MigrationError(f"{where}={value!r}: give a name as the catalog spells it (1-63 bytes, case as is)")
    return value


def _interval(value: Any, where: str) -> str | int:
    """An interval as text (checked by the server in the preflight) or a positive integer (integer time)."""
    if not (whole_number(value, 1) or (isinstance(value, str) and value.strip())):
        raise MigrationError(f"{where}={value!r}: give an interval such as \"1 day\", or a positive integer for an "
                             "integer time column")
    return value.strip() if isinstance(value, str) else value


@dataclass(frozen=True)
class MigrationOptions:
    """Parsed params of one run."""

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
    drain: bool = True
    drain_timeout: int = 60
    terminate_sessions: bool = False
    rehearsal: bool = False
    privileges: str = "as_source"
    notify: tuple[str, ...] = ()
    smtp_conn_id: str = "smtp_default"
    approvers: tuple[str, ...] = ()
    stop_apps_timeout_hours: float = DEFAULT_STOP_APPS_TIMEOUT_HOURS
    hypertables: tuple[HypertableSpec, ...] = field(default=())

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> MigrationOptions:
        """Validate params (again: a CLI run can bypass the form) and name any bad one."""
        jobs = params.get("jobs", 2)
        if not whole_number(jobs, 1, MAX_JOBS):
            raise MigrationError(f"param jobs={jobs!r} is out of range: give an integer from 1 to {MAX_JOBS}")
        dump_format = params.get("dump_format", DEFAULT_DUMP_FORMAT)
        if dump_format not in DUMP_FORMATS:
            raise MigrationError(f"param dump_format={dump_format!r} is not one of {', '.join(DUMP_FORMATS)}")
        for key in ("source_conn_id", "target_conn_id"):
            if not params.get(key):
                raise MigrationError(f"param {key} is empty: name an Airflow connection")
        privileges = params.get("privileges") or "as_source"
        if privileges not in PRIVILEGE_MODES:
            raise MigrationError(f"param privileges={privileges!r} is not one of {', '.join(PRIVILEGE_MODES)}")
        rehearsal = _flag(params, "rehearsal", False)
        target_database = params.get("target_database") or None
        if rehearsal and not (target_database or "").startswith(REHEARSAL_DATABASE_PREFIX):
            raise MigrationError(
                f"param rehearsal=true needs target_database set to a scratch database named "
                f"{REHEARSAL_DATABASE_PREFIX}*, not {target_database!r}: a rehearsal never loads into the real target"
            )
        return cls(
            source_conn_id=params["source_conn_id"],
            target_conn_id=params["target_conn_id"],
            source_database=params.get("source_database") or None,
            target_database=target_database,
            require_approval=_flag(params, "require_approval", True) and not rehearsal,
            pg_bin_dir=params.get("pg_bin_dir") or None,
            dump_format=DumpFormat(dump_format),
            jobs=jobs,
            roles=_flag(params, "roles", True),
            work_dir=params.get("work_dir") or None,
            keep_dump=_flag(params, "keep_dump", False),
            drain=_flag(params, "drain", True) and not rehearsal,
            drain_timeout=_seconds(params.get("drain_timeout", 60)),
            terminate_sessions=_flag(params, "terminate_sessions", False) and not rehearsal,
            rehearsal=rehearsal,
            privileges=privileges,
            notify=_strings(params, "notify"),
            smtp_conn_id=params.get("smtp_conn_id") or "smtp_default",
            approvers=_strings(params, "approvers"),
            stop_apps_timeout_hours=_hours(params.get("stop_apps_timeout_hours", DEFAULT_STOP_APPS_TIMEOUT_HOURS)),
            hypertables=parse_hypertables(params.get("hypertables")),
        )


def whole_number(value: Any, low: int, high: int | None = None) -> bool:
    """Whether value is an integer (a bool is not) from low to high (no upper bound when high is None)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= low and (high is None or value <= high)


def _seconds(value: Any) -> int:
    if not whole_number(value, 0, 86400):
        raise MigrationError(f"param drain_timeout={value!r} is out of range: give seconds from 0 to 86400")
    return value


def _strings(params: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = params.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) and item.strip() for item in value):
        raise MigrationError(f"param {key}={value!r} must be a list of non-empty strings")
    return tuple(item.strip() for item in value)


def _hours(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_STOP_APPS_TIMEOUT_HOURS:
        raise MigrationError(f"param stop_apps_timeout_hours={value!r} is out of range: give hours from 0 to "
                             f"{MAX_STOP_APPS_TIMEOUT_HOURS} (0: wait for ever)")
    return float(value)


def _flag(params: Mapping[str, Any], key: str, default: bool) -> bool:
    value = params.get(key, default)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
