"""bench/deployed.py's figures from hand-made task instances: downtime, the tasks' own seconds, the gaps."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.deployed import downtime_figures
from timescale_migration import phases

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 12, 1, 23, 0, tzinfo=dt.UTC)


def ti(task: str, start: float, end: float, map_index: int = -1) -> dict:
    """A task instance as the REST API lists it, times in seconds after T0."""
    return {
        "task_id": task,
        "map_index": map_index,
        "start_date": (T0 + dt.timedelta(seconds=start)).isoformat(),
        "end_date": (T0 + dt.timedelta(seconds=end)).isoformat(),
    }


def test_downtime_figures_follow_the_registrys_downtime_in_order() -> None:
    downtime = phases.DOWNTIME
    tis = [ti(task, 10.0 * i + 1, 10.0 * i + 9) for i, task in enumerate(downtime)]
    tis += [ti(phases.CHECK_VERSIONS, -50, -40), ti(phases.LOAD, 0, 999, map_index=0)]  # outside, and mapped
    figures = downtime_figures(tis, T0, T0 + dt.timedelta(seconds=10.0 * len(downtime) + 2))
    assert list(figures["tasks"]) == list(downtime)
    assert figures["downtime_s"] == 10.0 * len(downtime) + 2
    assert figures["task_seconds"] == 8.0 * len(downtime)
    assert figures["gaps"] == [2.0] * (len(downtime) - 1)
    assert figures["mean_gap_s"] == 2.0 and figures["max_gap_s"] == 2.0
    assert figures["first_to_verify_end_s"] == 10.0 * (len(downtime) - 1) + 8


def test_downtime_figures_without_the_gate_answers() -> None:
    figures = downtime_figures([ti(phases.DRAIN_SOURCE, 0, 1)], None, None)
    assert figures["downtime_s"] is None
    assert figures["gaps"] == [] and figures["mean_gap_s"] is None
