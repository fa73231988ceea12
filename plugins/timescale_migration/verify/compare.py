"""Compare what the source holds with what the target holds: data (row counts and content checksums of every
relation, sequences, large objects), structure (the inventory) and TimescaleDB's state after the restore.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from timescale_migration.checks.findings import Finding
from timescale_migration.db import privileges
from timescale_migration.verify.fingerprint import Fingerprint

EXTRA_ALLOWED = ("extensions", "roles", privileges.MANAGED_SECTION)
"""Sections where the target may hold more than the source (its own extensions and roles; TimescaleDB's internal
objects that only the target's version or a conversion makes)."""


@dataclass(frozen=True)
class Check:
    """One compared item; `source`/`target` are what each side showed (None: absent)."""

    section: str
    name: str
    source: Any
    target: Any
    ok: bool
    problem: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """One line naming the item and what differs, for the failure message."""
        return f"{self.section} {self.name}: {self.problem}"


@dataclass
class VerifyReport:
    """Every check made; the run fails when any is not ok."""

    checks: list[Check] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def differences(self) -> list[Check]:
        """Checks where source and target differ."""
        return [check for check in self.checks if not check.ok]

    def section(self, name: str) -> list[Check]:
        """Checks of one section."""
        return [check for check in self.checks if check.section == name]

    def summary(self) -> dict[str, Any]:
        """Counts for XCom, the log and the top of the report."""
        data = self.section("data")
        return {
            "ok": not self.differences,
            "tables": len(data),
            "rows": sum(c.source for c in data if isinstance(c.source, int) and c.extra.get("kind") != "partitioned"),
            "sequences": len(self.section("sequences")),
            "structure_items": sum(1 for c in self.checks if c.section not in ("data", "sequences")),
            "differences": [c.describe() for c in self.differences],
            "timings": self.timings,
        }

    def to_dict(self) -> dict[str, Any]:
        """The full report as JSON-friendly data."""
        return {"summary": self.summary(), "checks": [asdict(c) for c in self.checks]}


def compare_data(source: Fingerprint, target: Fingerprint) -> list[Check]:
    """Every relation's rows and checksum, every sequence, the large objects."""
    checks = []
    for name in sorted(source.tables.keys() | target.tables.keys()):
        src, tgt = source.tables.get(name), target.tables.get(name)
        either = src or tgt
        assert either is not None  # the name came from one side's tables
        extra = {
            "kind": either.kind,
            "source_seconds": src.seconds if src else None,
            "target_seconds": tgt.seconds if tgt else None,
            "checksum_match": bool(src and tgt and src.checksum and src.checksum == tgt.checksum),
            "method": either.method,
        }
        problem = _data_problem(src, tgt)
        checks.append(
            Check("data", name, src.rows if src else None, tgt.rows if tgt else None, not problem, problem, extra)
        )
    for name in sorted(source.sequences.keys() | target.sequences.keys()):
        src_state, tgt_state = source.sequences.get(name), target.sequences.get(name)
        ok = src_state == tgt_state
        checks.append(
            Check(
                "sequences",
                name,
                src_state,
                tgt_state,
                ok,
                "" if ok else f"source {src_state or 'missing'}, target {tgt_state or 'missing'}",
            )
        )
    src_lo, tgt_lo = source.large_objects, target.large_objects
    same = (src_lo["objects"], src_lo["hash_high"], src_lo["hash_low"]) == (
        tgt_lo["objects"],
        tgt_lo["hash_high"],
        tgt_lo["hash_low"],
    )
    problem = (
        ""
        if same
        else (
            f"source {src_lo['objects']} object(s), target {tgt_lo['objects']}"
            + ("" if src_lo["objects"] != tgt_lo["objects"] else ", contents differ")
        )
    )
    checks.append(Check("large objects", "pg_largeobject", src_lo["objects"], tgt_lo["objects"], same, problem))
    return checks


def _data_problem(src: Any, tgt: Any) -> str:
    if src is None:
        return "not on the source, but on the target"
    if tgt is None:
        return f"missing on the target (source has {src.rows} rows)"
    if src.error or tgt.error:
        return f"source: {src.error or 'ok'}; target: {tgt.error or 'ok'}"
    if src.method != tgt.method:
        return (
            f"hashed differently (source by {src.method}, target by {tgt.method}: the target lacks a binary "
            "hash for a column type); compare this table by hand"
        )
    if src.rows != tgt.rows:
        return f"source {src.rows} rows, target {tgt.rows} rows"
    if src.checksum != tgt.checksum:
        return f"same {src.rows} rows but their contents differ (checksum {src.checksum} vs {tgt.checksum})"
    return ""


def compare_structure(
    source: dict[str, dict[str, str]],
    target: dict[str, dict[str, str]],
    *,
    roles: list[str] | None,
    expected: dict[tuple[str, str], Finding] | None = None,
) -> list[Check]:
    """Every inventoried object: missing on the target, different, or (where that matters) extra; a difference
    a preflight finding announced at the gate (`expected`) is accepted and says so."""
    checks = []
    expected = expected or {}
    for section in source.keys() | target.keys():
        src, tgt = source.get(section, {}), target.get(section, {})
        names = src.keys() | tgt.keys()
        if section == "roles":
            if roles is None:
                continue
            names = {n for n in names if n in set(roles)}
        for name in sorted(names):
            s, t = src.get(name), tgt.get(name)
            if s is None and section in EXTRA_ALLOWED:
                continue
            if s == t:
                checks.append(Check(section, name, s, t, True))
            elif (section, name) in expected:
                checks.append(
                    Check(
                        section,
                        name,
                        s,
                        t,
                        True,
                        "expected, shown at the stop_apps gate: " + expected[(section, name)].message,
                    )
                )
            elif t is None:
                checks.append(Check(section, name, s, t, False, "missing on the target"))
            elif s is None:
                checks.append(Check(section, name, s, t, False, f"on the target only ({t})"))
            else:
                checks.append(Check(section, name, s, t, False, f"differs: source {s!r}, target {t!r}"))
    return sorted(checks, key=lambda c: (c.section, c.name))


def check_timescale_state(state: dict[str, Any]) -> list[Check]:
    """After post_restore: restoring off in a new session and on the database, a scheduler running."""
    session = state["session_restoring"]
    database = state["database_restoring"]
    schedulers = state["schedulers"]
    return [
        Check(
            "timescaledb state",
            "timescaledb.restoring (new session)",
            "off",
            session,
            session == "off",
            "" if session == "off" else f"is {session}: run timescaledb_post_restore() on the target",
        ),
        Check(
            "timescaledb state",
            "timescaledb.restoring (database setting)",
            None,
            database,
            database != "on",
            "" if database != "on" else "still set on the database: run timescaledb_post_restore()",
        ),
        Check(
            "timescaledb state",
            "background worker scheduler",
            ">= 1",
            schedulers,
            schedulers >= 1,
            "" if schedulers >= 1 else "no TimescaleDB scheduler runs for the target database: jobs will not run",
        ),
    ]


def format_table(report: VerifyReport) -> str:
    """A readable table of the data checks, then every difference, for the task log."""
    rows = [("relation", "kind", "source rows", "target rows", "checksum", "result")]
    for c in report.section("data"):
        rows.append(
            (
                c.name,
                c.extra.get("kind", ""),
                _show(c.source),
                _show(c.target),
                "match" if c.extra.get("checksum_match") else "-",
                "ok" if c.ok else "DIFFERS",
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(5)]
    w0, w1, w2, w3, w4 = widths
    lines = [f"{r[0]:<{w0}}  {r[1]:<{w1}}  {r[2]:>{w2}}  {r[3]:>{w3}}  {r[4]:<{w4}}  {r[5]}" for r in rows]
    others: dict[str, list[Check]] = {}
    for c in report.checks:
        if c.section != "data":
            others.setdefault(c.section, []).append(c)
    for section, checks in sorted(others.items()):
        bad = [c for c in checks if not c.ok]
        lines.append(f"{section}: {len(checks) - len(bad)} of {len(checks)} identical")
        lines += [f"  DIFFERS {c.name}: {c.problem}" for c in bad]
        lines += [f"  expected {c.name}: {c.problem}" for c in checks if c.ok and c.problem]
    return "\n".join(lines)


def _show(value: Any) -> str:
    return "missing" if value is None else str(value)
