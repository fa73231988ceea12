"""A fake metadata database for the Migrations page (runs, task states, XComs) and a work directory with the files
verify, the rehearsals and the ledger write."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.fakes import span
from timescale_migration import phases, workdir
from timescale_migration.ui.store import RunRow, TaskRow

DAG = phases.DAG_ID
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@dataclass
class FakeStore:
    """RunStore over dicts: runs (newest first), task states and XComs per run id."""

    runs_: list[RunRow] = field(default_factory=list)
    tasks_: dict[str, dict[str, TaskRow]] = field(default_factory=dict)
    xcoms_: dict[str, dict[tuple[str, str], Any]] = field(default_factory=dict)
    connections_: dict[str, str] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def add(
        self,
        run_id: str,
        *,
        state: str = "success",
        conf: dict[str, Any] | None = None,
        tasks: dict[str, str] | None = None,
        xcoms: dict[tuple[str, str], Any] | None = None,
    ) -> RunRow:
        run = RunRow(DAG, run_id, state, "manual", conf or {}, T0, T0 if state in ("success", "failed") else None)
        self.runs_.insert(0, run)
        self.tasks_[run_id] = {task: TaskRow(task, task_state, T0, T0) for task, task_state in (tasks or {}).items()}
        self.xcoms_[run_id] = dict(xcoms or {})
        return run

    def runs(self, dag_id: str, limit: int) -> list[RunRow]:
        return [run for run in self.runs_ if run.dag_id == dag_id][:limit]

    def run(self, dag_id: str, run_id: str) -> RunRow | None:
        return next((run for run in self.runs_ if run.dag_id == dag_id and run.run_id == run_id), None)

    def tasks(self, dag_id: str, run_ids: Sequence[str]) -> dict[str, dict[str, TaskRow]]:
        return {run_id: self.tasks_.get(run_id, {}) for run_id in run_ids}

    def xcoms(self, dag_id: str, run_ids: Sequence[str], keys: Sequence[str]) -> dict[str, dict[tuple[str, str], Any]]:
        return {run_id: {k: v for k, v in self.xcoms_.get(run_id, {}).items() if k[1] in keys} for run_id in run_ids}

    def connection_database(self, conn_id: str) -> str | None:
        self.asked.append(conn_id)
        return self.connections_.get(conn_id)


PLAN = {
    "source": {
        "version": "15.18",
        "major": 15,
        "database_bytes": 30 * 1_048_576,
        "user_name": "postgres",
        "encoding": "UTF8",
    },
    "target": {
        "version": "17.12",
        "major": 17,
        "database_bytes": 8 * 1_048_576,
        "user_name": "tsdbadmin",
        "encoding": "UTF8",
    },
    "client_tools": {"bin_dir": "/usr/lib/postgresql/17/bin", "major": 17, "version": "17.12"},
    "timescaledb": None,
    "source_extensions": {"plpgsql": {"version": "1.0", "schema": "pg_catalog"}},
    "role_passwords": True,
    "aligned": None,
    "findings": [
        {
            "check": "database settings",
            "severity": "warning",
            "subject": "lc_messages = C",
            "message": "only a superuser may set it",
            "expected": None,
        }
    ],
}
SUMMARY = {
    "ok": True,
    "tables": 12,
    "rows": 4321,
    "sequences": 3,
    "structure_items": 240,
    "differences": [],
    "timings": {"verify: target side seconds": 1.25},
}
ALL_DONE = {task: "success" for task in phases.ORDER} | {
    phases.CUTOVER: "success",
    phases.RELEASE_SOURCE: "skipped",
    phases.RESUME_SOURCE_JOBS: "success",
    phases.REMOVE_SECRETS: "success",
}


def spans(start: float = 1000.0) -> dict[tuple[str, str], Any]:
    """Phase spans: the downtime runs 40 s from drain_source's start to verify's end."""
    found = {(task, phases.PHASE_KEY): span(start + i, start + i + 1) for i, task in enumerate(phases.DOWNTIME)}
    found[(phases.VERIFY, phases.PHASE_KEY)] = span(start + 30, start + 40)
    return found


def cut_over_xcoms() -> dict[tuple[str, str], Any]:
    return {
        (phases.CHECK_VERSIONS, "return_value"): PLAN,
        (phases.CHECK_EXTENSIONS, "return_value"): {"source_extensions": PLAN["source_extensions"]},
        (phases.STOP_APPS, "return_value"): {
            "chosen_options": ["Approve"],
            "responded_by_user": {"id": "admin", "name": "admin"},
        },
        (phases.VERIFY, "return_value"): {**SUMMARY, "report_html": "/w/verification.html"},
        **spans(),
    }


def write_verification(base: Path, run_id: str, *, ok: bool = True, tables: tuple[str, ...] = ("shop.orders",)) -> Path:
    """verification.json and .html in the run's directory, as verify writes them."""
    from timescale_migration.verify.compare import Check, VerifyReport
    from timescale_migration.verify.report import write

    run_dir = workdir.run_dir(str(base), DAG, run_id)
    checks = [
        Check(
            "data",
            name,
            10,
            10 if ok else 9,
            ok,
            "" if ok else "source 10 rows, target 9 rows",
            {"kind": "table", "checksum_match": ok},
        )
        for name in tables
    ]
    write(VerifyReport(checks=checks), run_dir, {"source": "source 'src'", "target": "target 'tgt'", "run": run_id})
    return run_dir


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default work directory ($TSM_WORK_DIR), with no fleet or rehearsal config pointing elsewhere."""
    path = tmp_path / "work"
    path.mkdir()
    monkeypatch.setenv("TSM_WORK_DIR", str(path))
    monkeypatch.setenv("TSM_FLEET_CONFIG", str(tmp_path / "no-fleet.json"))
    monkeypatch.setenv("TSM_REHEARSALS_CONFIG", str(tmp_path / "no-rehearsals.json"))
    return path


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


def history_line(**fields: Any) -> str:
    record = {
        "name": "shop",
        "rehearsed_at": "2026-11-30T10:00:00+00:00",
        "run_id": "scheduled__1",
        "child_run_id": "rehearsal__shop__scheduled__1",
        "source": "src",
        "scratch_database": "tsm_rehearsal_shop",
        "dump_format": "directory",
        "size_bytes": 1_048_576,
        "phases": {"load": 3.0},
        "predicted_downtime_s": 12.5,
        "verified": True,
        "error": None,
        **fields,
    }
    return json.dumps(record) + "\n"
