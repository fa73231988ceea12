"""The chunk seed's query and its rows per slice, without a server (tests/integration/test_chunkseed.py runs it)."""

from __future__ import annotations

import pytest

from timescale_migration.copy.chunkseed import MAX_ROWS_PER_SLICE, rows_per_slice, seed_query
from timescale_migration.options import HypertableSpec

SPEC = HypertableSpec("sales", "Orders", "placed at", "1 day")


def rendered(query) -> str:
    return query.as_string(None)


def test_one_row_per_slice_without_a_hash_dimension_and_more_with_one() -> None:
    assert rows_per_slice(SPEC) == 1
    assert rows_per_slice(HypertableSpec("s", "t", "ts", "1 day", "device", 4)) == 32
    assert rows_per_slice(HypertableSpec("s", "t", "ts", "1 day", "device", 10_000)) == MAX_ROWS_PER_SLICE


@pytest.mark.parametrize("column_type", ["timestamp with time zone", "timestamp without time zone", "date"])
def test_date_and_timestamp_columns_step_by_the_stored_interval_from_the_epoch(column_type: str) -> None:
    text = rendered(seed_query(SPEC, ("placed at", "id"), {"column_type": column_type, "time_interval": "7 days",
                                                           "integer_interval": None}))
    assert "date_bin('7 days'::interval, s.point::timestamptz, timestamptz 'epoch') + '7 days'::interval" in text
    assert 'FROM ONLY "sales"."Orders" t' in text and 'ORDER BY t."placed at" LIMIT 1' in text
    assert 'SELECT "placed at", "id" FROM ONLY' in text and text.rstrip().endswith("TO STDOUT")


def test_integer_columns_step_by_multiples_of_the_integer_interval() -> None:
    text = rendered(seed_query(HypertableSpec("s", "t", "n", 1000), ("n",),
                               {"column_type": "bigint", "time_interval": None, "integer_interval": 1000}))
    assert "s.point - ((s.point % 1000::bigint) + 1000::bigint) % 1000::bigint + 1000::bigint" in text


@pytest.mark.parametrize("dimension", [
    {"column_type": "numeric", "time_interval": None, "integer_interval": 10},
    {"column_type": "timestamp with time zone", "time_interval": None, "integer_interval": None},
    {"column_type": "integer", "time_interval": None, "integer_interval": None},
])
def test_a_dimension_the_walk_cannot_step_through_gives_no_query(dimension: dict) -> None:
    assert seed_query(SPEC, ("placed at",), dimension) is None
