"""The generated source's plan: rows per table and the hypertable's days for a requested size."""

from __future__ import annotations

import pytest

from bench.source import METRICS_DEVICES, ROW_BYTES, SHARES, metrics_days, planned_rows

pytestmark = pytest.mark.unit


def test_planned_rows_for_2000_mb() -> None:
    assert planned_rows(2000) == {"metrics": 8388600, "orders": 1551147, "events": 3994575, "documents": 53002}


@pytest.mark.parametrize("size_mb", [50, 333, 2000])
def test_planned_rows_fill_each_share_of_the_size_in_whole_devices(size_mb: int) -> None:
    rows = planned_rows(size_mb)
    assert list(rows) == list(SHARES)
    assert rows["metrics"] % METRICS_DEVICES == 0
    planned = sum(rows[table] * ROW_BYTES[table] for table in rows)
    assert planned == pytest.approx(size_mb * 1024 * 1024, rel=0.01)


def test_tiny_sizes_keep_a_thousand_rows_a_table() -> None:
    assert min(planned_rows(1).values()) >= 1000


@pytest.mark.parametrize(("size_mb", "days"), [(10, 7), (50, 7), (500, 20), (2000, 80), (100_000, 365)])
def test_metrics_days_one_chunk_per_ten_mb_of_metrics_within_bounds(size_mb: int, days: int) -> None:
    assert metrics_days(size_mb) == days
