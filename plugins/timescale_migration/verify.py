"""Compare what the source holds with what the target holds: exact row counts, sequences, large objects."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg
from psycopg import sql as pgsql

from timescale_migration import catalog, sql


def display(schema: str, name: str) -> str:
    """schema.name quoted the way PostgreSQL would print it."""
    return pgsql.Identifier(schema, name).as_string()


@dataclass(frozen=True)
class Check:
    """One compared item: a table's rows, a sequence's state, the large-object count."""

    kind: str
    name: str
    source: Any
    target: Any

    @property
    def ok(self) -> bool:
        """Whether both sides agree."""
        return self.source == self.target

    def describe(self) -> str:
        """One line for a failure message."""
        return f"{self.kind} {self.name}: source {_show(self.source)}, target {_show(self.target)}"


def _show(value: Any) -> str:
    return "missing" if value is None else str(value)


@dataclass
class VerifyReport:
    """Every check made, and the ones that differ."""

    checks: list[Check] = field(default_factory=list)

    @property
    def differences(self) -> list[Check]:
        """Checks where source and target differ."""
        return [check for check in self.checks if not check.ok]

    def summary(self) -> dict[str, Any]:
        """Counts for XCom and the log."""
        tables = [c for c in self.checks if c.kind not in ("sequence", "large objects")]
        return {
            "tables": len(tables),
            "rows": sum(c.source for c in tables if isinstance(c.source, int)),
            "sequences": sum(1 for c in self.checks if c.kind == "sequence"),
            "differences": [c.describe() for c in self.differences],
        }

    def to_dict(self) -> dict[str, Any]:
        """Full JSON-friendly form."""
        return {"checks": [asdict(c) | {"ok": c.ok} for c in self.checks], **self.summary()}


def table_rows(conn: psycopg.Connection) -> dict[str, tuple[str, int | str]]:
    """display name -> (kind, exact row count) for every user table; hypertables marked as such.

    A table whose rows row-level security would hide from this user gets a message instead of a count.
    """
    catalog.run(conn, sql.query("row_security_off"))
    hypertables = catalog.hypertables(conn)
    result: dict[str, tuple[str, int | str]] = {}
    for schema, table, kind in catalog.user_tables(conn):
        kind = "hypertable" if (schema, table) in hypertables else kind
        try:
            count: int | str = catalog.row_count(conn, schema, table)
        except psycopg.errors.InsufficientPrivilege as err:
            count = f"unreadable by {conn.info.user}: {err.diag.message_primary}"
        result[display(schema, table)] = (kind, count)
    return result


def sequences(conn: psycopg.Connection) -> dict[str, tuple[int, bool]]:
    """display name -> (last_value, is_called) for every user sequence."""
    return {display(s, n): catalog.sequence_state(conn, s, n) for s, n in catalog.user_sequences(conn)}


def compare(source: psycopg.Connection, target: psycopg.Connection) -> VerifyReport:
    """Every table's row count, every sequence, the large-object count, source against target."""
    report = VerifyReport()
    src_rows, tgt_rows = table_rows(source), table_rows(target)
    for name in sorted(src_rows.keys() | tgt_rows.keys()):
        kind = (src_rows.get(name) or tgt_rows[name])[0]
        src = src_rows.get(name, (kind, None))[1]
        tgt = tgt_rows.get(name, (kind, None))[1]
        report.checks.append(Check(kind, name, src, tgt))
    src_seq, tgt_seq = sequences(source), sequences(target)
    for name in sorted(src_seq.keys() | tgt_seq.keys()):
        src_state, tgt_state = src_seq.get(name), tgt_seq.get(name)
        report.checks.append(Check("sequence", name, _seq(src_state), _seq(tgt_state)))
    report.checks.append(
        Check("large objects", "pg_largeobject", catalog.large_object_count(source), catalog.large_object_count(target))
    )
    return report


def _seq(state: tuple[int, bool] | None) -> str | None:
    if state is None:
        return None
    return f"last_value={state[0]} is_called={'true' if state[1] else 'false'}"


def format_table(report: VerifyReport) -> str:
    """A readable table of every check for the task log."""
    rows = [("kind", "name", "source", "target", "result")]
    rows += [(c.kind, c.name, _show(c.source), _show(c.target), "ok" if c.ok else "DIFFERS") for c in report.checks]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        f"{kind:<{widths[0]}}  {name:<{widths[1]}}  {src:>{widths[2]}}  {tgt:>{widths[3]}}  {result}"
        for kind, name, src, tgt, result in rows
    )
