"""Unit tests of operators/verify.py: VerifyOperator over stubbed fingerprints, inventories and TimescaleDB state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.fakes import RUN_ID, RecordingLog
from tests.unit.operators.conftest import make_plan
from timescale_migration import workdir
from timescale_migration.constants import DUMP_FILE, ROLES_FILE, SOURCE_FINGERPRINT_FILE
from timescale_migration.db import timescale_state
from timescale_migration.exceptions import VerificationError
from timescale_migration.fleet import ledger
from timescale_migration.fleet.assets import targets_alias
from timescale_migration.operators.verify import VerifyOperator
from timescale_migration.phases import DAG_ID
from timescale_migration.tools.clienttools import ClientTools
from timescale_migration.verify import fingerprint, inventory, verification
from timescale_migration.verify.fingerprint import Fingerprint, TableSum
from timescale_migration.verify.report import HTML_NAME, JSON_NAME

pytestmark = pytest.mark.unit

TOOLS = ClientTools(bin_dir="/x", major=17, version="17.12")
LO = {"objects": 1, "hash_high": "3", "hash_low": "4"}


def side_fingerprint(rows: int = 5, checksum: str = "1:2") -> Fingerprint:
    """One side's data: a table hashed by value, a partitioned parent with its leaf hashed by text, a sequence,
    one large object."""
    return Fingerprint(
        "UTF8",
        {
            "public.t": TableSum("table", rows, checksum, 0.1, method="fast"),
            "public.p": TableSum("partitioned", 7, "5:6"),
            "public.p1": TableSum("partition", 7, "5:6", 0.2),
        },
        {"public.t_id_seq": "last_value=5 is_called=true"},
        dict(LO),
    )


def side_inventory() -> dict[str, dict[str, str]]:
    """One side's structure."""
    return {
        "tables": {"public.t": "owner app"},
        "indexes": {"public.t_pkey": "btree (id)"},
        "roles": {"app": "LOGIN"},
        "extensions": {"plpgsql": "1.0"},
    }


@pytest.fixture
def sides(monkeypatch: pytest.MonkeyPatch, opened: list[Any]) -> dict[str, Any]:
    """fingerprint.take, inventory.take and timescale_state.timescale_state stubbed per side; records their calls
    (takes: (side, jobs, utf8); methods: (side, the methods map given))."""
    state: dict[str, Any] = {
        "fingerprint": {"source": side_fingerprint(), "target": side_fingerprint()},
        "inventory": {"source": side_inventory(), "target": side_inventory()},
        "timescale": [{"session_restoring": "off", "database_restoring": None, "schedulers": 1}],
        "takes": [],
        "methods": [],
        "inventories": [],
        "timescale_polls": 0,
        "sleeps": [],
        "log": RecordingLog(),
    }

    def take(
        connect: Any, *, jobs: int, utf8: bool, methods: dict[str, str] | None = None, log: Any = None
    ) -> Fingerprint:
        side = connect.__self__.side
        state["takes"].append((side, jobs, utf8))
        state["methods"].append((side, methods))
        return state["fingerprint"][side]

    def take_inventory(conn: str) -> dict[str, dict[str, str]]:
        state["inventories"].append(conn)
        return state["inventory"][conn]

    def fake_state(conn: str) -> dict[str, Any]:
        assert conn == "target"
        state["timescale_polls"] += 1
        answers = state["timescale"]
        return answers.pop(0) if len(answers) > 1 else answers[0]

    monkeypatch.setattr(fingerprint, "take", take)
    monkeypatch.setattr(inventory, "take", take_inventory)
    monkeypatch.setattr(timescale_state, "timescale_state", fake_state)
    monkeypatch.setattr(timescale_state.time, "sleep", lambda seconds: state["sleeps"].append(seconds))
    monkeypatch.setattr(VerifyOperator, "log", state["log"])
    return state


@pytest.fixture
def run_dir(work_dir: Path) -> Path:
    """The run's work directory, holding the dump files the earlier phases left."""
    path = workdir.run_dir(str(work_dir), DAG_ID, RUN_ID)
    (path / DUMP_FILE).write_text("-- dump\n")
    (path / ROLES_FILE).write_text("-- roles\n")
    return path


def write_source_side(run_dir: Path, data: Fingerprint, inv: dict[str, Any], seconds: float = 4.5) -> Path:
    """source_fingerprint.json as the load writes it."""
    path = run_dir / SOURCE_FINGERPRINT_FILE
    path.write_text(json.dumps({"fingerprint": data.to_dict(), "inventory": inv, "seconds": seconds}))
    return path


def verify(context: dict[str, Any]) -> dict[str, Any]:
    """Run the operator."""
    return VerifyOperator(task_id="verify").execute(context)


def report_json(run_dir: Path) -> dict[str, Any]:
    """The verification.json written."""
    return json.loads((run_dir / JSON_NAME).read_text(encoding="utf-8"))


# --- where the source side comes from ---------------------------------------------------------------------------------


def test_reads_source_side_from_file(sides: dict[str, Any], run_dir: Path, make_context) -> None:
    """With source_fingerprint.json present only the target is fingerprinted; the file is what is compared."""
    write_source_side(run_dir, side_fingerprint(rows=9), side_inventory())
    sides["fingerprint"]["target"] = side_fingerprint(rows=9)
    sides["fingerprint"]["source"] = side_fingerprint(rows=1)  # what a (wrong) live source fingerprint would give
    result = verify(make_context(make_plan(TOOLS), jobs=3))
    assert [side for side, _, _ in sides["takes"]] == ["target"]
    assert sides["takes"][0] == ("target", 3, False)
    assert sides["inventories"] == ["target"]
    assert result["ok"] is True
    assert result["rows"] == 9 + 7
    assert not any(SOURCE_FINGERPRINT_FILE in w for w in sides["log"].levels("warning"))
    assert report_json(run_dir)["summary"]["timings"]["verify: source side seconds (beside the load)"] == 4.5


def test_computes_source_side_when_file_missing(sides: dict[str, Any], run_dir: Path, make_context) -> None:
    """Without source_fingerprint.json the source side is computed now, with a warning."""
    result = verify(make_context(make_plan(TOOLS), jobs=2))
    assert [side for side, _, _ in sides["takes"]] == ["source", "target"]
    assert sides["inventories"] == ["source", "target"]
    assert result["ok"] is True
    warnings = [w for w in sides["log"].levels("warning") if SOURCE_FINGERPRINT_FILE in w]
    assert len(warnings) == 1
    assert warnings[0].startswith(str(run_dir / SOURCE_FINGERPRINT_FILE))
    assert "taking it now" in warnings[0]


def test_source_side_computed_live_is_compared(sides: dict[str, Any], run_dir: Path, make_context) -> None:
    """The source side computed now is the one compared: a difference in it fails the run."""
    sides["fingerprint"]["source"] = side_fingerprint(rows=6)
    with pytest.raises(VerificationError, match=r"data public\.t: source 6 rows, target 5 rows"):
        verify(make_context(make_plan(TOOLS)))


def test_target_hashed_as_source_file_says(sides: dict[str, Any], run_dir: Path, make_context) -> None:
    """The target is fingerprinted with the methods the source side (from its file) used, relation by relation."""
    source = side_fingerprint()
    source.tables["public.p1"].method = "fast"
    source.tables["public.x"] = TableSum("table", 0, "0:0", method="text")
    sides["fingerprint"]["target"] = Fingerprint.from_dict(source.to_dict())
    write_source_side(run_dir, source, side_inventory())
    verify(make_context(make_plan(TOOLS)))
    assert sides["methods"] == [
        ("target", {"public.t": "fast", "public.p": "text", "public.p1": "fast", "public.x": "text"})
    ]


def test_target_hashed_as_live_source(sides: dict[str, Any], run_dir: Path, make_context) -> None:
    """A source side computed now chooses its own methods; the target is given the ones it chose (this fake
    target ignores them for public.p, which verify reports as a method mismatch, not as lost content)."""
    sides["fingerprint"]["source"] = side_fingerprint()
    sides["fingerprint"]["source"].tables["public.p"].method = "fast"
    with pytest.raises(VerificationError, match=r"data public\.p: hashed differently \(source by fast, target by text"):
        verify(make_context(make_plan(TOOLS)))
    assert sides["methods"] == [
        ("source", None),
        ("target", {"public.t": "fast", "public.p": "fast", "public.p1": "text"}),
    ]


def test_data_checks_carry_method(sides: dict[str, Any], run_dir: Path, make_context) -> None:
    """The report's data checks say how each relation's rows were hashed."""
    write_source_side(run_dir, side_fingerprint(), side_inventory())
    verify(make_context(make_plan(TOOLS)))
    methods = {
        check["name"]: check["extra"]["method"]
        for check in report_json(run_dir)["checks"]
        if check["section"] == "data"
    }
    assert methods == {"public.t": "fast", "public.p": "text", "public.p1": "text"}


@pytest.mark.parametrize(("source_encoding", "utf8"), [("UTF8", False), ("LATIN1", True)])
def test_utf8_checksums_when_encodings_differ(
    sides: dict[str, Any], run_dir: Path, make_context, source_encoding: str, utf8: bool
) -> None:
    """Both sides use UTF8 checksums exactly when the servers' encodings differ."""
    plan = make_plan(
        TOOLS,
        source={
            "version": "17.2",
            "major": 17,
            "database_bytes": 1,
            "user_name": "postgres",
            "encoding": source_encoding,
        },
    )
    verify(make_context(plan))
    assert [flag for _, _, flag in sides["takes"]] == [utf8, utf8]


# --- report and failure -----------------------------------------------------------------------------------------------


def test_differences_raise_and_keep_dump(sides: dict[str, Any], run_dir: Path, make_context) -> None:
    """Differences fail the task naming each one and the report; the dump files stay for a look or a retry."""
    write_source_side(run_dir, side_fingerprint(), side_inventory())
    sides["fingerprint"]["target"] = side_fingerprint(rows=4)
    sides["inventory"]["target"] = {**side_inventory(), "indexes": {}}
    with pytest.raises(VerificationError) as raised:
        verify(make_context(make_plan(TOOLS)))
    message = str(raised.value)
    assert "differs from the source in 2 place(s)" in message
    assert "data public.t: source 5 rows, target 4 rows" in message
    assert "indexes public.t_pkey: missing on the target" in message
    assert str(run_dir / HTML_NAME) in message
    for name in (DUMP_FILE, ROLES_FILE, SOURCE_FINGERPRINT_FILE):
        assert (run_dir / name).is_file(), name
    data = report_json(run_dir)
    assert data["summary"]["ok"] is False
    assert len(data["summary"]["differences"]) == 2


def test_report_written(sides: dict[str, Any], run_dir: Path, make_context) -> None:
    """Both report files are written with the run's context; the result points to them."""
    result = verify(make_context(make_plan(TOOLS)))
    assert result["report_json"] == str(run_dir / JSON_NAME)
    assert result["report_html"] == str(run_dir / HTML_NAME)
    data = report_json(run_dir)
    assert data["context"]["run"] == RUN_ID
    assert data["context"]["source"].startswith("source ")
    assert "target.example" in data["context"]["target"]
    assert "The target holds what the source held." in (run_dir / HTML_NAME).read_text(encoding="utf-8")
    sections = {check["section"] for check in data["checks"]}
    assert sections == {"data", "sequences", "large objects", "tables", "indexes", "extensions", "timescaledb state"}


def test_timings_from_earlier_phases(sides: dict[str, Any], run_dir: Path, make_context) -> None:
    """The seconds of dump_data, load and analyze (when they ran) are part of the report's timings."""
    context = make_context(make_plan(TOOLS))
    context["ti"].xcoms.update({"dump_data": {"seconds": 12}, "load": {"seconds": 30.5}})
    result = verify(context)
    assert result["timings"]["dump_data seconds"] == 12.0
    assert result["timings"]["load seconds"] == 30.5
    assert "analyze seconds" not in result["timings"]
    assert "verify: target side seconds" in result["timings"]


# --- cleanup ----------------------------------------------------------------------------------------------------------


def test_success_removes_dump_files(sides: dict[str, Any], run_dir: Path, make_context) -> None:
    """After a verified migration dump.sql, roles.sql and source_fingerprint.json are removed; the reports stay."""
    write_source_side(run_dir, side_fingerprint(), side_inventory())
    result = verify(make_context(make_plan(TOOLS)))
    assert result["ok"] is True
    assert result["differences"] == []
    for name in (DUMP_FILE, ROLES_FILE, SOURCE_FINGERPRINT_FILE):
        assert not (run_dir / name).exists(), name
    assert (run_dir / JSON_NAME).is_file()
    assert (run_dir / HTML_NAME).is_file()


def test_keep_dump_keeps_files(sides: dict[str, Any], run_dir: Path, make_context) -> None:
    """keep_dump=true keeps the dump files after success."""
    write_source_side(run_dir, side_fingerprint(), side_inventory())
    assert verify(make_context(make_plan(TOOLS), keep_dump=True))["ok"] is True
    for name in (DUMP_FILE, ROLES_FILE, SOURCE_FINGERPRINT_FILE):
        assert (run_dir / name).is_file(), name
    assert any("keep_dump=true" in line for line in sides["log"].levels("info"))


# --- roles ------------------------------------------------------------------------------------------------------------


def test_roles_compared_for_migrated_roles(sides: dict[str, Any], run_dir: Path, make_context) -> None:
    """Only roles dump_roles migrated are compared: one of them missing fails, others do not matter."""
    sides["inventory"]["source"] = {**side_inventory(), "roles": {"app": "LOGIN", "ro": "NOLOGIN", "x": "LOGIN"}}
    context = make_context(make_plan(TOOLS))
    context["ti"].xcoms["dump_roles"] = {"roles_file": "roles.sql", "roles": ["app", "ro"]}
    with pytest.raises(VerificationError, match="roles ro: missing on the target") as raised:
        verify(context)
    assert "roles x" not in str(raised.value)


def test_roles_not_compared_when_not_migrated(sides: dict[str, Any], run_dir: Path, make_context) -> None:
    """roles=false: roles are not compared at all."""
    sides["inventory"]["source"] = {**side_inventory(), "roles": {"app": "LOGIN", "ro": "NOLOGIN"}}
    context = make_context(make_plan(TOOLS), roles=False)
    context["ti"].xcoms["dump_roles"] = {"roles_file": None}
    assert verify(context)["ok"] is True
    assert not any(check["section"] == "roles" for check in report_json(run_dir)["checks"])


# --- TimescaleDB state ------------------------------------------------------------------------------------------------


def test_plain_postgresql_skips_timescale_state(sides: dict[str, Any], run_dir: Path, make_context) -> None:
    """Without TimescaleDB the state is not asked and not checked."""
    assert verify(make_context(make_plan(TOOLS, timescaledb=False)))["ok"] is True
    assert sides["timescale_polls"] == 0
    assert not any(check["section"] == "timescaledb state" for check in report_json(run_dir)["checks"])


def test_waits_for_scheduler(sides: dict[str, Any], run_dir: Path, make_context) -> None:
    """A scheduler that starts a moment after post_restore is waited for."""
    sides["timescale"] = [
        {"session_restoring": "off", "database_restoring": None, "schedulers": 0},
        {"session_restoring": "off", "database_restoring": None, "schedulers": 0},
        {"session_restoring": "off", "database_restoring": None, "schedulers": 1},
    ]
    assert verify(make_context(make_plan(TOOLS)))["ok"] is True
    assert sides["timescale_polls"] == 3
    assert sides["sleeps"] == [0.5, 0.5]


def test_no_scheduler_fails(
    sides: dict[str, Any], run_dir: Path, make_context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No scheduler within the wait fails the run naming the check."""
    monkeypatch.setattr(verification, "SCHEDULER_WAIT_S", 0.0)
    sides["timescale"] = [{"session_restoring": "off", "database_restoring": "on", "schedulers": 0}]
    with pytest.raises(VerificationError) as raised:
        verify(make_context(make_plan(TOOLS)))
    message = str(raised.value)
    assert "timescaledb state background worker scheduler: no TimescaleDB scheduler runs" in message
    assert "timescaledb.restoring (database setting): still set on the database" in message
    assert (run_dir / DUMP_FILE).is_file()


# --- ledger and asset event ------------------------------------------------------------------------------------------


def test_verified_migration_recorded_not_announced(
    sides: dict[str, Any], run_dir: Path, make_context, work_dir: Path
) -> None:
    """Success writes the target's ledger record; the asset event waits for cutover (the applications may still
    roll back at switch_apps)."""
    write_source_side(run_dir, side_fingerprint(rows=9), side_inventory())
    sides["fingerprint"]["target"] = side_fingerprint(rows=9)
    context = make_context(make_plan(TOOLS), target_database="shop_new")
    VerifyOperator(task_id="verify").execute(context)
    target_conn_id = context["params"]["target_conn_id"]
    record = ledger.read(str(work_dir), target_conn_id, "shop_new")
    assert record is not None and record["rows"] == 16 and record["run_id"] == context["ti"].run_id
    assert ledger.IDENTITY_KEY in record  # unreadable through this test's fake sessions: None
    assert context["outlet_events"][targets_alias()].added == []
    assert VerifyOperator(task_id="verify").outlets == []
    assert [link.name for link in VerifyOperator.operator_extra_links] == ["Migration report", "Verification report"]


def test_rehearsal_leaves_no_ledger_record_nor_asset_event(
    sides: dict[str, Any], run_dir: Path, make_context, work_dir: Path
) -> None:
    """A verified rehearsal into a scratch database is not a migration: nothing recorded, nothing emitted."""
    write_source_side(run_dir, side_fingerprint(rows=9), side_inventory())
    sides["fingerprint"]["target"] = side_fingerprint(rows=9)
    context = make_context(make_plan(TOOLS), target_database="tsm_rehearsal_shop", rehearsal=True)
    VerifyOperator(task_id="verify").execute(context)
    assert ledger.read(str(work_dir), context["params"]["target_conn_id"], "tsm_rehearsal_shop") is None
    assert context["outlet_events"][targets_alias()].added == []


def test_failed_verification_records_nothing(
    sides: dict[str, Any], run_dir: Path, make_context, work_dir: Path
) -> None:
    """A difference fails the run before any ledger record or asset event."""
    write_source_side(run_dir, side_fingerprint(rows=9), side_inventory())
    sides["fingerprint"]["target"] = side_fingerprint(rows=8)
    context = make_context(make_plan(TOOLS), target_database="shop_new")
    with pytest.raises(VerificationError):
        VerifyOperator(task_id="verify").execute(context)
    assert ledger.read(str(work_dir), context["params"]["target_conn_id"], "shop_new") is None
    assert context["outlet_events"][targets_alias()].added == []
