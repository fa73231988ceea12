"""Unit tests of operators/cutover.py: it records the cutover and whether the source stays blocked."""

from __future__ import annotations

from typing import Any

import pytest

from timescale_migration import drain
from timescale_migration.drain import PUBLIC, BlockRecord
from timescale_migration.operators.cutover import CutoverOperator

pytestmark = pytest.mark.unit


def block(context: dict[str, Any], database: str) -> None:
    """Leave a drain record for `database` of the run's source connection."""
    params = context["params"]
    path = drain.record_path(params["work_dir"], params["source_conn_id"], database)
    drain.save_record(path, BlockRecord(database=database, migrator="postgres", revoked=[PUBLIC]))


def test_cutover_with_blocked_source(make_context, opened, connections: dict[str, str]) -> None:
    """After a drain the source stays blocked; the target is named; no session is opened."""
    context = make_context()
    block(context, "appdb")
    result = CutoverOperator(task_id="cutover").execute(context)
    assert result == {"target": f"target '{connections['target_conn_id']}' (target.example:5432/tsdb as tsdbadmin)",
                      "source_blocked": True}
    assert opened == []


def test_cutover_without_drain(make_context, opened) -> None:
    """With drain=false (no record) the source is reported as not blocked."""
    result = CutoverOperator(task_id="cutover").execute(make_context(drain=False))
    assert result["source_blocked"] is False
    assert result["target"].startswith("target ")


def test_cutover_checks_the_run_source_database(make_context) -> None:
    """A record of another database of the same connection does not count."""
    context = make_context(source_database="other")
    block(context, "appdb")
    assert CutoverOperator(task_id="cutover").execute(context)["source_blocked"] is False
    block(context, "other")
    assert CutoverOperator(task_id="cutover").execute(context)["source_blocked"] is True
