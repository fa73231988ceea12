"""Unit tests of operators/source_jobs.py: TimescaleDB jobs paused around the dump and resumed exactly."""

from __future__ import annotations

import json
import stat
from typing import Any

import pytest

from tests.unit.operators.conftest import make_plan, statement_text
from timescale_migration import catalog
from timescale_migration.clienttools import ClientTools
from timescale_migration.operators.source_jobs import PAUSED_FILE, PauseSourceJobsOperator, ResumeSourceJobsOperator
from timescale_migration.plan import TimescaleInfo

pytestmark = pytest.mark.unit

TOOLS = ClientTools(bin_dir="/x", major=17, version="17.12")
ALTER = 'SELECT "ts src".alter_job(%(id)s, scheduled => %(scheduled)s);'


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch, opened) -> dict[str, Any]:
    """The source's user jobs stubbed; alter_job calls change them and are recorded as (statement, params)."""
    state: dict[str, Any] = {
        "jobs": [{"id": 1000, "scheduled": True, "proc": "_timescaledb_functions.policy_compression"},
                 {"id": 1001, "scheduled": False, "proc": "_timescaledb_functions.policy_retention"},
                 {"id": 1002, "scheduled": True, "proc": "public.custom_job"}],
        "altered": [],
    }

    def rows(conn: str, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        assert conn == "source"
        if name == "timescaledb_user_jobs":
            return [dict(job) for job in state["jobs"]]
        raise AssertionError(f"unexpected query {name}")

    def run(conn: str, statement: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        assert conn == "source"
        state["altered"].append((statement_text(statement), params))
        for job in state["jobs"]:
            if params and job["id"] == params["id"]:
                job["scheduled"] = params["scheduled"]
        return [(None,)]

    monkeypatch.setattr(catalog, "rows", rows)
    monkeypatch.setattr(catalog, "run", run)
    return state


@pytest.fixture
def context(make_context) -> dict[str, Any]:
    """A run with a TimescaleDB source whose extension lives in schema "ts src"."""
    return make_context(make_plan(TOOLS, timescaledb=TimescaleInfo("2.19.3", "ts src", "public")))


def pause(context: dict[str, Any]) -> dict[str, Any]:
    """Run pause_source_jobs."""
    return PauseSourceJobsOperator(task_id="pause_source_jobs").execute(context)


def resume(context: dict[str, Any]) -> dict[str, Any]:
    """Run resume_source_jobs."""
    return ResumeSourceJobsOperator(task_id="resume_source_jobs").execute(context)


def test_plain_source_has_nothing_to_pause(jobs: dict[str, Any], opened, make_context) -> None:
    """A plain PostgreSQL source: both do nothing, without a session or a record."""
    context = make_context(make_plan(TOOLS, timescaledb=False))
    assert pause(context) == {"paused": []}
    assert resume(context) == {"resumed": []}
    assert opened == []
    assert jobs["altered"] == []
    assert not (PauseSourceJobsOperator(task_id="p").run_dir(context) / PAUSED_FILE).exists()


def test_pause_only_scheduled_jobs_and_record_them(jobs: dict[str, Any], context: dict[str, Any]) -> None:
    """Only scheduled jobs are paused, with the source's TimescaleDB schema; they are recorded (mode 0600)."""
    assert pause(context) == {"paused": [1000, 1002]}
    assert jobs["altered"] == [(ALTER, {"id": 1000, "scheduled": False}), (ALTER, {"id": 1002, "scheduled": False})]
    record = PauseSourceJobsOperator(task_id="p").run_dir(context) / PAUSED_FILE
    assert json.loads(record.read_text(encoding="utf-8")) == [1000, 1002]
    assert stat.S_IMODE(record.stat().st_mode) == 0o600


def test_pause_retry_reuses_the_record(jobs: dict[str, Any], context: dict[str, Any]) -> None:
    """A retry (the jobs already unscheduled) pauses the recorded jobs again instead of recording none."""
    pause(context)
    jobs["altered"].clear()
    assert [job["scheduled"] for job in jobs["jobs"]] == [False, False, False]
    assert pause(context) == {"paused": [1000, 1002]}
    assert jobs["altered"] == [(ALTER, {"id": 1000, "scheduled": False}), (ALTER, {"id": 1002, "scheduled": False})]


def test_resume_exactly_the_paused_jobs(jobs: dict[str, Any], context: dict[str, Any]) -> None:
    """resume schedules again exactly the jobs paused (not the one that was off before) and removes the record."""
    pause(context)
    jobs["altered"].clear()
    assert resume(context) == {"resumed": [1000, 1002]}
    assert jobs["altered"] == [(ALTER, {"id": 1000, "scheduled": True}), (ALTER, {"id": 1002, "scheduled": True})]
    assert [job["scheduled"] for job in jobs["jobs"]] == [True, False, True]
    assert not (ResumeSourceJobsOperator(task_id="r").run_dir(context) / PAUSED_FILE).exists()
    assert resume(context) == {"resumed": []}


def test_resume_without_record(jobs: dict[str, Any], context: dict[str, Any], opened) -> None:
    """When nothing was paused (pause never ran) resume does nothing."""
    assert resume(context) == {"resumed": []}
    assert jobs["altered"] == []
    assert opened == []
