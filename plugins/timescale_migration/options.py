"""A run's params as types once validated: `MigrationOptions` validates with the params' schema (params.py) once more
(a task may be run without Airflow creating the run: tests, operators used alone) and adds only the rules across
fields that a schema cannot state."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from timescale_migration.constants import REHEARSAL_DATABASE_PREFIX, DumpFormat
from timescale_migration.exceptions import MigrationError
from timescale_migration.params import DEFAULTS, NAME_MAX_BYTES, error_path, error_reason, validators

_ORDER_BY = re.compile(
    r"^(?P<column>.+?)(?:\s+(?P<direction>asc|desc))?(?:\s+nulls\s+(?P<nulls>first|last))?$", re.IGNORECASE | re.DOTALL
)


def param_problems(values: Mapping[str, Any]) -> list[str]:
    """What the params' schema refuses in `values` (param name -> value), one "name[path]=value: why" each; names
    that are no param are refused too."""
    checkers = validators()
    problems = []
    for name, value in values.items():
        if name not in checkers:
            problems.append(f"{name} is not a param of migrate_database")
            continue
        for error in sorted(checkers[name].iter_errors(value), key=lambda e: list(map(str, e.absolute_path))):
            shown = "" if isinstance(error.instance, dict | list) else f"={error.instance!r}"
            problems.append(f"{name}{error_path(error)}{shown}: {error_reason(error)}")
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
        return (
            f"{self.column} {'desc' if self.descending else 'asc'} "
            f"nulls {'first' if self.nulls_placed_first else 'last'}"
        )


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
            parts.append(
                "compression"
                + (f" after {self.compression.compress_after}" if self.compression.compress_after is not None else "")
            )
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
    names = [
        raw.get("schema", "public"),
        raw["table"],
        raw["time_column"],
        raw.get("hash_column"),
        *raw.get("compression", {}).get("segmentby", []),
    ]
    if long := [name for name in names if name and len(name.encode()) > NAME_MAX_BYTES]:
        raise MigrationError(
            f"{where}: {long[0]!r} is longer than {NAME_MAX_BYTES} bytes: give a name as the catalog spells it"
        )
    schema, table, time_column = raw.get("schema", "public"), raw["table"], raw["time_column"]
    where = f"{where} ({schema}.{table})"
    hash_column = raw.get("hash_column")
    if hash_column == time_column:
        raise MigrationError(f"{where}: hash_column must be another column than time_column {time_column!r}")
    compression = _compression(raw["compression"], f"{where}.compression") if "compression" in raw else None
    drop_after = _interval(raw["retention"]["drop_after"]) if "retention" in raw else None
    return HypertableSpec(
        schema,
        table,
        time_column,
        _interval(raw["chunk_interval"]),
        hash_column,
        raw.get("hash_partitions"),
        compression,
        drop_after,
    )


def _compression(raw: dict[str, Any], where: str) -> Compression:
    segmentby = tuple(raw.get("segmentby", []))
    orderby = []
    for item in raw.get("orderby", []):
        match = _ORDER_BY.match(item.strip())
        assert match is not None  # the pattern accepts any non-blank text (the schema asks for one)
        nulls = match["nulls"]
        orderby.append(
            OrderBy(
                match["column"],
                (match["direction"] or "asc").lower() == "desc",
                None if nulls is None else nulls.lower() == "first",
            )
        )
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
    stage_schema: bool
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
            stage_schema=p["stage_schema"],
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
