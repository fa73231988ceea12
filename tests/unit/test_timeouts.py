"""Unit tests of timescale_migration/timeouts.py: each downtime task's execution_timeout."""

from __future__ import annotations

from datetime import timedelta

import pytest

from timescale_migration import phases, timeouts
from timescale_migration.timeouts import FLOOR, phase_timeout

pytestmark = pytest.mark.unit
GB = 1024**3


def test_small_database_gets_the_floor() -> None:
    """A few MB: every downtime task may run at least half an hour."""
    assert {
        task: phase_timeout(task, 20 * 1024**2) for task in phases.DOWNTIME if task != phases.DRAIN_SOURCE
    } == dict.fromkeys([t for t in phases.DOWNTIME if t != phases.DRAIN_SOURCE], FLOOR)


def test_size_alone_at_a_pessimistic_rate() -> None:
    """Without a rehearsal, data phases get the size at 2 MB/s; the others the floor."""
    assert phase_timeout(phases.LOAD, 100 * GB) == timedelta(seconds=100 * 1024 / 2)
    assert phase_timeout(phases.VERIFY, 100 * GB) == timedelta(seconds=51200)
    assert phase_timeout(phases.PRE_RESTORE, 100 * GB) == FLOOR


def test_rehearsal_scaled_to_todays_size_with_margin() -> None:
    """The rehearsal's seconds x 4, scaled up when the database grew (never down)."""
    assert phase_timeout(phases.LOAD, 20 * GB, rehearsed_s=3000, rehearsed_bytes=10 * GB) == timedelta(seconds=24000)
    assert phase_timeout(phases.LOAD, 5 * GB, rehearsed_s=3000, rehearsed_bytes=10 * GB) == timedelta(seconds=12000)
    assert phase_timeout(phases.LOAD, 5 * GB, rehearsed_s=10, rehearsed_bytes=5 * GB) == FLOOR
    assert phase_timeout(phases.APPLY_SETTINGS, 5 * GB, rehearsed_s=900, rehearsed_bytes=None) == timedelta(
        seconds=3600
    )


def test_drain_gets_its_own_wait_plus_the_floor() -> None:
    """drain_source waits up to drain_timeout for sessions on purpose."""
    assert phase_timeout(phases.DRAIN_SOURCE, 100 * GB, drain_timeout_s=3600) == FLOOR + timedelta(hours=1)


def test_describe_names_the_basis() -> None:
    """The log line says where the limit comes from."""
    assert "last rehearsal's 12.0 s" in timeouts.describe(phases.LOAD, FLOOR, GB, 12.0)
    assert "MB at 2.1 MB/s" in timeouts.describe(phases.LOAD, FLOOR, GB, None)
