"""Rehearsals: what one rehearsal measured, the history of all of them, and the trend report (HTML + SVG).

History: <base work dir>/rehearsals/history.jsonl (one JSON object per rehearsed database and run).
Report: <base work dir>/rehearsals/report.html, rewritten after every rehearsal run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from timescale_migration import phases, rendering, workdir
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
        known: dict[str, Any] = {key: data.get(key) for key in cls.__dataclass_fields__ if key in data}
        return cls(**known)


def phase_seconds(spans: Mapping[str, Mapping[str, float] | None]) -> dict[str, float]:
    """task -> seconds, in the DAG's phase order, for the phases that recorded a span."""
    return {task: float(span["seconds"]) for task in phases.ORDER if (span := spans.get(task))}


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
    found = [
        r
        for r in read_history(work_dir)
        if r.verified and r.source == source_conn_id and r.source_database == source_database
    ]
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


COLORS = ("#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#4e342e", "#ad1457", "#9e9d24")
FAILED_COLOR = "#c62828"
"""Only unverified rehearsals are drawn in this red."""


def _chart(history: list[RehearsalRecord], width: int, height: int) -> dict[str, Any] | None:
    """The chart's geometry: axes, ticks, and per database its line and markers (None: nothing to chart)."""
    points = [r for r in history if r.predicted_downtime_s is not None]
    if not points:
        return None
    pad_l, pad_r, pad_t, pad_b = 60, 150, 20, 40
    times = sorted({r.rehearsed_at for r in history})
    x_of = {t: pad_l + (i * (width - pad_l - pad_r) / max(1, len(times) - 1)) for i, t in enumerate(times)}
    top = max(r.predicted_downtime_s or 0 for r in points) * 1.15 or 1.0

    def y(v: float) -> float:
        return pad_t + (height - pad_t - pad_b) * (1 - v / top)

    series = []
    for i, name in enumerate(sorted({r.name for r in history})):
        color = COLORS[i % len(COLORS)]
        mine = [r for r in points if r.name == name]
        marks = [
            {
                "cx": f"{x_of[r.rehearsed_at]:.0f}",
                "cy": f"{y(r.predicted_downtime_s or 0):.0f}",
                "fill": color if r.verified else FAILED_COLOR,
                "verified": r.verified,
                "seconds": rendering.seconds(r.predicted_downtime_s, "-", hours=False),
            }
            for r in mine
        ]
        series.append(
            {
                "name": name,
                "color": color,
                "points": " ".join(f"{m['cx']},{m['cy']}" for m in marks),
                "marks": marks,
                "legend_y": pad_t + 14 * (i + 1),
            }
        )
    ticks = [
        (f"{y(top / 1.15 * frac) + 4:.0f}", rendering.seconds(top / 1.15 * frac, "-", hours=False))
        for frac in (0.5, 1.0)
    ]
    return {
        "width": width,
        "height": height,
        "left": pad_l,
        "right": width - pad_r,
        "top": pad_t,
        "bottom": f"{y(0):.0f}",
        "ticks": ticks,
        "first": times[0][:16],
        "last": times[-1][:16] if len(times) > 1 else None,
        "series": series,
    }


def trend_svg(history: list[RehearsalRecord], width: int = 760, height: int = 280) -> Markup:
    """A line per database: predicted downtime of each rehearsal over time; unverified ones as red dots
    (templates/trend.svg)."""
    return Markup(rendering.render("trend.svg", chart=_chart(history, width, height)))


def render_report(history: list[RehearsalRecord]) -> str:
    """The whole report (templates/rehearsals.html): the latest rehearsal of each database, the trend chart, and the
    full history."""
    latest: dict[str, RehearsalRecord] = {}
    for record in history:
        latest[record.name] = record
    return rendering.render(
        "rehearsals.html",
        title="Migration rehearsals",
        refresh=None,
        latest=list(latest.values()),
        timed=[p for p in phases.ORDER if any(p in r.phases for r in latest.values())],
        trend=trend_svg(history),
        history=list(reversed(history)),
        generated=datetime.now(UTC).isoformat(timespec="seconds"),
    )
