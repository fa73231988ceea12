"""The verification report, kept in the run's work directory: verification.json and verification.html."""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from timescale_migration.db.dbsettings import SECTION as SETTINGS_SECTION
from timescale_migration.db.privileges import SECTION as PRIVILEGES_SECTION
from timescale_migration.verify.compare import Check, VerifyReport
from timescale_migration.verify.hypertables import SECTION as CONVERTED_SECTION

DATA_SECTIONS = ("sequences", "large objects")
"""Data checks other than the relations' own (shown beside them, not under structure)."""
JSON_NAME = "verification.json"
HTML_NAME = "verification.html"

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #1b1f24; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0; font-size: .92em; }
th, td { border: 1px solid #d0d7de; padding: .25em .6em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1a7f37; font-weight: 600; } .bad { color: #cf222e; font-weight: 600; }
.banner { padding: .7em 1em; border-radius: 6px; font-weight: 600; }
.banner.ok { background: #dafbe1; } .banner.bad { background: #ffebe9; }
code { background: #f6f8fa; padding: 0 .25em; }
"""


def write(report: VerifyReport, run_dir: Path, context: dict[str, Any]) -> tuple[Path, Path]:
    """Write both files (mode 0600) and return their paths."""
    data = {"context": context, **report.to_dict()}
    json_path, html_path = run_dir / JSON_NAME, run_dir / HTML_NAME
    _write_private(json_path, json.dumps(data, indent=2, default=str))
    _write_private(html_path, render_html(report, context))
    return json_path, html_path


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def _e(value: Any) -> str:
    return html.escape("—" if value is None else str(value))


def _result(check: Check) -> str:
    if check.ok:
        return '<span class="ok">ok</span>' + (f" ({_e(check.problem)})" if check.problem else "")
    return f'<span class="bad">DIFFERS</span> {_e(check.problem)}'


CONVERTED_ASPECTS = ("dimensions", "chunks", "compression", "policies", "chunks' owner and privileges")
"""The checks of a converted table, in the order the report's columns show them."""


def _converted_html(report: VerifyReport) -> list[str]:
    """The section of the tables converted into hypertables: per table its content (from the data section), then
    each aspect as the target shows it against what was asked."""
    checks = report.section(CONVERTED_SECTION)
    if not checks:
        return []
    tables: dict[str, dict[str, Check]] = {}
    for c in checks:
        table = str(c.extra.get("table", c.name))
        tables.setdefault(table, {})[c.name.removeprefix(table).strip() or "hypertable"] = c
    data = {c.name: c for c in report.section("data")}
    parts = ["<h2>Tables converted to hypertables</h2>",
             "<p>Each source table against its hypertable: rows and checksum (as in the data section), then what "
             "was asked and what the target has.</p>",
             "<table><tr><th>table</th><th>source rows</th><th>target rows</th><th>checksum</th>",
             *[f"<th>{_e(aspect)}</th>" for aspect in CONVERTED_ASPECTS], "<th>result</th></tr>"]
    for table, aspects in sorted(tables.items()):
        rows = data.get(table)
        cells = [f"<td><code>{_e(table)}</code></td>",
                 f"<td class='num'>{_e(rows.source if rows else None)}</td>",
                 f"<td class='num'>{_e(rows.target if rows else None)}</td>",
                 f"<td>{'match' if rows and rows.extra.get('checksum_match') else '—'}</td>"]
        for aspect in CONVERTED_ASPECTS:
            c = aspects.get(aspect)
            cells.append("<td>—</td>" if c is None else f"<td>{_e(c.target)}" + (
                "" if c.ok else f"<br><span class='bad'>asked: {_e(c.source)}</span>") + "</td>")
        bad = [c for c in aspects.values() if not c.ok] + ([rows] if rows and not rows.ok else [])
        verdict = ('<span class="ok">ok</span>' if not bad else
                   f'<span class="bad">DIFFERS</span> {_e("; ".join(c.problem for c in bad))}')
        parts.append("<tr>" + "".join(cells) + f"<td>{verdict}</td></tr>")
    parts.append("</table>")
    return parts


def render_html(report: VerifyReport, context: dict[str, Any]) -> str:
    """A self-contained page: summary first, then data, structure and TimescaleDB sections."""
    summary = report.summary()
    ok = summary["ok"]
    timings = summary["timings"]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Migration verification</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Migration verification</h1>",
        f"<p class='banner {'ok' if ok else 'bad'}'>"
        + ("The target holds what the source held." if ok else
           f"{len(summary['differences'])} difference(s): the target does not hold what the source held.")
        + "</p>",
        "<table>",
        *[f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in context.items()],
        f"<tr><th>relations</th><td>{summary['tables']}</td></tr>",
        f"<tr><th>rows</th><td>{summary['rows']:,}</td></tr>",
        f"<tr><th>sequences</th><td>{summary['sequences']}</td></tr>",
        f"<tr><th>structure items</th><td>{summary['structure_items']}</td></tr>",
        *[f"<tr><th>{_e(k)}</th><td>{v:.1f} s</td></tr>" for k, v in timings.items()],
        "</table>",
    ]
    if not ok:
        parts += ["<h2>Differences</h2><ul>", *[f"<li>{_e(d)}</li>" for d in summary["differences"]], "</ul>"]
    parts += ["<h2>Data</h2><table><tr><th>relation</th><th>kind</th><th>source rows</th><th>target rows</th>",
              "<th>checksum</th><th>seconds (source / target)</th><th>result</th></tr>"]
    for c in report.section("data"):
        seconds = f"{c.extra.get('source_seconds') or 0:.2f} / {c.extra.get('target_seconds') or 0:.2f}"
        parts.append(
            f"<tr><td><code>{_e(c.name)}</code></td><td>{_e(c.extra.get('kind'))}</td>"
            f"<td class='num'>{_e(c.source)}</td><td class='num'>{_e(c.target)}</td>"
            f"<td>{'match' if c.extra.get('checksum_match') else '—'}</td><td class='num'>{seconds}</td>"
            f"<td>{_result(c)}</td></tr>"
        )
    parts.append("</table>")
    parts += _converted_html(report)
    sections: dict[str, list[Check]] = {}
    for c in report.checks:
        if c.section not in ("data", CONVERTED_SECTION):
            sections.setdefault(c.section, []).append(c)
    values = {k: v for k, v in sections.items() if k in DATA_SECTIONS}
    settings = {k: v for k, v in sections.items() if k == SETTINGS_SECTION}
    rights = {k: v for k, v in sections.items() if k == PRIVILEGES_SECTION}
    structure = {k: v for k, v in sections.items() if not k.startswith("timescaledb") and k not in DATA_SECTIONS
                 and k not in (SETTINGS_SECTION, PRIVILEGES_SECTION)}
    timescale = {k: v for k, v in sections.items() if k.startswith("timescaledb")}
    for title, group in (("Sequences and large objects", values), ("Structure", structure),
                         ("Session defaults: database and role-in-database settings", settings),
                         ("Owners and privileges", rights),
                         ("TimescaleDB", timescale)):
        if not group:
            continue
        parts.append(f"<h2>{title}</h2><table><tr><th>section</th><th>identical</th><th>differences</th></tr>")
        for section, checks in sorted(group.items()):
            bad = [c for c in checks if not c.ok]
            listed = "<br>".join(f"<code>{_e(c.name)}</code>: {_e(c.problem)}" for c in bad) or "—"
            parts.append(f"<tr><td>{_e(section)}</td><td class='num'>{len(checks) - len(bad)} of {len(checks)}</td>"
                         f"<td>{listed}</td></tr>")
        parts.append("</table>")
        for section, checks in sorted(group.items()):
            shown = " open" if section == SETTINGS_SECTION else ""
            parts.append(f"<details{shown}><summary>{_e(section)}: every item</summary><table>"
                         "<tr><th>name</th><th>source</th><th>target</th><th>result</th></tr>")
            parts += [f"<tr><td><code>{_e(c.name)}</code></td><td>{_e(c.source)}</td><td>{_e(c.target)}</td>"
                      f"<td>{_result(c)}</td></tr>" for c in checks]
            parts.append("</table></details>")
    parts.append("</body></html>")
    return "\n".join(parts)
