"""Verification of the tables the load converted into hypertables (the `hypertables` param).

Their rows and checksums are compared with the source's tables in the data section like every relation's (the
target hashes the hypertable's chunks, the source its table). What the source cannot show is checked against
what was asked: the dimensions (time column and chunk interval, hash column and partitions), the compression
settings and the policies; the chunks are reported and every chunk must carry its hypertable's owner and
privileges. Those items leave the structure comparison (the source has no TimescaleDB objects for them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg

from timescale_migration.constants import TIMESCALEDB
from timescale_migration.copy.hypertables import ConversionRecord
from timescale_migration.db import catalog, privileges, timescale_features
from timescale_migration.options import HypertableSpec
from timescale_migration.verify import normalize
from timescale_migration.verify.compare import Check

SECTION = "hypertables (converted)"
CONVERTED_KIND = "table → hypertable"
"""The kind the data section shows for a converted table."""
POLICY_PROCS = {
    "policy_compression": ("compression", "compress_after"),
    "policy_retention": ("retention", "drop_after"),
}
"""A policy job's procedure -> (what it is, the config key holding its interval)."""


@dataclass(frozen=True)
class OnTarget:
    """One converted table as the target shows it (hypertable_conversions.sql)."""

    spec: HypertableSpec
    name: str
    dimensions: list[dict[str, Any]]
    chunks: dict[str, Any]
    compression: dict[str, Any] | None
    jobs: list[dict[str, Any]]

    def owns(self, item: str) -> bool:
        """Whether a TimescaleDB inventory item is about this hypertable (its own, a dimension, its chunks,
        compression or a job on it)."""
        return item == self.name or item.startswith(self.name + ".") or item.endswith(" on " + self.name)

    @property
    def chunk_keys(self) -> list[str]:
        """Its chunks as the privileges inventory names them."""
        return [table_key(schema, name) for schema, name in self.chunks.get("names") or []]


def table_key(schema: str, name: str) -> str:
    """A table's name in the privileges inventory."""
    return privileges.ObjectPrivileges("table", schema, name, None, "", False, frozenset()).key


def read(conn: psycopg.Connection, specs: Iterable[HypertableSpec]) -> list[OnTarget]:
    """Every converted table found on the target (a spec the target lacks is missing from the list)."""
    specs = list(specs)
    rows = catalog.rows(
        conn,
        "verify/hypertable_conversions",
        {"schemas": [s.schema for s in specs], "tables": [s.table for s in specs]},
    )
    by_name = {(r["schema_name"], r["table_name"]): r for r in rows}
    found = []
    for spec in specs:
        row = by_name.get((spec.schema, spec.table))
        if row is not None:
            found.append(
                OnTarget(
                    spec,
                    row["display_name"],
                    _json(row["dimensions"]) or [],
                    _json(row["chunks"]) or {},
                    _json(row["compression"]),
                    _json(row["jobs"]) or [],
                )
            )
    return found


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def interval_text(conn: psycopg.Connection, value: str | int | None) -> str | None:
    """An interval in the server's normal form (server/interval_value: "1 month" and "30 days" alike), or an
    integer as text; what was asked and what the target shows are both read so."""
    if value is None:
        return None
    if isinstance(value, int):
        return str(value)
    return str(catalog.rows(conn, "server/interval_value", {"value": value})[0]["value"])


def asked_dimensions(conn: psycopg.Connection, spec: HypertableSpec) -> str:
    """The dimensions the param asks for, described like `described_dimensions`."""
    parts = [f"time {spec.time_column} every {interval_text(conn, spec.chunk_interval)}"]
    if spec.hash_column:
        parts.append(f"hash {spec.hash_column} in {spec.hash_partitions} partition(s)")
    return "; ".join(parts)


def described_dimensions(conn: psycopg.Connection, dimensions: list[dict[str, Any]]) -> str:
    """The target's dimensions, in order."""
    return (
        "; ".join(
            f"time {d['column']} every {interval_text(conn, d['interval'] or d['integer_interval'])}"
            if d["type"] == "Time"
            else f"hash {d['column']} in {d['partitions']} partition(s)"
            for d in dimensions
        )
        or "none"
    )


def asked_compression(spec: HypertableSpec) -> str:
    """The compression the param asks for (TimescaleDB's default order: the time column descending)."""
    if spec.compression is None:
        return "none"
    order = [o.describe() for o in spec.compression.orderby] or [f"{spec.time_column} desc nulls first"]
    return f"segmentby {','.join(spec.compression.segmentby) or '-'} orderby {','.join(order)}"


def described_compression(settings: dict[str, Any] | None) -> str:
    """The target's compression settings of the hypertable."""
    if not settings:
        return "none"
    order = [
        f"{column} {'desc' if desc else 'asc'} nulls {'first' if first else 'last'}"
        for column, desc, first in zip(
            settings["orderby"], settings["orderby_desc"], settings["orderby_nullsfirst"], strict=False
        )
    ]
    return f"segmentby {','.join(settings['segmentby']) or '-'} orderby {','.join(order) or '-'}"


def asked_policies(conn: psycopg.Connection, spec: HypertableSpec) -> str:
    """The policies the param asks for."""
    after = spec.compression.compress_after if spec.compression else None
    parts = [
        f"{what} after {interval_text(conn, value)}"
        for what, value in (("compression", after), ("retention", spec.drop_after))
        if value is not None
    ]
    return "; ".join(parts) or "none"


def described_policies(conn: psycopg.Connection, jobs: list[dict[str, Any]]) -> str:
    """The target's policy jobs on the hypertable (any other job is named as such)."""
    parts = []
    for job in jobs:
        what, key = POLICY_PROCS.get(job["proc"], (f"job {job['proc']}", None))
        value = (job.get("config") or {}).get(key) if key else None
        parts.append(f"{what} after {interval_text(conn, value)}" if key else what)
    return "; ".join(sorted(parts)) or "none"


def checks(
    conn: psycopg.Connection,
    specs: Iterable[HypertableSpec],
    found: list[OnTarget],
    target_privileges: dict[str, str] | None,
    data: dict[str, Check],
) -> list[Check]:
    """Per converted table: the hypertable exists, its dimensions, chunks, compression, policies and chunks'
    privileges as asked."""
    result = []
    by_spec = {(c.spec.schema, c.spec.table): c for c in found}
    for spec in specs:
        table = by_spec.get((spec.schema, spec.table))
        if table is None:
            result.append(
                Check(
                    SECTION,
                    f"{spec.label} hypertable",
                    "hypertable",
                    None,
                    False,
                    "is not a hypertable on the target (was it converted?)",
                    {"table": spec.label},
                )
            )
            continue
        extra = {"table": table.name}
        rows = data.get(table.name)
        if rows is not None:
            rows.extra["kind"] = CONVERTED_KIND
        asked = asked_dimensions(conn, spec)
        shown = described_dimensions(conn, table.dimensions)
        result.append(
            Check(
                SECTION,
                f"{table.name} dimensions",
                asked,
                shown,
                asked == shown,
                "" if asked == shown else f"asked {asked}, the target has {shown}",
                extra,
            )
        )
        count = int(table.chunks.get("count") or 0)
        source_rows = rows.source if rows is not None else None
        chunks_ok = count > 0 or not source_rows
        span = f"{count} chunk(s)" + (f" from {table.chunks['first']} to {table.chunks['last']}" if count else "")
        result.append(
            Check(
                SECTION,
                f"{table.name} chunks",
                f"{source_rows} row(s)",
                span,
                chunks_ok,
                "" if chunks_ok else "the source's rows are in no chunk",
                {**extra, "chunks": count},
            )
        )
        asked = asked_compression(spec)
        shown = described_compression(table.compression)
        result.append(
            Check(
                SECTION,
                f"{table.name} compression",
                asked,
                shown,
                asked == shown,
                "" if asked == shown else f"asked {asked}, the target has {shown}",
                extra,
            )
        )
        asked, shown = asked_policies(conn, spec), described_policies(conn, table.jobs)
        result.append(
            Check(
                SECTION,
                f"{table.name} policies",
                asked,
                shown,
                asked == shown,
                "" if asked == shown else f"asked {asked}, the target has {shown}",
                extra,
            )
        )
        if target_privileges is not None:
            result.append(_chunk_privileges(table, target_privileges, extra))
    return result


def _chunk_privileges(table: OnTarget, items: dict[str, str], extra: dict[str, Any]) -> Check:
    """Every chunk's owner and privileges are its hypertable's (GRANT and ALTER OWNER on a hypertable reach its
    chunks)."""
    own = _rights(items.get(table_key(table.spec.schema, table.spec.table)))
    differing = [key for key in table.chunk_keys if _rights(items.get(key)) != own]
    name = f"{table.name} chunks' owner and privileges"
    count = len(table.chunk_keys)
    if differing:
        return Check(
            SECTION,
            name,
            own,
            items.get(differing[0]),
            False,
            f"{len(differing)} of {count} chunk(s) differ from the hypertable, e.g. {differing[0]}",
            extra,
        )
    return Check(SECTION, name, own, f"{count} chunk(s) alike", True, "", extra)


def _rights(item: str | None) -> str | None:
    """An item of the privileges sections as owner and privileges only (a chunk's also names its parent)."""
    if item is None:
        return None
    data = json.loads(item)
    return json.dumps({"owner": data.get("owner"), "acl": data.get("acl")})


def without_converted(
    inventory: dict[str, dict[str, str]], source: dict[str, dict[str, str]], found: list[OnTarget]
) -> dict[str, dict[str, str]]:
    """The target's inventory without what only the conversion made (and the source cannot have): its
    TimescaleDB items about the converted tables and their chunks' privileges, checked by `checks` instead, and
    the clones on each chunk of a foreign key that points at a converted table (TimescaleDB 2.16+ makes them;
    the key itself is compared)."""
    chunk_keys = {key for table in found for key in table.chunk_keys}
    chunk_references = tuple(
        f"REFERENCES {schema}.{name}(" for table in found for schema, name in table.chunks.get("names") or []
    )
    result = {}
    for section, items in inventory.items():
        theirs = source.get(section, {})
        if section.startswith("timescaledb "):
            items = {k: v for k, v in items.items() if k in theirs or not any(t.owns(k) for t in found)}
        elif section in (privileges.SECTION, privileges.MANAGED_SECTION):
            items = {k: v for k, v in items.items() if k in theirs or k not in chunk_keys}
        elif section == "constraints":  # a foreign key to a hypertable is cloned onto each chunk it references;
            # the time column's NOT NULL the conversion adds is a constraint row on PostgreSQL 18 (the columns
            # section compares it, as the preflight announced)
            items = {
                k: v
                for k, v in items.items()
                if k in theirs
                or not (
                    any(r in v for r in chunk_references)
                    or (normalize.not_null_kind(v) == "column" and any(k.startswith(t.name + ".") for t in found))
                )
            }
        result[section] = items
    return result


def schedule_policies(conn: psycopg.Connection, record: ConversionRecord, log: Any) -> list[int]:
    """Schedule the policy jobs the conversion added paused (the target is proven); their ids."""
    jobs = record.paused_jobs
    if jobs:
        schema = catalog.installed_extensions(conn)[TIMESCALEDB]["schema"]
        timescale_features.alter_jobs(conn, schema, jobs, scheduled=True)
        log.info(
            "scheduled the %d policy job(s) of the converted hypertables: %s", len(jobs), ", ".join(map(str, jobs))
        )
    return jobs
