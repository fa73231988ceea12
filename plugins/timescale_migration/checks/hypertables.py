"""Preflight of the `hypertables` param: can each named source table become a hypertable on this target, in
this format? Every problem is a finding (blocking, or a warning shown at the gate); nothing is changed.

What create_hypertable refuses (seen on TimescaleDB 2.19): a table that is partitioned, a partition, an
inheritance parent or child, unlogged or temporary; a time column of another type than the time and integer
types, or a generated one; a NULL in the time column; a unique index (primary key, unique or exclusion
constraint) without every partitioning column; rules; row triggers with transition tables; a foreign key
between two hypertables. Foreign keys that point at a hypertable need TimescaleDB 2.16 or newer. Compression
and policies need the community build.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import psycopg

from timescale_migration.checks.findings import BLOCKING, WARNING, Finding
from timescale_migration.checks.preflight import Preflight, check
from timescale_migration.constants import TIMESCALEDB, DumpFormat
from timescale_migration.db import catalog, sqlfiles
from timescale_migration.db.timescale_features import APACHE
from timescale_migration.options import HypertableSpec, MigrationOptions

CHECK = "hypertables"
CONVERTING_FORMATS = (DumpFormat.PARALLEL, DumpFormat.DIRECTORY)
"""The formats that load the definitions, then the rows: the conversion happens in between."""
TIME_TYPES = ("timestamp with time zone", "timestamp without time zone", "date")
INTEGER_TYPES = ("smallint", "integer", "bigint")
MIN_VERSION = (2, 13)
"""create_hypertable(..., by_range(...)) and add_dimension(..., by_hash(...)) exist from 2.13 on."""
FK_TO_HYPERTABLE_VERSION = (2, 16)
"""Foreign keys may point at a hypertable from 2.16 on."""
NULLS_EXPECTED = "columns"
"""The verify section where a time column made NOT NULL differs (accepted: the finding announced it)."""


def version_tuple(version: str) -> tuple[int, ...]:
    """ "2.19.3" -> (2, 19, 3); anything after a non-digit is ignored."""
    parts = []
    for part in version.split("."):
        digits = "".join(ch for ch in part if ch.isdigit()) if part[:1].isdigit() else ""
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def preflight(opts: MigrationOptions, source: psycopg.Connection, target: psycopg.Connection) -> list[Finding]:
    """Every finding about the hypertables param; [] when it names no table."""
    if not opts.hypertables:
        return []
    found: list[Finding] = []
    if opts.dump_format not in CONVERTING_FORMATS:
        found.append(
            _blocking(
                f"dump_format={opts.dump_format.value}",
                (
                    f"{len(opts.hypertables)} table(s) are to become hypertables, which only the "
                    f"{' and '.join(f.value for f in CONVERTING_FORMATS)} formats do (they load the definitions, "
                    f"convert "
                    "the empty tables, then load the rows); choose dump_format parallel or directory, or leave "
                    "hypertables empty"
                ),
            )
        )
    if TIMESCALEDB in catalog.installed_extensions(source):
        found.append(
            _blocking(
                "source database",
                (
                    "the source runs TimescaleDB: its dump loads in restoring mode (timescaledb_pre_restore), where "
                    "a table "
                    "converted on the target would not route rows into chunks; hypertables converts tables of a plain "
                    "PostgreSQL source. Convert them on the source (create_hypertable) before the migration, or "
                    "migrate "
                    "them as they are"
                ),
            )
        )
    target_ts = _target(opts.hypertables, target, found)
    converting = {(spec.schema, spec.table) for spec in opts.hypertables}
    for spec in opts.hypertables:
        found += table_findings(spec, source, target_ts, converting)
    return found


def _target(
    specs: tuple[HypertableSpec, ...], target: psycopg.Connection, found: list[Finding]
) -> dict[str, Any] | None:
    """TimescaleDB in the target database ({version, license}), or None with a blocking finding."""
    installed = catalog.installed_extensions(target).get(TIMESCALEDB)
    if installed is None:
        offered = TIMESCALEDB in catalog.available_extensions(target)
        found.append(
            _blocking(
                "target database",
                (
                    "TimescaleDB is not installed in the target database, so no table can become a hypertable there: "
                    + (
                        "run CREATE EXTENSION timescaledb in it first (a Timescale service has it already)"
                        if offered
                        else "the target server does not offer it; use a target with TimescaleDB (Timescale)"
                    )
                ),
            )
        )
        return None
    version = installed["version"]
    if version_tuple(version) < MIN_VERSION:
        found.append(
            _blocking(
                "target database",
                (
                    f"the target runs TimescaleDB {version}; converting uses create_hypertable with by_range/by_hash, "
                    f"which need {'.'.join(map(str, MIN_VERSION))} or newer: update TimescaleDB on the target"
                ),
            )
        )
    license_ = catalog.rows(target, "timescaledb/license")[0]["license"]
    if license_ == APACHE:
        for spec in specs:
            if spec.community:
                asked = [
                    w
                    for w, on in (
                        ("compression", spec.compression is not None),
                        ("a retention policy", spec.drop_after is not None),
                    )
                    if on
                ]
                found.append(
                    _blocking(
                        spec.label,
                        (
                            f"{' and '.join(asked)} need(s) TimescaleDB's community build, and the target runs the "
                            f"Apache "
                            "build (timescaledb.license = apache): remove compression/retention for this table, or "
                            "use a "
                            "target with the community build (Timescale's services have it)"
                        ),
                    )
                )
    return {"version": version, "license": license_}


def table_findings(
    spec: HypertableSpec,
    source: psycopg.Connection,
    target_ts: dict[str, Any] | None,
    converting: Collection[tuple[str, str]] = (),
) -> list[Finding]:
    """What stops (or changes) the conversion of one source table (`converting`: every table to convert)."""
    found: list[Finding] = []
    rows = catalog.rows(source, "checks/hypertable_source_table", {"schema": spec.schema, "table": spec.table})
    if not rows:
        return [
            _blocking(
                spec.label,
                "no such table in the source database (names are exact: schema and table as the catalog spells them)",
            )
        ]
    table = rows[0]
    if table["kind"] != "table" or table["is_partition"] or table["parents"] or table["children"]:
        what = (
            f"is a {table['kind']}"
            if table["kind"] != "table"
            else "is a partition of a partitioned table"
            if table["is_partition"]
            else f"inherits from {table['parents']}"
            if table["parents"]
            else f"has {table['children']} inheritance child table(s)"
        )
        found.append(
            _blocking(
                spec.label,
                f"{what}; a hypertable must be a plain table without inheritance: leave it out of hypertables",
            )
        )
    if table["persistence"] != "logged":
        found.append(
            _blocking(
                spec.label,
                f"is {table['persistence']}; a hypertable must be logged: leave it out "
                "of hypertables, or ALTER TABLE ... SET LOGGED on the source first",
            )
        )
    if table["rules"]:
        found.append(
            _blocking(
                spec.label,
                f"has rule(s) {', '.join(table['rules'])}; hypertables do not support "
                "rules: drop them on the source first, or leave the table out",
            )
        )
    if table["transition_row_triggers"]:
        found.append(
            _blocking(
                spec.label,
                (
                    f"has row trigger(s) with transition tables ({', '.join(table['transition_row_triggers'])}), which "
                    "hypertables refuse: make them statement triggers on the source first, or leave the table out"
                ),
            )
        )
    columns = {
        c["column_name"]: c for c in catalog.rows(source, "checks/hypertable_source_columns", {"oid": table["oid"]})
    }
    found += _time_column(spec, source, columns)
    found += _other_columns(spec, columns)
    for index in catalog.rows(source, "checks/hypertable_unique_indexes", {"oid": table["oid"]}):
        if missing := [c for c in spec.partitioning_columns if c not in index["columns"]]:
            found.append(
                _blocking(
                    spec.label,
                    (
                        f"{index['kind']} {index['index_name']} "
                        f"({', '.join(index['columns']) or 'expressions only'}) does "
                        f"not include {', '.join(missing)}; every unique index of a hypertable must include its "
                        f"partitioning column(s) {', '.join(spec.partitioning_columns)}: add them to "
                        f"{index['index_name']} on the source first, or leave the table out"
                    ),
                )
            )
    keys = catalog.rows(source, "checks/hypertable_foreign_keys", {"oid": table["oid"]})
    if between := [k["name"] for k in keys if k["outgoing"] and (k["other_schema"], k["other_table"]) in converting]:
        found.append(
            _blocking(
                spec.label,
                (
                    f"foreign key(s) {', '.join(between)} point at a table that is to become a hypertable too, and "
                    "TimescaleDB refuses foreign keys between hypertables: leave one of the two tables out"
                ),
            )
        )
    references = [k["name"] for k in keys if not k["outgoing"]]
    if references and target_ts and version_tuple(target_ts["version"]) < FK_TO_HYPERTABLE_VERSION:
        found.append(
            _blocking(
                spec.label,
                (
                    f"foreign key(s) {', '.join(references)} point at it, and TimescaleDB {target_ts['version']} "
                    f"does not "
                    f"allow foreign keys that reference a hypertable (from "
                    f"{'.'.join(map(str, FK_TO_HYPERTABLE_VERSION))} "
                    "on): update TimescaleDB on the target, or leave the table out"
                ),
            )
        )
    if references and spec.compression is not None:
        found.append(
            Finding(
                CHECK,
                WARNING,
                spec.label,
                (
                    f"foreign key(s) {', '.join(references)} point at it and compression is asked: TimescaleDB "
                    f"converts "
                    "the table and loads its rows, but cannot compress a chunk that a foreign key points into "
                    "('found a FK "
                    "into a chunk while truncating', seen on 2.19 and 2.20), so the compression policy will fail on "
                    "every "
                    "chunk after the migration"
                ),
                remedy="drop those foreign keys on the source first, or convert the table without compression",
            )
        )
    return found


def _time_column(spec: HypertableSpec, source: psycopg.Connection, columns: dict[str, dict[str, Any]]) -> list[Finding]:
    column = columns.get(spec.time_column)
    if column is None:
        return [_blocking(spec.label, f"has no column {spec.time_column!r} (time_column)")]
    kind = column["type_name"]
    found = []
    if column["generated"] or kind not in TIME_TYPES + INTEGER_TYPES:
        why = "is a generated column" if column["generated"] else f"has type {kind}"
        found.append(
            _blocking(
                spec.label,
                (
                    f"time column {spec.time_column} {why}; a hypertable's time column must be a stored column of type "
                    f"{', '.join(TIME_TYPES + INTEGER_TYPES)}"
                ),
            )
        )
        return found
    found += _interval(spec, source, "chunk_interval", spec.chunk_interval, kind)
    compress_after = spec.compression.compress_after if spec.compression else None
    policies = [
        (w, v)
        for w, v in (("compression.compress_after", compress_after), ("retention.drop_after", spec.drop_after))
        if v is not None
    ]
    for what, value in policies:
        if kind in INTEGER_TYPES:
            found.append(
                _blocking(
                    spec.label,
                    (
                        f"{what}: a policy on an integer time column needs an integer_now function, which the "
                        f"migration "
                        "does not create: leave the policy out and add it after the migration"
                    ),
                )
            )
        else:
            found += _interval(spec, source, what, value, kind)
    if not column["not_null"]:
        if _has_nulls(source, spec):
            found.append(
                _blocking(
                    spec.label,
                    (
                        f"time column {spec.time_column} holds NULL in some rows; a hypertable's time column cannot: "
                        f"give "
                        "them a time (or delete them) on the source first, or leave the table out"
                    ),
                )
            )
        else:
            found.append(
                Finding(
                    CHECK,
                    WARNING,
                    spec.label,
                    (
                        f"time column {spec.time_column} allows NULL on the source (none is there); the hypertable "
                        f"makes "
                        "it NOT NULL, as every dimension is: verify accepts that one difference"
                    ),
                    (NULLS_EXPECTED, column["inventory_name"]),
                )
            )
    return found


def _other_columns(spec: HypertableSpec, columns: dict[str, dict[str, Any]]) -> list[Finding]:
    found = []
    if spec.hash_column is not None:
        column = columns.get(spec.hash_column)
        if column is None:
            found.append(_blocking(spec.label, f"has no column {spec.hash_column!r} (hash_column)"))
        elif column["generated"] or not column["hashable"]:
            why = (
                "is a generated column"
                if column["generated"]
                else f"has type {column['type_name']}, which has no default hash operator class"
            )
            found.append(_blocking(spec.label, f"hash column {spec.hash_column} {why}; choose another hash_column"))
    if spec.compression is not None:
        named = [*spec.compression.segmentby, *(o.column for o in spec.compression.orderby)]
        if missing := [c for c in named if c not in columns]:
            found.append(
                _blocking(spec.label, f"has no column(s) {', '.join(missing)} (compression segmentby or orderby)")
            )
    return found


def _interval(
    spec: HypertableSpec, source: psycopg.Connection, what: str, value: str | int, kind: str
) -> list[Finding]:
    """An interval that suits the time column's type: an interval for a time type, an integer for an integer."""
    if kind in INTEGER_TYPES:
        if isinstance(value, int):
            return []
        return [
            _blocking(
                spec.label,
                f"{what}={value!r}: the time column has type {kind}, so give an integer (in the column's units)",
            )
        ]
    if isinstance(value, int):
        return [
            _blocking(
                spec.label, f'{what}={value!r}: the time column has type {kind}, so give an interval such as "1 day"'
            )
        ]
    try:
        catalog.rows(source, "server/interval_value", {"value": value})
    except psycopg.errors.DataError as err:
        return [
            _blocking(
                spec.label,
                f'{what}={value!r} is not an interval ({err.diag.message_primary}); give one such as "1 day"',
            )
        ]
    return []


def _has_nulls(source: psycopg.Connection, spec: HypertableSpec) -> bool:
    statement = sqlfiles.compose("checks/column_has_nulls", table=(spec.schema, spec.table), column=spec.time_column)
    return bool(catalog.run(source, statement)[0][0])


def _blocking(subject: str, message: str) -> Finding:
    return Finding(CHECK, BLOCKING, subject, message)


@check(CHECK, "tables to become hypertables")
def tables(pre: Preflight) -> list[Finding]:
    """The hypertables param's findings, as a check of checks/registry.py."""
    return preflight(pre.opts, pre.src, pre.tgt)
