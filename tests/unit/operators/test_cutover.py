"""Unit tests of operators/cutover.py: it records the cutover and whether the source stays blocked."""

from __future__ import annotations

import pytest

from timescale_migration.operators.cutover import CutoverOperator

pytestmark = pytest.mark.unit


def test_cutover_with_blocked_source(make_context, opened, connections: dict[str, str]) -> None:
    """After a drain the source stays blocked; the target is named; no session is opened."""
    context = make_context()
    context["ti"].xcoms["drain_source"] = {"drained": True}
    result = CutoverOperator(task_id="cutover").execute(context)
    assert result == {"target": f"target '{connections['target_conn_id']}' (target.example:5432/tsdb as tsdbadmin)",
                      "source_blocked": True}
    assert opened == []


def test_cutover_without_drain(make_context, opened) -> None:
    """With drain=false (drain_source drained nothing) the source is reported as not blocked."""
    context = make_context(drain=False)
    context["ti"].xcoms["drain_source"] = {"drained": False}
    result = CutoverOperator(task_id="cutover").execute(context)
    assert result["source_blocked"] is False
    assert result["target"].startswith("target ")
