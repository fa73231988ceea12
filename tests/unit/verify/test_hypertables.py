"""Unit tests of verify/hypertables.py and the report's section: converted tables checked against what was asked.
Compression settings and policies come from a fake catalog here (the Apache build here cannot make them)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.fakes import RecordingLog, statement_text
from timescale_migration.copy.hypertables import ConversionRecord, Converted
from timescale_migration.db import catalog, sqlfiles
from timescale_migration.options import hypertable_specs
from timescale_migration.params import HYPERTABLE_EXAMPLE
from timescale_migration.verify import hypertables
from timescale_migration.verify.compare import Check, VerifyReport
from timescale_migration.verify.report import render_html

pytestmark = pytest.mark.unit

NORMAL = {"1 day": "1 day", "7 days": "7 days", "1 year": "365 days 06:00:00", "1 mon": "30 days", "30 days": "30 days"}
OWNER = json.dumps({"owner": "app", "acl": [["app", "SELECT", False]]})
CHUNKS = [["_timescaledb_internal", "_hyper_7_1_chunk"], ["_timescaledb_internal", "_hyper_7_2_chunk"]]


def target_row(**changes: Any) -> dict[str, Any]:
    """public.conditions on a community target, converted as HYPERTABLE_EXAMPLE asks."""
    row = {
        "schema_name": "public",
        "table_name": "conditions",
        "display_name": "public.conditions",
        "dimensions": [
            {"column": "time", "type": "Time", "interval": "1 day", "integer_interval": None, "partitions": None},
            {"column": "device_id", "type": "Space", "interval": None, "integer_interval": None, "partitions": 4},
        ],
        "chunks": {"count": 2, "first": "2026-01-01 00:00:00+00", "last": "2026-01-03 00:00:00+00", "names": CHUNKS},
        "compression": {
            "segmentby": ["device_id"],
            "orderby": ["time"],
            "orderby_desc": [True],
            "orderby_nullsfirst": [True],
        },
        "jobs": [
            {"id": 1000, "proc": "policy_compression", "config": {"hypertable_id": 7, "compress_after": "7 days"}},
            {"id": 1001, "proc": "policy_retention", "config": {"hypertable_id": 7, "drop_after": "1 year"}},
        ],
    }
    return {**row, **changes}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The target catalog: hypertable_conversions' rows, intervals normalized as the server does, alter_job
    calls recorded."""
    state: dict[str, Any] = {"rows": [target_row()], "altered": []}

    def rows(conn: Any, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        if name == "verify/hypertable_conversions":
            assert params == {"schemas": ["public"], "tables": ["conditions"]}
            return state["rows"]
        if name == "server/interval_value":
            return [{"value": NORMAL[params["value"]]}]  # type: ignore[index]
        if name == "extensions/installed_extensions":
            return [{"name": "timescaledb", "version": "2.19.3", "schema_name": "ts"}]
        raise AssertionError(name)

    def run(conn: Any, statement: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        state["altered"].append((statement_text(statement), params))
        return [(None,)]

    monkeypatch.setattr(catalog, "rows", rows)
    monkeypatch.setattr(catalog, "run", run)
    return state


def data_check(rows: int = 500) -> Check:
    """The data section's check of the converted table (source table against target hypertable)."""
    return Check("data", "public.conditions", rows, rows, True, "", {"kind": "table", "checksum_match": True})


def verify(privileges: dict[str, str] | None = None, rows: int = 500) -> tuple[list[Check], Check]:
    """The converted table's checks, and the data check they adjust."""
    specs = hypertable_specs(HYPERTABLE_EXAMPLE)
    data = data_check(rows)
    found = hypertables.read("conn", specs)  # type: ignore[arg-type]
    checks = hypertables.checks("conn", specs, found, privileges, {data.name: data})  # type: ignore[arg-type]
    return checks, data


def rights(**chunks: str) -> dict[str, str]:
    """The target's privileges section: the hypertable's entry, and each chunk's (its hypertable's unless given)."""
    items = {'table "public"."conditions"': OWNER}
    for schema, name in CHUNKS:
        items[f'table "{schema}"."{name}"'] = chunks.get(name, OWNER)
    return items


def test_a_conversion_as_asked_passes_every_check(fake: dict[str, Any]) -> None:
    """Dimensions, chunks, compression, policies and the chunks' privileges as asked; the data check shows the
    table became a hypertable."""
    checks, data = verify(rights())
    assert all(c.ok for c in checks), [c.describe() for c in checks if not c.ok]
    shown = {c.name.removeprefix("public.conditions "): c.target for c in checks}
    assert shown == {
        "dimensions": "time time every 1 day; hash device_id in 4 partition(s)",
        "chunks": "2 chunk(s) from 2026-01-01 00:00:00+00 to 2026-01-03 00:00:00+00",
        "compression": "segmentby device_id orderby time desc nulls first",
        "policies": "compression after 7 days; retention after 365 days 06:00:00",
        "chunks' owner and privileges": "2 chunk(s) alike",
    }
    assert data.extra["kind"] == hypertables.CONVERTED_KIND


@pytest.mark.parametrize(
    ("changes", "aspect", "words"),
    [
        (
            {
                "dimensions": [
                    {
                        "column": "time",
                        "type": "Time",
                        "interval": "1 mon",
                        "integer_interval": None,
                        "partitions": None,
                    }
                ]
            },
            "dimensions",
            "asked time time every 1 day; hash device_id in 4 partition(s), the target has time time every 30 days",
        ),
        ({"compression": None}, "compression", "the target has none"),
        (
            {
                "compression": {
                    "segmentby": [],
                    "orderby": ["time"],
                    "orderby_desc": [False],
                    "orderby_nullsfirst": [False],
                }
            },
            "compression",
            "the target has segmentby - orderby time asc nulls last",
        ),
        (
            {"jobs": []},
            "policies",
            "asked compression after 7 days; retention after 365 days 06:00:00, the target has none",
        ),
        (
            {"jobs": [{"id": 1000, "proc": "policy_compression", "config": {"compress_after": "30 days"}}]},
            "policies",
            "the target has compression after 30 days",
        ),
        (
            {"chunks": {"count": 0, "first": None, "last": None, "names": []}},
            "chunks",
            "the source's rows are in no chunk",
        ),
    ],
)
def test_what_differs_from_what_was_asked_fails(
    fake: dict[str, Any], changes: dict[str, Any], aspect: str, words: str
) -> None:
    """Each aspect the target shows otherwise than asked is a difference naming both."""
    fake["rows"] = [target_row(**changes)]
    checks, _ = verify(None)
    (bad,) = [c for c in checks if not c.ok]
    assert bad.name == f"public.conditions {aspect}" and words in bad.problem


def test_an_empty_table_needs_no_chunk_and_a_missing_hypertable_fails(fake: dict[str, Any]) -> None:
    """No rows: no chunk is fine. A table the target does not hold as a hypertable is a difference."""
    fake["rows"] = [target_row(chunks={"count": 0, "first": None, "last": None, "names": []})]
    checks, _ = verify(None, rows=0)
    assert all(c.ok for c in checks)
    fake["rows"] = []
    (check,) = verify(None)[0]
    assert not check.ok and "is not a hypertable on the target" in check.problem


def test_a_chunk_with_other_privileges_fails(fake: dict[str, Any]) -> None:
    """Every chunk must carry its hypertable's owner and privileges."""
    other = json.dumps({"owner": "app", "acl": []})
    checks, _ = verify(rights(_hyper_7_2_chunk=other))
    (bad,) = [c for c in checks if not c.ok]
    assert "1 of 2 chunk(s) differ from the hypertable" in bad.problem and "_hyper_7_2_chunk" in bad.problem


def test_inventory_without_what_only_the_conversion_made(fake: dict[str, Any]) -> None:
    """TimescaleDB items about the hypertable, its chunks' privileges and foreign keys cloned onto its chunks
    leave the structure comparison; everything else (and whatever the source has too) stays."""
    (found,) = hypertables.read("conn", hypertable_specs(HYPERTABLE_EXAMPLE))  # type: ignore[arg-type]
    target = {
        "timescaledb hypertables": {"public.conditions": "2 dimension(s)", "public.other": "1 dimension(s)"},
        "timescaledb dimensions": {"public.conditions.time": "x", "public.conditions_2.time": "y"},
        "timescaledb jobs": {"job 1000 _timescaledb_functions.policy_compression on public.conditions": "z"},
        "privileges": {**rights(), 'table "public"."alerts"': OWNER},
        "constraints": {
            "public.alerts.fk": "f FOREIGN KEY (a) REFERENCES public.conditions(a)",
            "public.alerts.fk1": "f FOREIGN KEY (a) REFERENCES _timescaledb_internal._hyper_7_1_chunk(a)",
        },
    }
    source = {
        "privileges": {'table "public"."conditions"': OWNER, 'table "public"."alerts"': OWNER},
        "constraints": {"public.alerts.fk": "f FOREIGN KEY (a) REFERENCES public.conditions(a)"},
    }
    left = hypertables.without_converted(target, source, [found])
    assert left == {
        "timescaledb hypertables": {"public.other": "1 dimension(s)"},
        "timescaledb dimensions": {"public.conditions_2.time": "y"},
        "timescaledb jobs": {},
        "privileges": {'table "public"."conditions"': OWNER, 'table "public"."alerts"': OWNER},
        "constraints": {"public.alerts.fk": "f FOREIGN KEY (a) REFERENCES public.conditions(a)"},
    }


def test_policies_scheduled_once_verified(fake: dict[str, Any]) -> None:
    """The jobs the conversion paused are scheduled with alter_job in TimescaleDB's schema."""
    record = ConversionRecord([Converted("public", "conditions", 7, {"compression": 1000, "retention": 1001})])
    log = RecordingLog()
    assert hypertables.schedule_policies("conn", record, log) == [1000, 1001]  # type: ignore[arg-type]
    alter = statement_text(sqlfiles.compose("timescaledb/alter_job", schema="ts"))
    assert alter.startswith('SELECT "ts".alter_job(')
    assert fake["altered"] == [(alter, {"id": 1000, "scheduled": True}), (alter, {"id": 1001, "scheduled": True})]


def test_report_has_a_section_for_the_converted_tables(fake: dict[str, Any]) -> None:
    """One row per converted table: rows, checksum, and each aspect; a difference shows what was asked."""
    fake["rows"] = [target_row(jobs=[])]
    checks, data = verify(rights())
    html = render_html(VerifyReport([data, *checks]), {"run": "r"})
    start = html.index("<h2>Tables converted to hypertables</h2>")
    section = html[start : html.find("<h2>", start + 1)]
    assert "<code>public.conditions</code>" in section and "<td class='num'>500</td>" in section
    assert "time time every 1 day; hash device_id in 4 partition(s)" in section
    assert "asked: compression after 7 days; retention after 365 days 06:00:00" in section
    assert "DIFFERS" in section and "2 chunk(s) alike" in section
    assert "hypertables (converted)" not in html[start + len(section) :]
