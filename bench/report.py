"""The report: markdown tables on stdout (source, results, medians, each method's steps or phases, failures,
notes, commands) and bench/results/<date>-<size>mb.json."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR
from bench.context import MethodResult
from bench.source import SourceInfo


def _mb(value: int | float | None) -> str:
    return "-" if not value else f"{value / 1048576:,.0f} MB"


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def median_walls(results: list[MethodResult]) -> dict[str, float]:
    """Median wall seconds of each method's successful runs."""
    walls: dict[str, list[float]] = {}
    for r in results:
        if r.ok:
            walls.setdefault(r.method, []).append(r.wall_seconds)
    return {method: statistics.median(values) for method, values in walls.items()}


def markdown(
    results: list[MethodResult], source: SourceInfo, facts: dict[str, Any], args: argparse.Namespace, notes: list[str]
) -> str:
    """The whole report as markdown."""
    medians = median_walls(results)
    base = medians.get("documented")
    lines = [f"## Benchmark: migrate {source.name} ({source.bytes / 1048576:,.0f} MB) on {facts['date']}", ""]
    lines += [
        f"Machine: {facts['nproc']} cores ({facts['cpu']}), {facts['memory_gb']} GB RAM, kernel "
        f"{facts['kernel']}, load average at start {' '.join(facts['loadavg'])}; PostgreSQL "
        f"{facts.get('server')}, TimescaleDB {facts.get('timescaledb')}, {facts.get('pg_dump')}, Airflow "
        f"{facts.get('airflow')}, Python {facts['python']}.",
        "",
    ]
    gen = f"generated in {source.generation_seconds:.0f}s" if source.generated else "reused (cached)"
    lines += [
        f"Source: `{source.name}` {gen}, pg_database_size {source.bytes / 1048576:,.0f} MB, {source.chunks} chunks.",
        "",
        "| table | rows | size |",
        "| --- | ---: | ---: |",
    ]
    for table, rows in source.rows.items():
        lines.append(f"| {table} | {rows:,} | {_mb(source.relation_bytes.get(table))} |")
    lines += [
        "",
        "### Results",
        "",
        "| method | run | ok | wall s | × documented | downtime s | downtime × documented | peak RSS (tree) | "
        "largest process | dump→analyze span s | verification overhead |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        ratio = f"{r.wall_seconds / base:.2f}" if base and r.ok else "-"
        downtime = r.wall_seconds if r.method == "documented" else r.downtime_seconds
        down_ratio = f"{downtime / base:.2f}" if base and r.ok and downtime else "-"
        rss = _mb(r.rss.tree_rss_bytes) if r.rss else "n/a"
        largest = _mb(r.rss.largest_rss_bytes) if r.rss else "n/a"
        overhead = f"{r.verify_overhead_pct:.1f}%" if r.verify_overhead_pct is not None else "-"
        lines.append(
            f"| {r.method} | {r.run} | {'yes' if r.ok else 'FAILED'} | {_s(r.wall_seconds)} | {ratio} | "
            f"{_s(downtime)} | {down_ratio} | {rss} | {largest} | {_s(r.span_seconds)} | {overhead} |"
        )
    if args.runs > 1:
        lines += ["", "| method | median wall s | × documented |", "| --- | ---: | ---: |"]
        for method, wall in medians.items():
            lines.append(f"| {method} | {wall:,.1f} | {f'{wall / base:.2f}' if base else '-'} |")
    lines += [
        "",
        "Peak RSS: DAG rows sum the Python processes of the `airflow dags test` tree (pg_dump/psql "
        "excluded), pgcopydb rows its own processes (pg_dump/pg_restore excluded), sampled every 0.2 s; "
        "RSS sums count shared pages once per process (PSS in the JSON). Downtime: the documented commands' "
        "whole wall; the DAG's from its first downtime phase (drain_source) to the end of verify. Span: DAG rows from "
        "task_instance dump_data start to analyze end; documented: pg_dump through ANALYZE. Verification "
        "overhead = verify / span (the source's side of verification runs inside load, beside the copy).",
    ]
    for r in results:
        if r.steps:
            lines += ["", f"### {r.method} run {r.run}: steps", "", "| step | seconds |", "| --- | ---: |"]
            lines += [f"| {step} | {value:,.2f} |" for step, value in r.steps.items()]
            lines.append(f"| **total** | **{r.wall_seconds:,.2f}** |")
            if r.dump_mb:
                lines += ["", f"dump.sql: {r.dump_mb:,.1f} MB."]
        if r.method.startswith("dag") and r.phases:
            lines += [
                "",
                f"### {r.method} run {r.run}: phases",
                "",
                "| phase | seconds | share of wall |",
                "| --- | ---: | ---: |",
            ]
            for phase, value in r.phases.items():
                share = 100 * value / r.wall_seconds if r.wall_seconds else 0
                lines.append(f"| {phase} | {value:,.2f} | {share:.1f}% |")
            lines.append(f"| **wall** | **{r.wall_seconds:,.2f}** | 100% |")
            tasks = ", ".join(f"{t} {s:.1f}" for t, s in r.task_durations.items())
            lines += [
                "",
                f"Task durations (s): {tasks}." + (f" dump.sql: {r.dump_mb:,.1f} MB." if r.dump_mb else ""),
                "",
            ]
            if r.verify_timings:
                timings = ", ".join(f"{k} {v}" for k, v in r.verify_timings.items())
                lines.append(f"verify XCom timings: {timings}.")
            if r.first_task_startup_seconds is not None:
                charged = r.first_task_startup_charged
                lines.append(
                    f"Before the first task ({r.first_task}) ran, {r.first_task_startup_seconds:.1f}s "
                    "passed between `[DAG TEST] running task` and `Task started` (Airflow starting its "
                    "in-process execution API)"
                    + (
                        f"; {charged:.1f}s of it fall inside {r.first_task}'s recorded duration"
                        if charged is not None
                        else ""
                    )
                    + "."
                )
            if r.verify_note:
                lines.append(f"Verification overhead counts: {r.verify_note}.")
            if r.rss:
                lines.append(
                    f"Peak: tree RSS {_mb(r.rss.tree_rss_bytes)}, tree PSS {_mb(r.rss.tree_pss_bytes)}, "
                    f"largest process {_mb(r.rss.largest_rss_bytes)} ({r.rss.largest_cmd}), up to "
                    f"{r.rss.max_processes} Python processes, {r.rss.samples} samples."
                )
    failures = [r for r in results if not r.ok]
    if failures:
        lines += ["", "### Failures", ""]
        lines += [f"- {r.method} run {r.run}: {r.error}" for r in failures]
    if notes:
        lines += ["", "### Notes", ""] + [f"- {note}" for note in notes]
    lines += ["", "### Commands", ""]
    seen: set[str] = set()
    for r in results:
        for command in r.commands:
            if command not in seen:
                seen.add(command)
                lines.append(f"- `{command}`")
    return "\n".join(lines)


def write_json(
    results: list[MethodResult], source: SourceInfo, facts: dict[str, Any], args: argparse.Namespace, notes: list[str]
) -> Path:
    """bench/results/<date>-<size>mb.json."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{dt.date.today().isoformat()}-{args.size_mb}mb.json"
    data = {
        "args": {k: v for k, v in vars(args).items()},
        "machine": facts,
        "source": asdict(source),
        "results": [asdict(r) for r in results],
        "median_wall_seconds": median_walls(results),
        "notes": notes,
    }
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path
