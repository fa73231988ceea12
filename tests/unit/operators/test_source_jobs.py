"""Unit tests of operators/source_jobs.py: TimescaleDB jobs paused around the dump and resumed exactly."""

from __future__ import annotations

import json
import stat
from typing import Any

import psycopg
import pytest
from airflow.sdk.exceptions import AirflowFailException

from tests.support.fakes import statement_text
from tests.unit.operators.conftest import make_plan
from timescale_migration.checks.plan import TimescaleInfo
from timescale_migration.db import catalog, sqlfiles, timescale_features
from timescale_migration.operators.source_jobs import PAUSED_FILE, PauseSourceJobsOperator, ResumeSourceJobsOperator
from timescale_migration.operators.verify import VerifyOperator
from timescale_migration.tools.clienttools import ClientTools
from timescale_migration.verify import verification
from timescale_migration.verify.compare import Check, VerifyReport
from timescale_migration.verify.verification import JOBS_BEFORE_PAUSE

pytestmark = pytest.mark.unit

TOOLS = ClientTools(bin_dir="/x", major=17, version="17.12")
ALTER = statement_text(sqlfiles.compose("timescaledb/alter_job", schema="ts src"))


def job_details(state: dict[str, Any]) -> list[dict[str, str]]:
    """The jobs section as timescaledb_jobs.sql lists it, from the fake catalog."""
    return [
        {
            "name": f"job {j['id']} {j['proc']} on -",
            "detail": f"every 1 day scheduled {str(j['scheduled']).lower()} config {j.get('config', '-')}",
        }
        for j in state["jobs"]
    ]


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch, opened) -> dict[str, Any]:
    """The source's user jobs on a community build, stubbed; alter_job calls change them and are recorded as
    (statement, params)."""
    state: dict[str, Any] = {
        "jobs": [
            {"id": 1000, "scheduled": True, "proc": "_timescaledb_functions.policy_compression"},
            {"id": 1001, "scheduled": False, "proc": "_timescaledb_functions.policy_retention"},
            {"id": 1002, "scheduled": True, "proc": "public.custom_job"},
        ],
        "altered": [],
        "license": "timescale",
        "sides": [],
    }

    def rows(conn: str, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        if name == "timescaledb/user_jobs":
            assert conn == "source"
            return [dict(job) for job in state["jobs"]]
        if name == "timescaledb/jobs":
            return job_details(state)
        if name == "timescaledb/job_owners":
            return [
                {"id": j["id"], "owner": "tsm", "scheduled": j["scheduled"], "may_alter": True} for j in state["jobs"]
            ]
        if name == "timescaledb/features":
            return [
                {
                    "license": state["license"],
                    "user_jobs": len(state["jobs"]),
                    "compressed_chunks": 0,
                    "continuous_aggregates": 0,
                }
            ]
        raise AssertionError(f"unexpected query {name}")

    def run(conn: str, statement: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        text = statement_text(statement)
        if "alter_job" not in text:
            return []  # the session settings of verification
        state["sides"].append(conn)
        state["altered"].append((text, params))
        for job in state["jobs"]:
            if params and job["id"] == params["id"]:
                job["scheduled"] = params["scheduled"]
        return [(None,)]

    def schedule_jobs(conn: str, schema: str, ids: list[int]) -> dict[int, str]:
        for job_id in ids:  # each on its own, in a transaction of its own on the real server
            run(conn, sqlfiles.compose("timescaledb/alter_job", schema=schema), {"id": job_id, "scheduled": True})
        return {}

    monkeypatch.setattr(catalog, "rows", rows)
    monkeypatch.setattr(catalog, "run", run)
    monkeypatch.setattr(timescale_features, "schedule_jobs", schedule_jobs)
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
    """Only scheduled jobs are paused, with the source's TimescaleDB schema; the record (mode 0600) keeps which,
    and every job's settings as they were before the pause."""
    before = {row["name"]: row["detail"] for row in job_details(jobs)}
    assert pause(context) == {"paused": [1000, 1002], "jobs": 3}
    assert jobs["altered"] == [(ALTER, {"id": 1000, "scheduled": False}), (ALTER, {"id": 1002, "scheduled": False})]
    record = PauseSourceJobsOperator(task_id="p").run_dir(context) / PAUSED_FILE
    kept = json.loads(record.read_text(encoding="utf-8"))
    assert kept["paused"] == [1000, 1002] and kept["before"] == before
    assert "scheduled true" in kept["before"]["job 1000 _timescaledb_functions.policy_compression on -"]
    assert stat.S_IMODE(record.stat().st_mode) == 0o600


def test_apache_build_pauses_nothing_and_keeps_the_jobs_settings(jobs: dict[str, Any], context: dict[str, Any]) -> None:
    """The Apache build has no alter_job and runs no user job: nothing is paused (no error, no retry), and the
    record still keeps the jobs as they are for verify."""
    jobs["license"] = "apache"
    assert pause(context) == {"paused": [], "jobs": 3}
    assert jobs["altered"] == []
    record = PauseSourceJobsOperator(task_id="p").run_dir(context) / PAUSED_FILE
    kept = json.loads(record.read_text(encoding="utf-8"))
    assert kept["paused"] == [] and len(kept["before"]) == 3 and "apache" in kept["reason"]


def test_pause_retry_reuses_the_record(jobs: dict[str, Any], context: dict[str, Any]) -> None:
    """A retry (the jobs already unscheduled) pauses the recorded jobs again instead of recording none."""
    pause(context)
    jobs["altered"].clear()
    assert [job["scheduled"] for job in jobs["jobs"]] == [False, False, False]
    assert pause(context) == {"paused": [1000, 1002], "jobs": 3}
    assert jobs["altered"] == [(ALTER, {"id": 1000, "scheduled": False}), (ALTER, {"id": 1002, "scheduled": False})]
    kept = json.loads((PauseSourceJobsOperator(task_id="p").run_dir(context) / PAUSED_FILE).read_text())
    assert "scheduled true" in kept["before"]["job 1002 public.custom_job on -"]  # as before the first pause


def test_resume_exactly_the_paused_jobs(jobs: dict[str, Any], context: dict[str, Any]) -> None:
    """resume schedules again exactly the jobs paused (not the one that was off before); the record stays for
    verify, which compares the target's jobs with it."""
    pause(context)
    jobs["altered"].clear()
    assert resume(context) == {"resumed": [1000, 1002]}
    assert jobs["altered"] == [(ALTER, {"id": 1000, "scheduled": True}), (ALTER, {"id": 1002, "scheduled": True})]
    assert [job["scheduled"] for job in jobs["jobs"]] == [True, False, True]
    assert (ResumeSourceJobsOperator(task_id="r").run_dir(context) / PAUSED_FILE).exists()
    jobs["altered"].clear()
    assert resume(context) == {"resumed": [1000, 1002]}  # a retried resume: the same jobs, idempotent
    assert [job["scheduled"] for job in jobs["jobs"]] == [True, False, True]


def test_resume_without_record(jobs: dict[str, Any], context: dict[str, Any], opened) -> None:
    """When nothing was paused (pause never ran) resume does nothing."""
    assert resume(context) == {"resumed": []}
    assert jobs["altered"] == []
    assert opened == []


def test_a_license_error_fails_at_once(jobs: dict[str, Any], context: dict[str, Any], monkeypatch) -> None:
    """An error that cannot go away (alter_job refused under the apache license) is not retried."""

    def refuse(conn: str, statement: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        raise psycopg.errors.FeatureNotSupported(
            'function "alter_job" is not supported under the current "apache" license'
        )

    monkeypatch.setattr(catalog, "run", refuse)
    with pytest.raises(AirflowFailException, match=r"apache.*not retried"):
        pause(context)


def test_a_lost_connection_is_retried(jobs: dict[str, Any], context: dict[str, Any], monkeypatch) -> None:
    """A lost connection raises as it is, so that Airflow retries the task."""

    def lost(conn: str, statement: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(catalog, "run", lost)
    with pytest.raises(psycopg.OperationalError):
        pause(context)


def jobs_as_before_the_pause(context: dict[str, Any], result: VerifyReport) -> list[Check]:
    """verify's last step, with the run directory, plan and target it has at that point."""
    op = VerifyOperator(task_id="verify")
    target = op.endpoints(context)[1]
    return verification.jobs_as_before_the_pause(op.run_dir(context), op.plan(context), target, result, op.log)


def test_verify_schedules_the_paused_jobs_again_on_a_proven_target(
    jobs: dict[str, Any], context: dict[str, Any]
) -> None:
    """On a target without differences verify schedules again, on the target, exactly the jobs the run paused
    (the dump carried the pause), then compares every job with the record of the source before the pause."""
    pause(context)
    jobs["altered"].clear()
    jobs["sides"].clear()
    checks = jobs_as_before_the_pause(context, VerifyReport())
    assert jobs["sides"] == ["target", "target"]
    assert jobs["altered"] == [
        (ALTER.replace('"ts src"', '"public"'), {"id": 1000, "scheduled": True}),
        (ALTER.replace('"ts src"', '"public"'), {"id": 1002, "scheduled": True}),
    ]
    assert [c.section for c in checks] == [JOBS_BEFORE_PAUSE] * 3 and all(c.ok for c in checks)


def test_verify_fails_a_job_that_differs_from_before_the_pause(jobs: dict[str, Any], context: dict[str, Any]) -> None:
    """A job whose settings on the target differ from the source's before the pause is a difference."""
    pause(context)
    jobs["jobs"][2]["config"] = '{"changed": true}'
    checks = jobs_as_before_the_pause(context, VerifyReport())
    [bad] = [c for c in checks if not c.ok]
    assert bad.name == "job 1002 public.custom_job on -" and "changed" in bad.problem


def test_verify_leaves_the_target_paused_when_it_found_differences(
    jobs: dict[str, Any], context: dict[str, Any]
) -> None:
    """No job is scheduled on a target that verification did not prove (a retention policy would run there)."""
    pause(context)
    jobs["altered"].clear()
    failed = VerifyReport([Check("data", "public.t", 1, 2, False, "rows differ")])
    assert jobs_as_before_the_pause(context, failed) == []
    assert jobs["altered"] == []
