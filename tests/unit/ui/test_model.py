"""Unit tests of timescale_migration.ui.model (and what it reads through ui.store): a run's outcome, downtime,
verification, preflight and databases as the Migrations page shows them, and what it reads from the work directories
(rehearsal history, ledger)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.ui.conftest import ALL_DONE, DAG, PLAN, SUMMARY, FakeStore, cut_over_xcoms, history_line, spans
from timescale_migration import phases
from timescale_migration.fleet import ledger
from timescale_migration.ui import model

pytestmark = pytest.mark.unit


def one(store: FakeStore, run_id: str) -> model.Migration:
    found = model.migration(store, DAG, run_id)
    assert found is not None
    return found


def test_cut_over_run(store: FakeStore, base: Path) -> None:
    """A run that cut over: its outcome, downtime (drain to verify's end), verification from verify's XCom,
    preflight plan and findings, and the answers at both gates."""
    store.add(
        "manual__1",
        conf={"source_conn_id": "src", "source_database": "shop", "target_conn_id": "tgt"},
        tasks=ALL_DONE,
        xcoms=cut_over_xcoms(),
    )
    m = one(store, "manual__1")
    assert m.outcome == model.Outcome("cut over: the applications use the target", "ok")
    assert m.downtime_s == 40.0
    assert m.verification_text == model.Outcome("passed: 12 relations, 4,321 rows identical", "ok")
    assert m.source == "src / shop" and m.target == "tgt / the connection's database"
    assert m.kind == "single" and m.params["dump_format"] == "parallel"  # the DAG's default fills the conf
    assert m.plan == PLAN and [f.subject for f in m.findings] == ["lc_messages = C"]
    assert m.preflight == [(phases.CHECK_EXTENSIONS, "success", None), (phases.CHECK_VERSIONS, "success", None)]
    assert m.chosen(phases.STOP_APPS) == ["Approve"] and m.answered_by(phases.STOP_APPS) == "admin"
    assert m.chosen(phases.SWITCH_APPS) == ["switch the applications to the target (cutover)"]
    assert m.run_dir == base / DAG / "manual__1"
    assert [row.task_id for row in m.task_rows] == list(phases.TASKS)


def test_rolled_back_run(store: FakeStore, base: Path) -> None:
    """release_source ran: the run rolled back, and says so."""
    store.add(
        "manual__2",
        tasks={**ALL_DONE, phases.CUTOVER: "skipped", phases.RELEASE_SOURCE: "success"},
        xcoms=cut_over_xcoms(),
    )
    m = one(store, "manual__2")
    assert m.outcome.label == "rolled back at switch_apps: the source is the applications' again"
    assert m.chosen(phases.SWITCH_APPS) == ["roll back (release_source)"]


def test_rejected_run(store: FakeStore, base: Path) -> None:
    """Reject at stop_apps: nothing changed."""
    store.add(
        "manual__3",
        tasks={
            phases.CHECK_EXTENSIONS: "success",
            phases.CHECK_VERSIONS: "success",
            phases.STOP_APPS: "success",
            phases.DRAIN_SOURCE: "skipped",
        },
        xcoms={(phases.STOP_APPS, "return_value"): {"chosen_options": ["Reject"]}},
    )
    m = one(store, "manual__3")
    assert m.outcome == model.Outcome("rejected at stop_apps: nothing was changed", "neutral")
    assert m.downtime_s is None and m.verification_text.label == "—"


def test_refused_by_a_check(store: FakeStore, base: Path) -> None:
    """A check that refused: the run failed there, with the check's reason in the preflight report."""
    error = "MigrationError: target database tsdb is not empty"
    store.add(
        "manual__4",
        state="failed",
        tasks={phases.CHECK_EXTENSIONS: "success", phases.CHECK_VERSIONS: "failed"},
        xcoms={(phases.CHECK_VERSIONS, phases.FAILURE_KEY): {"task_id": phases.CHECK_VERSIONS, "error": error}},
    )
    m = one(store, "manual__4")
    assert m.outcome == model.Outcome("failed at check_versions", "bad")
    assert m.preflight[1] == (phases.CHECK_VERSIONS, "failed", error)


def test_waiting_and_running(store: FakeStore, base: Path) -> None:
    """A gate waiting for a person, and a run in its load."""
    store.add("manual__5", state="running", tasks={phases.STOP_APPS: "awaiting_input"})
    store.add("manual__6", state="running", tasks={phases.STOP_APPS: "success", phases.LOAD: "running"})
    assert one(store, "manual__5").outcome == model.Outcome("waiting for a person at stop_apps", "wait")
    assert one(store, "manual__5").waiting_at == phases.STOP_APPS
    assert one(store, "manual__6").outcome == model.Outcome("running: load", "running")


def test_failed_verification_read_from_its_report(store: FakeStore, base: Path) -> None:
    """verify failed (no XCom): the differences come from the verification.json it wrote."""
    from tests.unit.ui.conftest import write_verification

    write_verification(base, "manual__7", ok=False)
    store.add(
        "manual__7",
        state="failed",
        tasks={phases.VERIFY: "failed"},
        xcoms={
            (phases.VERIFY, phases.FAILURE_KEY): {"task_id": phases.VERIFY, "error": "VerificationError"},
            **spans(),
        },
    )
    m = one(store, "manual__7")
    assert m.outcome.label == "failed at verify"
    assert m.verification_text == model.Outcome("1 difference(s)", "bad")
    assert m.verification["differences"] == ["data shop.orders: source 10 rows, target 9 rows"]
    assert m.has_verification_report


def test_rehearsal_run(store: FakeStore, base: Path) -> None:
    """A rehearsal child run: its kind, and verified into the scratch database."""
    store.add(
        "rehearsal__shop__scheduled__1",
        conf={"rehearsal": True, "target_database": "tsm_rehearsal_shop"},
        tasks={**ALL_DONE, phases.CUTOVER: "skipped", phases.RELEASE_SOURCE: "skipped"},
        xcoms={(phases.VERIFY, "return_value"): SUMMARY},
    )
    m = one(store, "rehearsal__shop__scheduled__1")
    assert m.kind == "rehearsal"
    assert m.outcome == model.Outcome("rehearsal verified (scratch database)", "ok")


def test_real_database_names(store: FakeStore, base: Path) -> None:
    """Each side names its real database: the run's param, else the one its checks connected to (the plan), else
    the one its Airflow connection names (asked once per connection for all runs, and only when needed)."""
    plan = {
        **PLAN,
        "source": {**PLAN["source"], "database_name": "shop"},
        "target": {**PLAN["target"], "database_name": "tsdb"},
    }
    store.connections_ = {"migration_source": "shop", "migration_target": "tsdb"}
    store.add(
        "manual__1",
        tasks=ALL_DONE,
        xcoms={**cut_over_xcoms(), (phases.CHECK_VERSIONS, "return_value"): plan},
        conf={"source_conn_id": "src", "target_conn_id": "tgt"},
    )
    store.add("manual__2", conf={"source_database": "app"}, state="queued")
    store.add("manual__3", state="queued")
    found = {m.run_id: m for m in model.migrations(store)}
    assert (found["manual__1"].source, found["manual__1"].target) == ("src / shop", "tgt / tsdb")
    assert (found["manual__2"].source, found["manual__2"].target) == (
        "migration_source / app",
        "migration_target / tsdb",
    )
    assert found["manual__3"].source == "migration_source / shop"
    assert store.asked == ["migration_source", "migration_target"]
    store.connections_ = {}
    assert one(store, "manual__3").target == "migration_target / the connection's database"


def test_unknown_run(store: FakeStore) -> None:
    assert model.migration(store, DAG, "nope") is None


def test_work_dirs_history_and_ledger(
    store: FakeStore, base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default work directory, the rehearsal config's and a run's own work_dir are each read once; the
    history and ledger of all of them are merged."""
    elsewhere, rehearsals_dir = tmp_path / "elsewhere", tmp_path / "rehearsals-work"
    config = tmp_path / "rehearsals.json"
    config.write_text(json.dumps({"work_dir": str(rehearsals_dir), "databases": []}))
    monkeypatch.setenv("TSM_REHEARSALS_CONFIG", str(config))
    store.add("fleet__shop__manual__1", conf={"work_dir": str(elsewhere)})
    store.add("manual__9")
    ledger.write(str(elsewhere), "tgt", "shop", {"run_id": "fleet__shop__manual__1", "rows": 5})
    ledger.write(None, "tgt", "metrics", {"run_id": "manual__9", "rows": 7})
    for folder, line in (
        (rehearsals_dir, history_line()),
        (base, history_line(name="metrics", rehearsed_at="2026-11-29T10:00:00+00:00")),
    ):
        (folder / "rehearsals").mkdir(parents=True)
        (folder / "rehearsals" / "history.jsonl").write_text(line + "not json\n")
    found = model.overview(store)
    assert found.work_dirs == [base, rehearsals_dir, elsewhere]
    assert [m.run_id for m in found.migrations] == ["manual__9", "fleet__shop__manual__1"]
    assert found.migrations[1].kind == "fleet"
    assert [r.name for r in found.rehearsals] == ["metrics", "shop"]  # oldest first
    assert sorted(r["rows"] for r in found.ledger) == [5, 7]


def test_reading_creates_nothing(store: FakeStore, base: Path) -> None:
    """The page only reads: no rehearsals or ledger directory appears."""
    model.overview(store)
    assert list(base.iterdir()) == []


def test_a_refused_run_shows_every_finding_of_its_preflight_json(store: FakeStore, base: Path) -> None:
    """check_versions refused the run (no plan XCom): the findings come from the run's preflight.json, blocking
    first, with both tasks' findings and their remedies."""
    store.add("manual__9", state="failed", tasks={phases.CHECK_EXTENSIONS: "success", phases.CHECK_VERSIONS: "failed"})
    run_dir = base / DAG / "manual__9"
    run_dir.mkdir(parents=True)
    found = [
        {
            "check": "locale",
            "severity": "warning",
            "subject": "LC_COLLATE: source C, target C.UTF-8",
            "message": "text sorts differently",
            "expected": None,
            "remedy": "",
        },
        {
            "check": "extensions",
            "severity": "blocking",
            "subject": "extension adminpack 2.1",
            "message": "not available on the target",
            "expected": None,
            "remedy": "drop it from the source",
        },
    ]
    (run_dir / "preflight.json").write_text(json.dumps({"refused": True, "findings": found}))
    m = one(store, "manual__9")
    assert [(f.severity, f.subject) for f in m.findings] == [
        ("blocking", "extension adminpack 2.1"),
        ("warning", "LC_COLLATE: source C, target C.UTF-8"),
    ]
    assert m.findings[0].explain() == "not available on the target. What to do: drop it from the source"
