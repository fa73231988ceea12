"""Unit tests of fleet.rehearsal: phase spans, predicted downtime, the history and the trend report."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from tests.support.fakes import span
from tests.support.files import mode
from timescale_migration.constants import REHEARSALS_DIR
from timescale_migration.fleet import rehearsal
from timescale_migration.fleet.rehearsal import RehearsalRecord

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("usual_umask")]

FAILED_COLOR = "#c62828"
T1 = "2026-11-01T03:00:00+00:00"
T2 = "2026-11-08T03:00:00+00:00"
T3 = "2026-11-15T03:00:00+00:00"


def record(
    name: str = "shop", at: str = T1, downtime: float | None = 90.0, *, verified: bool = True, **changes: Any
) -> RehearsalRecord:
    """One rehearsal record."""
    values: dict[str, Any] = {
        "name": name,
        "rehearsed_at": at,
        "run_id": f"scheduled__{at}",
        "child_run_id": f"rehearsal__{name}__{at}",
        "source": "migration_source",
        "scratch_database": f"tsm_rehearsal_{name}",
        "dump_format": "directory",
        "size_bytes": 20 * 1_048_576,
        "phases": {"dump_data": 30.0, "load": 40.0},
        "predicted_downtime_s": downtime,
        "verified": verified,
        "error": None if verified else "verify: VerificationError: rows differ",
    }
    values.update(changes)
    return RehearsalRecord(**values)


def section(page: str, title: str) -> str:
    """The part of the report from one <h2> heading to the next."""
    return page.split(f"<h2>{title}</h2>", 1)[1].split("<h2>", 1)[0]


# --- phase_seconds ----------------------------------------------------------------------------------------------------


def test_phase_seconds_in_dag_order() -> None:
    """Phases come out in the DAG's order whatever order the spans came in, as floats."""
    spans = {"verify": span(50, 60), "load": span(20, 50), "check_versions": span(0, 2), "dump_data": span(5, 20)}
    seconds = rehearsal.phase_seconds(spans)
    assert list(seconds) == ["check_versions", "dump_data", "load", "verify"]
    assert seconds == {"check_versions": 2.0, "dump_data": 15.0, "load": 30.0, "verify": 10.0}
    assert all(isinstance(value, float) for value in seconds.values())


def test_phase_seconds_skips_missing_and_unknown_phases() -> None:
    """Phases without a span (absent or None) and tasks outside the DAG's phases are left out."""
    spans = {"load": span(0, 3), "analyze": None, "some_other_task": span(0, 99)}
    assert rehearsal.phase_seconds(spans) == {"load": 3.0}


def test_phase_seconds_of_nothing() -> None:
    """No spans, no phases."""
    assert rehearsal.phase_seconds({}) == {}


# --- downtime_seconds -------------------------------------------------------------------------------------------------


def test_downtime_seconds_none_without_verify() -> None:
    """A rehearsal whose verify did not finish predicts nothing."""
    assert rehearsal.downtime_seconds({"dump_data": span(10, 20), "load": span(20, 40)}) is None
    assert rehearsal.downtime_seconds({"dump_data": span(10, 20), "verify": None}) is None
    assert rehearsal.downtime_seconds({}) is None


def test_downtime_seconds_from_first_downtime_start_to_verify_end() -> None:
    """Seconds from the earliest downtime phase's start (whatever the dict order) to verify's end, to 0.1 s."""
    spans = {"load": span(130, 200), "dump_data": span(112.5, 128), "verify": span(205, 262.96)}
    assert rehearsal.downtime_seconds(spans) == 150.5


def test_downtime_seconds_ignores_checks_and_gate() -> None:
    """check_extensions, check_versions, stop_apps and switch_apps spans do not stretch the downtime."""
    spans = {
        "check_extensions": span(0, 1),
        "check_versions": span(1, 5),
        "stop_apps": span(5, 100),
        "drain_source": span(100, 110),
        "verify": span(150, 160),
        "switch_apps": span(160, 500),
    }
    assert rehearsal.downtime_seconds(spans) == 60.0


def test_downtime_seconds_only_verify() -> None:
    """With only verify's span, the downtime is verify's own duration."""
    assert rehearsal.downtime_seconds({"verify": span(10, 22)}) == 12.0


def test_downtime_seconds_skips_none_spans() -> None:
    """A downtime phase with a None span does not count."""
    assert rehearsal.downtime_seconds({"dump_data": None, "load": span(50, 60), "verify": span(60, 70)}) == 20.0


# --- history ----------------------------------------------------------------------------------------------------------


def test_history_round_trip(tmp_path: Path) -> None:
    """Records appended in two batches are read back equal, oldest first."""
    first, second, third = record("shop", T1), record("metrics", T1, None, verified=False), record("shop", T2)
    rehearsal.append_history(str(tmp_path), [first, second])
    rehearsal.append_history(str(tmp_path), [third])
    assert rehearsal.read_history(str(tmp_path)) == [first, second, third]


def test_history_path_and_modes(tmp_path: Path) -> None:
    """history.jsonl is 0600 under <base>/rehearsals, which is 0700."""
    base = tmp_path / "work"
    path = rehearsal.append_history(str(base), [record()])
    assert path == base / REHEARSALS_DIR / rehearsal.HISTORY_FILE
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700


def test_history_one_json_line_per_record(tmp_path: Path) -> None:
    """Each record is one line of JSON."""
    path = rehearsal.append_history(str(tmp_path), [record("a"), record("b")])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["a", "b"]


def test_read_history_without_file(tmp_path: Path) -> None:
    """No history yet reads as an empty list."""
    assert rehearsal.read_history(str(tmp_path)) == []


def test_read_history_skips_damaged_lines(tmp_path: Path) -> None:
    """A cut-off line, an empty line and an object lacking fields are skipped; the good records remain."""
    good_a, good_b = record("a"), record("b")
    path = rehearsal.append_history(str(tmp_path), [good_a])
    with path.open("a", encoding="utf-8") as out:
        out.write('{"name": "half", "rehearsed_at\n\n{"name": "no_other_fields"}\n[1, 2]\nnull\n')
    rehearsal.append_history(str(tmp_path), [good_b])
    assert rehearsal.read_history(str(tmp_path)) == [good_a, good_b]


def test_read_history_ignores_unknown_keys(tmp_path: Path) -> None:
    """A record carrying a key this version does not know is still read."""
    path = rehearsal.rehearsals_dir(str(tmp_path)) / rehearsal.HISTORY_FILE
    path.write_text(json.dumps({**asdict(record()), "future_field": 1}) + "\n", encoding="utf-8")
    assert rehearsal.read_history(str(tmp_path)) == [record()]


# --- write_report / render_report -------------------------------------------------------------------------------------


def test_write_report_private_html(tmp_path: Path) -> None:
    """report.html is written 0600 beside the history, and holds the rendered report."""
    history = [record()]
    path = rehearsal.write_report(str(tmp_path), history)
    assert path == tmp_path / REHEARSALS_DIR / rehearsal.REPORT_FILE
    assert mode(path) == 0o600
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!doctype html>")
    assert "<td>shop</td>" in text


def test_write_report_replaces_earlier_report(tmp_path: Path) -> None:
    """A second report overwrites the first one."""
    rehearsal.write_report(str(tmp_path), [record("old_db")])
    text = rehearsal.write_report(str(tmp_path), [record("new_db")]).read_text(encoding="utf-8")
    assert "old_db" not in text
    assert "new_db" in text


def test_render_report_escapes_html() -> None:
    """Names, errors, formats and run ids are HTML-escaped everywhere, the chart included."""
    evil = "<script>alert(1)</script>"
    page = rehearsal.render_report(
        [
            record(evil, verified=False, error=f"load: {evil}", dump_format=evil, child_run_id=evil),
        ]
    )
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "FAILED: load: &lt;script&gt;" in page


def test_render_report_latest_record_per_database() -> None:
    """The latest table shows each database's last rehearsal; the history shows all, newest first."""
    page = rehearsal.render_report(
        [
            record("shop", T1, 60.0),
            record("metrics", T1, 30.0),
            record("shop", T2, None, verified=False, error="boom"),
        ]
    )
    latest = section(page, "Latest rehearsal of each database")
    assert latest.count("<tr class=") == 2
    assert T2 in latest
    assert "FAILED: boom" in latest
    assert "<td>metrics</td>" in latest
    history = section(page, "History")
    assert history.count("<tr class=") == 3
    assert history.index(T2) < history.index(T1)


def test_render_report_marks_failed_and_verified() -> None:
    """A failed rehearsal's row is 'bad' with its error (or 'not verified'); a verified one is 'ok'."""
    page = rehearsal.render_report([record("good"), record("bad", error=None, verified=False)])
    latest = section(page, "Latest rehearsal of each database")
    assert "<tr class='ok'><td>good</td>" in latest
    assert "<tr class='bad'><td>bad</td>" in latest
    assert "FAILED: not verified" in latest
    assert "<td>verified</td>" in latest


def test_render_report_truncates_long_errors() -> None:
    """A failed rehearsal shows at most 300 characters of its error."""
    page = rehearsal.render_report([record(verified=False, error="x" * 1000)])
    assert "FAILED: " + "x" * 300 + "</td>" in page
    assert "x" * 301 not in page


def test_render_report_formats_sizes_and_durations() -> None:
    """Sizes in MB; durations over a minute as minutes and seconds, shorter ones in seconds; unknown as '-'."""
    page = rehearsal.render_report(
        [
            record("a", downtime=125.0, size_bytes=3 * 1_048_576),
            record("b", downtime=None, size_bytes=None, phases={"load": 7.25}),
        ]
    )
    assert "<td>3.0 MB</td>" in page
    assert "<b>2 min 05 s</b>" in page
    assert "<b>-</b>" in page
    assert "<td>7.2 s</td>" in page


def test_render_report_phase_columns_in_dag_order() -> None:
    """Only the phases some latest rehearsal recorded get a column, in the DAG's order."""
    page = rehearsal.render_report([record(phases={"verify": 1.0, "dump_data": 2.0, "load": 3.0})])
    heads = re.findall(r"<th>([a-z_]+)</th>", section(page, "Latest rehearsal of each database"))
    assert heads == ["database", "size", "format", "verification", "dump_data", "load", "verify"]


# --- trend_svg --------------------------------------------------------------------------------------------------------


def test_trend_svg_polyline_per_database() -> None:
    """Each database with a predicted downtime gets its own line through its rehearsals."""
    svg = rehearsal.trend_svg(
        [
            record("shop", T1, 60),
            record("metrics", T1, 30),
            record("shop", T2, 70),
            record("metrics", T2, 35),
            record("shop", T3, 65),
        ]
    )
    lines = re.findall(r'<polyline[^>]*points="([^"]+)"', svg)
    assert sorted(len(points.split()) for points in lines) == [2, 3]
    assert len(set(re.findall(r'<polyline[^>]*stroke="([^"]+)"', svg))) == 2


def test_trend_svg_unverified_rehearsal_marked_red() -> None:
    """A rehearsal with a predicted downtime that did not verify is a red marker titled NOT verified."""
    svg = rehearsal.trend_svg([record("shop", T1, 60), record("shop", T2, 70, verified=False)])
    circles = re.findall(r'<circle[^>]*fill="([^"]+)"><title>([^<]*)</title>', svg)
    assert circles[0][0] != FAILED_COLOR
    assert circles[0][1].endswith("(verified)")
    assert circles[1] == (FAILED_COLOR, "shop: 1 min 10 s (NOT verified)")


def test_trend_svg_database_without_downtime_has_no_line() -> None:
    """A database whose rehearsals never verified gets a legend entry but no line."""
    svg = rehearsal.trend_svg([record("shop", T1, 60), record("broken", T1, None, verified=False)])
    assert svg.count("<polyline") == 1
    assert ">broken</text>" in svg


@pytest.mark.parametrize("history", [[], [record(downtime=None, verified=False)]], ids=["empty", "none-verified"])
def test_trend_svg_nothing_to_chart(history: list[RehearsalRecord]) -> None:
    """Without any predicted downtime there is no chart, only a sentence saying so (also in the report)."""
    assert "nothing to chart" in rehearsal.trend_svg(history)
    assert "<svg" not in rehearsal.trend_svg(history)
    assert "nothing to chart" in rehearsal.render_report(history)


def test_trend_svg_single_rehearsal() -> None:
    """One rehearsal still draws a chart (one point, no division by zero)."""
    svg = rehearsal.trend_svg([record("shop", T1, 0.0)])
    assert svg.startswith("<svg")
    assert svg.count("<circle") == 1


def test_trend_svg_verified_markers_never_red() -> None:
    """With many databases, no verified rehearsal is drawn in the failure red."""
    svg = rehearsal.trend_svg([record(f"db{i}", T1, 10.0 * (i + 1)) for i in range(8)])
    fills = re.findall(r'<circle[^>]*fill="([^"]+)"', svg)
    assert len(fills) == 8
    assert FAILED_COLOR not in fills


def test_last_rehearsal_of_a_source_database(tmp_path) -> None:
    """The latest verified record of the same connection and database; unverified and other ones do not count."""

    def record(run: str, *, source: str = "src", database: str | None = "shop", verified: bool = True):
        return rehearsal.RehearsalRecord(
            name="shop",
            rehearsed_at=run,
            run_id=run,
            child_run_id=run,
            source=source,
            scratch_database="tsm_rehearsal_shop",
            dump_format="parallel",
            size_bytes=10,
            phases={"load": float(len(run))},
            verified=verified,
            source_database=database,
        )

    rehearsal.append_history(
        str(tmp_path),
        [
            record("a"),
            record("bb"),
            record("ccc", verified=False),
            record("dddd", source="other"),
            record("eeeee", database="else"),
        ],
    )
    assert rehearsal.last_rehearsal(str(tmp_path), "src", "shop").run_id == "bb"
    assert rehearsal.last_rehearsal(str(tmp_path), "src", "nothing") is None
