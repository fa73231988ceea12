"""Unit tests of timescale_migration.checks.findings: what checks leave for the stop_apps gate and for verify."""

from __future__ import annotations

import json

import pytest

from tests.support.fakes import FakeTI
from timescale_migration.checks.findings import (
    BLOCKING,
    GATE_ROWS,
    WARNING,
    Finding,
    collect,
    expected_differences,
    gate_lines,
    refuse_if_blocking,
    unfinished,
)
from timescale_migration.exceptions import PermanentError, PreflightRefused

pytestmark = pytest.mark.unit

SETTING = Finding(
    "database settings",
    WARNING,
    "lc_messages = C (database-wide)",
    "only a superuser may set it",
    ("database settings", "database lc_messages"),
)
BLOCKER = Finding("objects", BLOCKING, 'event trigger "log_ddl"', "only a superuser may create it")


def test_round_trip_through_json() -> None:
    """A finding survives XCom's JSON, its expected item included (a list in JSON, a tuple again after)."""
    data = json.loads(json.dumps(SETTING.to_dict()))
    assert Finding.from_dict(data) == SETTING
    assert Finding.from_dict(json.loads(json.dumps(BLOCKER.to_dict()))) == BLOCKER


def test_unknown_severity_is_refused() -> None:
    """Only blocking and warning exist."""
    with pytest.raises(ValueError, match="'fatal' is not one of blocking, warning"):
        Finding("x", "fatal", "y", "z")


def test_collect_reads_every_preflight_task_in_order() -> None:
    """Findings come from check_extensions and check_versions (other tasks and missing XComs are ignored)."""
    ti = FakeTI(
        {
            "check_extensions": {"findings": [BLOCKER.to_dict()]},
            "check_versions": {"source": {}, "findings": [SETTING.to_dict()]},
            "load": {"findings": [BLOCKER.to_dict()]},
        }
    )
    assert collect(ti) == [BLOCKER, SETTING]
    assert collect(FakeTI({"check_versions": {"source": {}}})) == []


def test_refuse_if_blocking_names_each_blocking_finding() -> None:
    """Warnings pass; any blocking finding refuses the run once (not retried), numbering all of them with their
    cause and remedy, and counting the warnings."""
    refuse_if_blocking([SETTING], "the preflight")
    other = Finding(
        "versions",
        BLOCKING,
        "client tools",
        "pg_dump 15 is older than PostgreSQL 17",
        remedy="install postgresql-client-17",
    )
    with pytest.raises(PreflightRefused) as err:
        refuse_if_blocking([SETTING, BLOCKER, other], "the preflight")
    assert isinstance(err.value, PermanentError)
    lines = str(err.value).splitlines()
    assert lines[0].startswith("the preflight found 2 blocking problem(s) before the downtime; nothing was changed")
    assert "(1 warning(s) besides, listed in the log and in preflight.json)" in lines[0]
    assert lines[1:] == [
        '1. objects: event trigger "log_ddl": only a superuser may create it',
        "2. versions: client tools: pg_dump 15 is older than PostgreSQL 17. What to do: install postgresql-client-17",
    ]
    assert "lc_messages" not in str(err.value)


def test_unfinished_checks_are_blocking() -> None:
    """A check task without a result (it failed) is a blocking finding naming its failure; one with a result is
    not."""
    ti = FakeTI({"check_versions": {"source": {}}})
    ti.others[(ti.dag_id, ti.run_id, "check_extensions", "failure")] = {
        "task_id": "check_extensions",
        "error": "ConnectionConfigError: x",
    }
    found = unfinished(ti)
    assert [(f.check, f.severity) for f in found] == [("check_extensions", BLOCKING)]
    assert "(ConnectionConfigError: x)" in found[0].message and "log" in found[0].remedy
    assert unfinished(FakeTI({"check_extensions": {}, "check_versions": {}})) == []


def test_expected_differences_maps_verify_items() -> None:
    """Only findings that name a verify item are expected differences."""
    assert expected_differences([SETTING, BLOCKER]) == {("database settings", "database lc_messages"): SETTING}


def test_gate_lines_table_escapes_cells() -> None:
    """A Markdown table, one row per finding, with | in a value escaped; nothing at all without findings."""
    assert gate_lines([]) == []
    odd = Finding("database settings", WARNING, "search_path = a|b", "line one\nline two")
    lines = gate_lines([SETTING, odd])
    assert "**2 preflight finding(s)** — read them before approving:" in lines
    assert "| warning | database settings | lc_messages = C (database-wide) | only a superuser may set it |" in lines
    assert "| warning | database settings | search_path = a\\|b | line one line two |" in lines


def test_gate_lines_cap_blocking_first() -> None:
    """Past GATE_ROWS findings the table stops, blocking ones shown first, and says how many more there are."""
    many = [SETTING] * GATE_ROWS + [BLOCKER]
    lines = gate_lines(many)
    rows = [line for line in lines if line.startswith("| warning") or line.startswith("| blocking")]
    assert len(rows) == GATE_ROWS and rows[0].startswith("| blocking")
    assert lines[-1] == "... and 1 more (every one is in check_versions' log and in preflight.json)."
