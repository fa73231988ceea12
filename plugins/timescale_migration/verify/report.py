"""The verification report, kept in the run's work directory: verification.json and verification.html."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from timescale_migration import rendering
from timescale_migration.checks.findings import BLOCKING, Finding
from timescale_migration.db.dbsettings import SECTION as SETTINGS_SECTION
from timescale_migration.db.privileges import SECTION as PRIVILEGES_SECTION
from timescale_migration.verify.compare import Check, VerifyReport
from timescale_migration.verify.hypertables import SECTION as CONVERTED_SECTION

DATA_SECTIONS = ("sequences", "large objects")
"""Data checks other than the relations' own (shown beside them, not under structure)."""
JSON_NAME = "verification.json"
HTML_NAME = "verification.html"


def write(
    report: VerifyReport, run_dir: Path, context: dict[str, Any], preflight: list[Finding] | None = None
) -> tuple[Path, Path]:
    """Write both files (mode 0600) and return their paths; `preflight`: the findings of the checks before the
    downtime (shown at the stop_apps gate), kept beside the verification."""
    data = {"context": context, **report.to_dict(), "preflight": [f.to_dict() for f in preflight or []]}
    json_path, html_path = run_dir / JSON_NAME, run_dir / HTML_NAME
    _write_private(json_path, json.dumps(data, indent=2, default=str))
    _write_private(html_path, render_html(report, context, preflight))
    return json_path, html_path


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


CONVERTED_ASPECTS = ("dimensions", "chunks", "compression", "policies", "chunks' owner and privileges")
"""The checks of a converted table, in the order the report's columns show them."""


def _converted(report: VerifyReport) -> list[dict[str, Any]]:
    """The tables converted into hypertables: per table its content (from the data section), then each aspect as
    the target shows it against what was asked, and what differs."""
    tables: dict[str, dict[str, Check]] = {}
    for c in report.section(CONVERTED_SECTION):
        table = str(c.extra.get("table", c.name))
        tables.setdefault(table, {})[c.name.removeprefix(table).strip() or "hypertable"] = c
    data = {c.name: c for c in report.section("data")}
    rows = []
    for table, aspects in sorted(tables.items()):
        found = data.get(table)
        bad = [c for c in aspects.values() if not c.ok] + ([found] if found and not found.ok else [])
        rows.append({"table": table, "rows": found, "aspects": [aspects.get(a) for a in CONVERTED_ASPECTS], "bad": bad})
    return rows


def _groups(report: VerifyReport) -> list[tuple[str, list[tuple[str, list[Check]]]]]:
    """The sections other than the data's, grouped under their headings (each group's sections by name)."""
    sections: dict[str, list[Check]] = {}
    for c in report.checks:
        if c.section not in ("data", CONVERTED_SECTION):
            sections.setdefault(c.section, []).append(c)
    own = (*DATA_SECTIONS, SETTINGS_SECTION, PRIVILEGES_SECTION)
    groups = (
        ("Sequences and large objects", lambda k: k in DATA_SECTIONS),
        ("Structure", lambda k: not k.startswith("timescaledb") and k not in own),
        ("Session defaults: database and role-in-database settings", lambda k: k == SETTINGS_SECTION),
        ("Owners and privileges", lambda k: k == PRIVILEGES_SECTION),
        ("TimescaleDB", lambda k: k.startswith("timescaledb")),
    )
    found = [(title, sorted((k, v) for k, v in sections.items() if belongs(k))) for title, belongs in groups]
    return [(title, group) for title, group in found if group]


def render_html(report: VerifyReport, context: dict[str, Any], preflight: list[Finding] | None = None) -> str:
    """A self-contained page (templates/verification.html): summary first, then data, the converted tables,
    structure, TimescaleDB and preflight sections."""
    return rendering.render(
        "verification.html",
        title="Migration verification",
        refresh=None,
        context=context,
        summary=report.summary(),
        data=report.section("data"),
        converted=_converted(report),
        aspects=CONVERTED_ASPECTS,
        groups=_groups(report),
        open_section=SETTINGS_SECTION,
        preflight=preflight or [],
        blocking=BLOCKING,
    )
