"""Rehearsals: what one rehearsal measured, the history of all of them, and the trend report (HTML + SVG).

History: <base work dir>/rehearsals/history.jsonl (one JSON object per rehearsed database and run).
Report: <base work dir>/rehearsals/report.html, rewritten after every rehearsal run.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from timescale_migration import phases, workdir
from timescale_migration.constants import REHEARSALS_DIR

HISTORY_FILE = "history.jsonl"
REPORT_FILE = "report.html"


@dataclass
class RehearsalRecord:
    """One database's rehearsal: size, each phase's seconds, the predicted downtime, whether it verified."""

    name: str
    rehearsed_at: str
    run_id: str
    child_run_id: str
    source: str
    scratch_database: str
    dump_format: str
    size_bytes: int | None
    phases: dict[str, float] = field(default_factory=dict)
    predicted_downtime_s: float | None = None
    verified: bool = False
    error: str | None = None
    source_database: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RehearsalRecord:
        """A record read back from the history."""
        return cls(**{key: data.get(key) for key in cls.__dataclass_fields__ if key in data})


def phase_seconds(spans: Mapping[str, Mapping[str, float] | None]) -> dict[str, float]:
    """task -> seconds, in the DAG's phase order, for the phases that recorded a span."""
    return {task: float(spans[task]["seconds"]) for task in phases.ORDER if spans.get(task)}


def downtime_seconds(spans: Mapping[str, Mapping[str, float] | None]) -> float | None:
    """Wall-clock seconds from the first downtime phase's start (right after the approval) to verify's end,
    Airflow's gaps included: a run's downtime, a rehearsal's predicted downtime; None unless verify finished."""
    verify = spans.get(phases.VERIFY)
    if not verify:
        return None
    starts = [span["started"] for task, span in spans.items() if task in phases.DOWNTIME and span]
    return round(float(verify["finished"]) - min(float(s) for s in starts), 1)


def last_rehearsal(work_dir: str | None, source_conn_id: str, source_database: str) -> RehearsalRecord | None:
    """The latest verified rehearsal of this source database (by connection and database name), if any."""
    found = [r for r in read_history(work_dir) if r.verified and r.source == source_conn_id
             and r.source_database == source_database]
    return found[-1] if found else None


def rehearsals_dir(work_dir: str | None) -> Path:
    """<base work dir>/rehearsals, private to this user."""
    path = workdir.base_dir(work_dir) / REHEARSALS_DIR
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def append_history(work_dir: str | None, records: Iterable[RehearsalRecord]) -> Path:
    """Add records to history.jsonl (created 0600)."""
    path = rehearsals_dir(work_dir) / HISTORY_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(asdict(record), default=str) + "\n")
    return path


def read_history(work_dir: str | None) -> list[RehearsalRecord]:
    """Every record so far, oldest first (a damaged line is skipped, not fatal); creates nothing (the Migrations
    page reads it too)."""
    path = workdir.base_dir(work_dir) / REHEARSALS_DIR / HISTORY_FILE
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(RehearsalRecord.from_dict(json.loads(line)))
        except (json.JSONDecodeError, TypeError):
            continue
    return records


def write_report(work_dir: str | None, history: list[RehearsalRecord]) -> Path:
    """Render report.html (0600) from the whole history."""
    path = workdir.private_file(rehearsals_dir(work_dir) / REPORT_FILE)
    path.write_text(render_report(history), encoding="utf-8")
    return path


def _fmt_seconds(value: float | None) -> str:
    if value is None:
        return "-"
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{value:.1f} s"


def _fmt_bytes(value: int | None) -> str:
    return "-" if value is None else f"{value / 1_048_576:,.1f} MB"


COLORS = ("#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#4e342e", "#ad1457", "#9e9d24")
FAILED_COLOR = "#c62828"
"""Only unverified rehearsals are drawn in this red."""


def trend_svg(history: list[RehearsalRecord], width: int = 760, height: int = 280) -> str:
    """A line per database: predicted downtime of each rehearsal over time; unverified ones as red dots."""
    points = [r for r in history if r.predicted_downtime_s is not None]
    if not points:
        return "<p>No rehearsal has finished verification yet: nothing to chart.</p>"
    pad_l, pad_r, pad_t, pad_b = 60, 150, 20, 40
    times = sorted({r.rehearsed_at for r in history})
    x_of = {t: pad_l + (i * (width - pad_l - pad_r) / max(1, len(times) - 1)) for i, t in enumerate(times)}
    top = max(r.predicted_downtime_s or 0 for r in points) * 1.15 or 1.0
    def y(v: float) -> float:
        return pad_t + (height - pad_t - pad_b) * (1 - v / top)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
           f'aria-label="predicted downtime per rehearsal">',
           f'<line x1="{pad_l}" y1="{y(0):.0f}" x2="{width - pad_r}" y2="{y(0):.0f}" stroke="#999"/>',
           f'<line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{y(0):.0f}" stroke="#999"/>']
    for frac in (0.5, 1.0):
        value = top / 1.15 * frac
        out.append(f'<text x="{pad_l - 6}" y="{y(value) + 4:.0f}" font-size="11" text-anchor="end">'
                   f'{html.escape(_fmt_seconds(value))}</text>')
    out.append(f'<text x="{pad_l}" y="{height - 8}" font-size="11">{html.escape(times[0][:16])}</text>')
    if len(times) > 1:
        out.append(f'<text x="{width - pad_r}" y="{height - 8}" font-size="11" text-anchor="end">'
                   f'{html.escape(times[-1][:16])}</text>')
    names = sorted({r.name for r in history})
    for i, name in enumerate(names):
        color = COLORS[i % len(COLORS)]
        mine = [r for r in points if r.name == name]
        coords = " ".join(f"{x_of[r.rehearsed_at]:.0f},{y(r.predicted_downtime_s or 0):.0f}" for r in mine)
        if coords:
            out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{coords}"/>')
        for r in mine:
            cx, cy = x_of[r.rehearsed_at], y(r.predicted_downtime_s or 0)
            mark = FAILED_COLOR if not r.verified else color
            out.append(f'<circle cx="{cx:.0f}" cy="{cy:.0f}" r="4" fill="{mark}"><title>{html.escape(name)}: '
                       f'{html.escape(_fmt_seconds(r.predicted_downtime_s))} '
                       f'({"verified" if r.verified else "NOT verified"})</title></circle>')
        out.append(f'<text x="{width - pad_r + 10}" y="{pad_t + 14 * (i + 1)}" font-size="12" fill="{color}">'
                   f'{html.escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def render_report(history: list[RehearsalRecord]) -> str:
    """The whole report: the latest rehearsal of each database, the trend chart, and the full history."""
    latest: dict[str, RehearsalRecord] = {}
    for record in history:
        latest[record.name] = record
    timed = [p for p in phases.ORDER if any(p in r.phases for r in latest.values())]
    head = "".join(f"<th>{html.escape(p)}</th>" for p in timed)
    rows = []
    for r in latest.values():
        cells = "".join(f"<td>{_fmt_seconds(r.phases.get(p))}</td>" for p in timed)
        status = "verified" if r.verified else f"FAILED: {html.escape((r.error or 'not verified')[:300])}"
        rows.append(f"<tr class='{'ok' if r.verified else 'bad'}'><td>{html.escape(r.name)}</td>"
                    f"<td>{html.escape(r.rehearsed_at)}</td><td>{_fmt_bytes(r.size_bytes)}</td>"
                    f"<td>{html.escape(r.dump_format)}</td><td><b>{_fmt_seconds(r.predicted_downtime_s)}</b></td>"
                    f"<td>{status}</td>{cells}</tr>")
    history_rows = "".join(
        f"<tr class='{'ok' if r.verified else 'bad'}'><td>{html.escape(r.rehearsed_at)}</td>"
        f"<td>{html.escape(r.name)}</td><td>{_fmt_bytes(r.size_bytes)}</td>"
        f"<td>{_fmt_seconds(r.predicted_downtime_s)}</td><td>{'yes' if r.verified else 'no'}</td>"
        f"<td>{html.escape(r.child_run_id)}</td></tr>"
        for r in reversed(history)
    )
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Migration rehearsals</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}} tr.bad td{{background:#ffebee}}
tr.ok td{{background:#f1f8e9}}</style></head>
<body><h1>Migration rehearsals</h1>
<p>Predicted downtime: from the start of the first downtime phase (drain, dump) to the end of verification in a
rehearsal into a scratch database; the real run adds the time applications need to stop and the drain.
Generated {generated}.</p>
<h2>Latest rehearsal of each database</h2>
<table><tr><th>database</th><th>rehearsed at</th><th>size</th><th>format</th><th>predicted downtime</th>
<th>verification</th>{head}</tr>{''.join(rows)}</table>
<h2>Trend of the predicted downtime</h2>
{trend_svg(history)}
<h2>History</h2>
<table><tr><th>rehearsed at</th><th>database</th><th>size</th><th>predicted downtime</th><th>verified</th>
<th>migrate_database run</th></tr>{history_rows}</table>
</body></html>
"""
