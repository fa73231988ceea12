"""The chunk seed's query and its rows per slice, without a server (tests/integration/test_chunkseed.py runs it)."""

from __future__ import annotations

import pytest

from timescale_migration.copy.chunkseed import (
    MAX_ROWS_PER_SLICE,
    ChunkRange,
    Seeded,
    chunk_predicate,
    outside_predicate,
    rows_per_slice,
    seed_query,
)
from timescale_migration.options import HypertableSpec

pytestmark = pytest.mark.unit
SPEC = HypertableSpec("sales", "Orders", "placed at", "1 day")


def rendered(query) -> str:
    return query.as_string(None)


def test_one_row_per_slice_without_a_hash_dimension_and_more_with_one() -> None:
    assert rows_per_slice(SPEC) == 1
    assert rows_per_slice(HypertableSpec("s", "t", "ts", "1 day", "device", 4)) == 32
    assert rows_per_slice(HypertableSpec("s", "t", "ts", "1 day", "device", 10_000)) == MAX_ROWS_PER_SLICE


@pytest.mark.parametrize("column_type", ["timestamp with time zone", "timestamp without time zone", "date"])
def test_date_and_timestamp_columns_step_by_the_stored_interval_from_the_epoch(column_type: str) -> None:
    text = rendered(
        seed_query(
            SPEC, ("placed at", "id"), {"column_type": column_type, "time_interval": "7 days", "integer_interval": None}
        )
    )
    assert "date_bin('7 days'::interval, s.point::timestamptz, timestamptz 'epoch') + '7 days'::interval" in text
    assert 'FROM ONLY "sales"."Orders" t' in text and 'ORDER BY t."placed at" LIMIT 1' in text
    assert 'SELECT "placed at", "id" FROM ONLY' in text and text.rstrip().endswith("TO STDOUT")


def test_integer_columns_step_by_multiples_of_the_integer_interval() -> None:
    text = rendered(
        seed_query(
            HypertableSpec("s", "t", "n", 1000),
            ("n",),
            {"column_type": "bigint", "time_interval": None, "integer_interval": 1000},
        )
    )
    assert "s.point - ((s.point % 1000::bigint) + 1000::bigint) % 1000::bigint + 1000::bigint" in text


@pytest.mark.parametrize(
    "dimension",
    [
        {"column_type": "numeric", "time_interval": None, "integer_interval": 10},
        {"column_type": "timestamp with time zone", "time_interval": None, "integer_interval": None},
        {"column_type": "integer", "time_interval": None, "integer_interval": None},
    ],
)
def test_a_dimension_the_walk_cannot_step_through_gives_no_query(dimension: dict) -> None:
    assert seed_query(SPEC, ("placed at",), dimension) is None


def seeded(column_type: str, *ranges: tuple[str | int, str | int]) -> Seeded:
    return Seeded(
        "s.t",
        len(ranges),
        len(ranges),
        column_type=column_type,
        ranges=tuple(
            ChunkRange("_timescaledb_internal", f"_hyper_1_{i}_chunk", a, b) for i, (a, b) in enumerate(ranges)
        ),
    )


def test_a_chunk_holds_the_rows_of_its_range_as_the_column_compares() -> None:
    utc = seeded("timestamp with time zone", ("2026-01-01 00:00:00", "2026-01-02 00:00:00"))
    text = chunk_predicate("at", utc, utc.ranges[0]).as_string(None)
    assert text == (
        "\"at\" >= ('2026-01-01 00:00:00'::timestamp AT TIME ZONE 'UTC') AND "
        "\"at\" < ('2026-01-02 00:00:00'::timestamp AT TIME ZONE 'UTC')"
    )
    naive = seeded("date", ("2026-01-01 00:00:00", "2026-01-08 00:00:00"))
    assert chunk_predicate("d", naive, naive.ranges[0]).as_string(None) == (
        "\"d\" >= '2026-01-01 00:00:00'::timestamp AND \"d\" < '2026-01-08 00:00:00'::timestamp"
    )
    ints = seeded("bigint", (-100, 0))
    assert chunk_predicate("n", ints, ints.ranges[0]).as_string(None) == '"n" >=  -100 AND "n" < 0'


def test_rows_in_no_chunk_are_before_the_first_in_a_gap_after_the_last_or_null() -> None:
    gapped = seeded("integer", (0, 10), (10, 20), (40, 50))
    assert outside_predicate("n", gapped).as_string(None) == (
        '("n" IS NULL OR "n" < 0) OR ("n" >= 20 AND "n" < 40) OR ("n" >= 50)'
    )
