"""The bench report from hand-made results: its tables, ratios, medians, failures and commands."""

from __future__ import annotations

import argparse

import pytest

from bench.context import MethodResult
from bench.report import markdown, median_walls
from bench.rss import RssPeak
from bench.source import SourceInfo

pytestmark = pytest.mark.unit

FACTS = {
    "date": "2026-12-01T23:00:00+00:00",
    "nproc": 2,
    "cpu": "Test CPU",
    "memory_gb": 7.7,
    "kernel": "6.1",
    "loadavg": ["1.00", "0.50", "0.25"],
    "server": "17.2",
    "timescaledb": "2.17.2",
    "pg_dump": "pg_dump (PostgreSQL) 17.2",
    "airflow": "3.3.0",
    "python": "3.12.1",
}


def source() -> SourceInfo:
    """A cached 50 MB source of two tables."""
    return SourceInfo(
        "bench_src_50mb",
        50,
        bytes=50 * 1048576,
        rows={"metrics": 200_000, "orders": 38_000},
        relation_bytes={"metrics": 20 * 1048576, "orders": 12 * 1048576},
        chunks=7,
    )


def documented(run: int, wall: float) -> MethodResult:
    """A successful documented run with two steps."""
    result = MethodResult(
        "documented",
        run,
        ok=True,
        wall_seconds=wall,
        span_seconds=wall - 1,
        commands=["pg_dump --format=plain", "psql -f dump.sql"],
    )
    result.steps = {"(setup) CREATE DATABASE": 0.5, "pg_dump": wall / 2, "psql load": wall / 2}
    return result


def dag(run: int, wall: float, *, ok: bool = True) -> MethodResult:
    """A DAG run with a phase breakdown and a peak RSS."""
    result = MethodResult(
        "dag parallel",
        run,
        ok=ok,
        wall_seconds=wall,
        span_seconds=wall / 2,
        downtime_seconds=wall * 0.6,
        verify_overhead_pct=12.5,
        rss=RssPeak(
            tree_rss_bytes=300 * 1048576,
            largest_rss_bytes=200 * 1048576,
            largest_cmd="airflow dags test",
            samples=9,
            max_processes=3,
        ),
        phases={"dump": wall / 4, "Airflow overhead": wall / 4},
        task_durations={"dump_data": wall / 4},
        commands=["airflow dags test migrate_database"],
    )
    if not ok:
        result.error = "verify did not report ok"
    return result


def table(report: str, header: str) -> list[list[str]]:
    """The rows (cells stripped) of the markdown table whose header line starts with `header`."""
    lines = report.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_results_table_has_one_row_per_result_with_the_ratio_to_documented() -> None:
    report = markdown([documented(1, 10.0), dag(1, 25.0)], source(), FACTS, argparse.Namespace(runs=1), [])
    rows = table(report, "| method | run | ok |")
    assert rows == [
        ["documented", "1", "yes", "10.0", "1.00", "10.0", "1.00", "n/a", "n/a", "9.0", "-"],
        ["dag parallel", "1", "yes", "25.0", "2.50", "15.0", "1.50", "300 MB", "200 MB", "12.5", "12.5%"],
    ]
    assert table(report, "| table | rows | size |") == [["metrics", "200,000", "20 MB"], ["orders", "38,000", "12 MB"]]
    assert "| method | median wall s |" not in report  # one run: no medians table


def test_medians_table_only_with_several_runs_and_failures_are_listed_not_counted() -> None:
    results = [documented(1, 10.0), documented(2, 14.0), dag(1, 30.0), dag(2, 99.0, ok=False)]
    report = markdown(results, source(), FACTS, argparse.Namespace(runs=2), ["a note"])
    assert table(report, "| method | median wall s |") == [
        ["documented", "12.0", "1.00"],
        ["dag parallel", "30.0", "2.50"],
    ]
    assert "- dag parallel run 2: verify did not report ok" in report.split("### Failures")[1]
    assert "- a note" in report.split("### Notes")[1]
    assert median_walls(results) == {"documented": 12.0, "dag parallel": 30.0}


def test_steps_and_phases_tables_and_each_command_once() -> None:
    report = markdown(
        [documented(1, 10.0), dag(1, 20.0), dag(2, 20.0)], source(), FACTS, argparse.Namespace(runs=2), []
    )
    assert table(report, "| step | seconds |") == [
        ["(setup) CREATE DATABASE", "0.50"],
        ["pg_dump", "5.00"],
        ["psql load", "5.00"],
        ["**total**", "**10.00**"],
    ]
    assert table(report, "| phase | seconds | share of wall |") == [
        ["dump", "5.00", "25.0%"],
        ["Airflow overhead", "5.00", "25.0%"],
        ["**wall**", "**20.00**", "100%"],
    ]
    commands = report.split("### Commands")[1].strip().splitlines()
    assert commands == ["- `pg_dump --format=plain`", "- `psql -f dump.sql`", "- `airflow dags test migrate_database`"]
