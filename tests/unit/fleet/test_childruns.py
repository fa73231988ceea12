"""Unit tests of fleet.childruns: planning child runs and reading back what they did (fake TI, no server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.support.fakes import RETURN_KEY, RUN_ID, FakeTI, span
from tests.support.files import mode
from timescale_migration import phases
from timescale_migration.constants import FLEET_DIR, REHEARSALS_DIR
from timescale_migration.exceptions import MigrationError
from timescale_migration.fleet import childruns, ledger, rehearsal
from timescale_migration.fleet.fleetconfig import FleetConfig, RehearsalConfig
from timescale_migration.workdir import safe_name

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("usual_umask")]

PARENT_RUN_ID = RUN_ID


class ParentTI(FakeTI):
    """A parent run's TaskInstance (migrate_fleet, rehearse_migrations), with what its child runs left."""

    def child(
        self,
        run_id: str,
        *,
        spans: dict[str, Any] | None = None,
        plan: Any = None,
        verify: Any = None,
        failures: dict[str, str] | None = None,
        stop_apps: Any = None,
    ) -> None:
        """Set what one child run left: phase spans, the plan, verify's result, failures, the gate's answer."""
        for task, value in (spans or {}).items():
            self.others[(childruns.CHILD_DAG_ID, run_id, task, phases.PHASE_KEY)] = value
        for task, error in (failures or {}).items():
            self.others[(childruns.CHILD_DAG_ID, run_id, task, phases.FAILURE_KEY)] = {"task_id": task, "error": error}
        for task, value in ((phases.PLAN_TASK, plan), (phases.VERIFY, verify), (phases.STOP_APPS, stop_apps)):
            if value is not None:
                self.others[(childruns.CHILD_DAG_ID, run_id, task, RETURN_KEY)] = value

    def migrated(
        self,
        run_id: str,
        *,
        start: float = 100.0,
        end: float = 250.0,
        rows: int = 42,
        database_bytes: int = 2 * 1_048_576,
    ) -> None:
        """A child run that went through every phase and verified."""
        self.child(
            run_id,
            spans={
                "check_versions": span(0, 5),
                "stop_apps": span(5, start),
                "dump_data": span(start, start + 10),
                "load": span(start + 10, end - 10),
                "verify": span(end - 10, end),
            },
            plan={"source": {"database_bytes": database_bytes}},
            verify={"rows": rows, "tables": 3},
            stop_apps={"chosen_options": ["Approve"]},
        )


@dataclass
class FakeEndpoint:
    """Stands in for childruns.Endpoint: each connection's own database from DATABASES, no Airflow connection needed."""

    DATABASES: ClassVar[dict[str, str]] = {}

    side: str
    conn_id: str
    database_override: str | None = None

    @property
    def database(self) -> str:
        """The override, else the connection's database."""
        return self.database_override or self.DATABASES[self.conn_id]

    @property
    def label(self) -> str:
        """Where this side is, for messages."""
        return f"{self.side} {self.conn_id!r} (db.example:5432/{self.database})"


@pytest.fixture
def endpoints(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """childruns.Endpoint replaced by FakeEndpoint; returns the conn id -> database map to fill."""
    databases: dict[str, str] = {}
    monkeypatch.setattr(FakeEndpoint, "DATABASES", databases)
    monkeypatch.setattr(childruns, "Endpoint", FakeEndpoint)
    return databases


@pytest.fixture
def no_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    """childruns.Endpoint fails if used: the test must not need any connection."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"Endpoint{args} needed")

    monkeypatch.setattr(childruns, "Endpoint", refuse)


def write_config(tmp_path: Path, data: dict[str, Any], filename: str = "config.json") -> Path:
    """A config file in tmp_path; work_dir defaults to tmp_path/work."""
    path = tmp_path / filename
    path.write_text(json.dumps({"work_dir": str(tmp_path / "work"), **data}), encoding="utf-8")
    return path


def entry(name: str, target_conn_id: str = "tgt", **extra: Any) -> dict[str, Any]:
    """One database entry of a config."""
    return {"name": name, "source_conn_id": "src", "target_conn_id": target_conn_id, **extra}


@pytest.fixture
def fleet(tmp_path: Path) -> FleetConfig:
    """A fleet of three databases over two targets, with explicit target databases."""
    return FleetConfig.load(
        write_config(
            tmp_path,
            {
                "defaults": {"dump_format": "directory", "jobs": 2},
                "targets": {"tgt": {"max_parallel": 2}},
                "databases": [
                    entry("shop", target_database="shop_db", create_target_database=True),
                    entry("metrics", target_database="metrics_db", jobs=4),
                    entry("logs", "tgt2", target_database="logs_db"),
                ],
            },
        )
    )


# --- child_outcome and _status ----------------------------------------------------------------------------------------


def test_child_outcome_reads_one_child_run() -> None:
    """Spans (only the phases that pushed one), plan, verify, failure and gate answer of that run only."""
    ti = ParentTI()
    ti.migrated("child-a")
    ti.child("child-b", verify={"rows": 1}, failures={"load": "other run"})
    outcome = childruns.child_outcome(ti, "child-a")
    assert list(outcome["spans"]) == ["check_versions", "stop_apps", "dump_data", "load", "verify"]
    assert outcome["plan"] == {"source": {"database_bytes": 2 * 1_048_576}}
    assert outcome["verify"] == {"rows": 42, "tables": 3}
    assert outcome["failure"] is None
    assert outcome["stop_apps"] == {"chosen_options": ["Approve"]}


def test_child_outcome_of_unknown_run_is_empty() -> None:
    """A run that left nothing has no spans and None everywhere else."""
    assert childruns.child_outcome(ParentTI(), "never-ran") == {
        "spans": {},
        "plan": None,
        "verify": None,
        "failure": None,
        "stop_apps": None,
    }


def test_child_outcome_first_failure_in_phase_order() -> None:
    """With several failures, the one of the earliest phase is reported."""
    ti = ParentTI()
    ti.child("child", failures={"verify": "VerificationError: differs", "load": "ToolError: psql exited 3"})
    assert childruns.child_outcome(ti, "child")["failure"] == {"task_id": "load", "error": "ToolError: psql exited 3"}


def test_status_migrated() -> None:
    """Verified and nothing failed: migrated, no reason."""
    ti = ParentTI()
    ti.migrated("child")
    assert childruns._status(childruns.child_outcome(ti, "child")) == ("migrated", None)


def test_status_failed_names_task_and_error() -> None:
    """A failure makes the run failed, the reason naming the task and its error."""
    ti = ParentTI()
    ti.child("child", failures={"dump_data": "ToolError: pg_dump exited 1"})
    status, reason = childruns._status(childruns.child_outcome(ti, "child"))
    assert status == "failed"
    assert reason == "dump_data: ToolError: pg_dump exited 1"


def test_status_failure_after_verify_is_failed() -> None:
    """A failure after a successful verify still makes the run failed."""
    ti = ParentTI()
    ti.migrated("child")
    ti.child("child", failures={"switch_apps": "RuntimeError: no"})
    assert childruns._status(childruns.child_outcome(ti, "child"))[0] == "failed"


def test_status_rejected_at_gate() -> None:
    """Reject chosen at stop_apps: rejected, nothing changed."""
    ti = ParentTI()
    ti.child("child", spans={"check_versions": span(0, 1)}, stop_apps={"chosen_options": ["Reject"]})
    status, reason = childruns._status(childruns.child_outcome(ti, "child"))
    assert status == "rejected"
    assert reason is not None
    assert "stop_apps" in reason


@pytest.mark.parametrize("stop_apps", [None, {"chosen_options": ["Approve"]}, {"chosen_options": None}, {}])
def test_status_ended_without_verification(stop_apps: Any) -> None:
    """Neither verified, failed nor rejected: failed, as the run ended without verification."""
    ti = ParentTI()
    ti.child("child", spans={"load": span(0, 1)}, stop_apps=stop_apps)
    status, reason = childruns._status(childruns.child_outcome(ti, "child"))
    assert status == "failed"
    assert reason is not None
    assert "without verification" in reason


# --- downtime_seconds -------------------------------------------------------------------------------------------------


def test_downtime_seconds_first_downtime_start_to_verify_end() -> None:
    """From the earliest downtime phase's start to verify's end; the gate and checks do not count."""
    spans = {
        "check_versions": span(0, 5),
        "stop_apps": span(5, 100),
        "drain_source": span(100.04, 110),
        "load": span(110, 200),
        "verify": span(200, 250.1),
    }
    assert childruns.downtime_seconds(spans) == 150.1


def test_downtime_seconds_none_without_verify() -> None:
    """A run that did not verify has no downtime figure."""
    assert childruns.downtime_seconds({"dump_data": span(0, 5), "load": span(5, 9)}) is None
    assert childruns.downtime_seconds({}) is None


# --- trigger_of / trigger_kwargs / ids ------------------------------------------------------------------------------


def test_trigger_of() -> None:
    """A planned entry becomes the TriggerDagRunOperator's run id and conf."""
    assert childruns.trigger_of({"run_id": "r", "conf": {"a": 1}, "name": "x"}) == {
        "trigger_run_id": "r",
        "conf": {"a": 1},
    }


def test_trigger_kwargs_planned_entries_of_one_target() -> None:
    """Only planned entries into the given target connection are triggered."""
    entries = [
        {"status": "planned", "target_conn_id": "tgt", "run_id": "r1", "conf": {"n": 1}},
        {"status": "skipped", "target_conn_id": "tgt", "reason": "done"},
        {"status": "planned", "target_conn_id": "tgt2", "run_id": "r3", "conf": {"n": 3}},
        {"status": "planned", "target_conn_id": "tgt", "run_id": "r4", "conf": {"n": 4}},
    ]
    assert childruns.trigger_kwargs(entries, "tgt") == [
        {"trigger_run_id": "r1", "conf": {"n": 1}},
        {"trigger_run_id": "r4", "conf": {"n": 4}},
    ]
    assert childruns.trigger_kwargs(entries, "nobody") == []


def test_child_run_id_and_target_key() -> None:
    """Child run ids and target keys are built from file-system-safe names."""
    assert childruns.child_run_id("fleet", "shop", PARENT_RUN_ID) == (
        "fleet__shop__manual__2026-11-26T12_35_16.079090_00_00"
    )
    assert childruns.target_key("my target") == "target_my_target"


# --- plan_fleet_runs --------------------------------------------------------------------------------------------------


def test_plan_fleet_all_planned(fleet: FleetConfig, no_endpoints: None) -> None:
    """Without ledger records every database is planned with its run id and conf."""
    planned = childruns.plan_fleet_runs(fleet, [], PARENT_RUN_ID, ["tgt", "tgt2"])
    assert [(p["name"], p["status"]) for p in planned] == [
        ("shop", "planned"),
        ("metrics", "planned"),
        ("logs", "planned"),
    ]
    shop = planned[0]
    assert shop["run_id"] == childruns.child_run_id("fleet", "shop", PARENT_RUN_ID)
    assert shop["target_conn_id"] == "tgt"
    assert shop["target_database"] == "shop_db"
    assert shop["create_target_database"] is True
    assert shop["conf"] == {
        "source_conn_id": "src",
        "target_conn_id": "tgt",
        "target_database": "shop_db",
        "work_dir": fleet.work_dir,
        "dump_format": "directory",
        "jobs": 2,
    }
    assert planned[1]["conf"]["jobs"] == 4


def test_plan_fleet_skips_ledger_record(fleet: FleetConfig, no_endpoints: None) -> None:
    """A target database with a ledger record is skipped; the reason names the run that migrated it."""
    ledger.write(fleet.work_dir, "tgt", "metrics_db", {"run_id": "fleet__metrics__earlier"})
    planned = childruns.plan_fleet_runs(fleet, [], PARENT_RUN_ID, ["tgt", "tgt2"])
    metrics = planned[1]
    assert metrics["status"] == "skipped"
    assert "fleet__metrics__earlier" in metrics["reason"]
    assert "run_id" not in metrics
    assert "conf" not in metrics
    assert [p["status"] for p in planned] == ["planned", "skipped", "planned"]


class AskedTarget:
    """Stands in for childruns.Endpoint where a ledger record is checked: its session is its connection id."""

    def __init__(self, side: str, conn_id: str) -> None:
        self.conn_id = conn_id

    @contextmanager
    def connect(self) -> Iterator[str]:
        yield self.conn_id


@pytest.mark.parametrize(
    ("now", "status"),
    [
        ({"system_identifier": "7001", "database_oid": 16500}, "skipped"),
        ({"system_identifier": "7001", "database_oid": None}, "planned"),
        ({"system_identifier": "9002", "database_oid": 16500}, "planned"),
    ],
    ids=["still true", "database gone", "server re-created"],
)
def test_plan_fleet_checks_a_record_against_its_target(
    fleet: FleetConfig, monkeypatch: pytest.MonkeyPatch, now: dict[str, Any], status: str
) -> None:
    """A record that names its server is checked against the target before it skips a database: one that no
    longer describes it is set aside (kept as .stale) and the database is migrated again."""
    ledger.write(
        fleet.work_dir,
        "tgt",
        "metrics_db",
        {
            "run_id": "earlier",
            "target_database": "metrics_db",
            ledger.IDENTITY_KEY: {"system_identifier": "7001", "database_oid": 16500},
        },
    )
    asked: list[tuple[str, str]] = []
    monkeypatch.setattr(childruns, "Endpoint", AskedTarget)
    monkeypatch.setattr(childruns.catalog, "database_identity", lambda conn, db: asked.append((conn, db)) or now)
    metrics = childruns.plan_fleet_runs(fleet, ["metrics"], PARENT_RUN_ID, ["tgt", "tgt2"])[0]
    assert metrics["status"] == status and asked == [("tgt", "metrics_db")]
    kept = ledger.read(fleet.work_dir, "tgt", "metrics_db") is not None
    assert kept is (status == "skipped")


def test_plan_fleet_trusts_a_record_it_cannot_check(fleet: FleetConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unreachable target leaves the record as it is: the database is skipped, as before."""
    ledger.write(fleet.work_dir, "tgt", "metrics_db", {"run_id": "earlier", ledger.IDENTITY_KEY: {"database_oid": 1}})

    def unreachable(side: str, conn_id: str) -> Any:
        raise OSError("no route to host")

    monkeypatch.setattr(childruns, "Endpoint", unreachable)
    assert childruns.plan_fleet_runs(fleet, ["metrics"], PARENT_RUN_ID, ["tgt", "tgt2"])[0]["status"] == "skipped"


def test_plan_fleet_ledger_of_other_connection_does_not_skip(fleet: FleetConfig, no_endpoints: None) -> None:
    """A record of the same database name on another target connection does not skip this one."""
    ledger.write(fleet.work_dir, "tgt2", "shop_db", {"run_id": "elsewhere"})
    assert childruns.plan_fleet_runs(fleet, [], PARENT_RUN_ID, ["tgt", "tgt2"])[0]["status"] == "planned"


def test_plan_fleet_only_some(fleet: FleetConfig, no_endpoints: None) -> None:
    """param only keeps the named databases, in config order."""
    planned = childruns.plan_fleet_runs(fleet, ["logs", "shop"], PARENT_RUN_ID, ["tgt", "tgt2"])
    assert [p["name"] for p in planned] == ["shop", "logs"]


def test_plan_fleet_only_unknown_names(fleet: FleetConfig, no_endpoints: None) -> None:
    """Names in only that the config lacks are refused, naming them and the config file."""
    with pytest.raises(MigrationError) as caught:
        childruns.plan_fleet_runs(fleet, ["shop", "nope", "gone"], PARENT_RUN_ID, ["tgt", "tgt2"])
    assert "gone, nope" in str(caught.value)
    assert str(fleet.path) in str(caught.value)


def test_plan_fleet_target_added_after_parse(fleet: FleetConfig, no_endpoints: None) -> None:
    """A target connection the parsed DAG has no task for is refused, asking to wait for a re-parse."""
    with pytest.raises(MigrationError) as caught:
        childruns.plan_fleet_runs(fleet, [], PARENT_RUN_ID, ["tgt"])
    assert "tgt2" in str(caught.value)
    assert "re-parse" in str(caught.value)


def test_plan_fleet_target_removed_after_parse_is_fine(fleet: FleetConfig, no_endpoints: None) -> None:
    """A parsed target the config no longer has (an idle task) is no reason to refuse."""
    assert len(childruns.plan_fleet_runs(fleet, [], PARENT_RUN_ID, ["tgt", "tgt2", "old"])) == 3


def test_plan_fleet_target_database_from_connection(tmp_path: Path, endpoints: dict[str, str]) -> None:
    """Without target_database, the target connection's own database is used, for the ledger and the conf."""
    endpoints["tgt"] = "tsdb"
    config = FleetConfig.load(write_config(tmp_path, {"databases": [entry("shop")]}))
    ledger.write(config.work_dir, "tgt", "tsdb", {"run_id": "r0"})
    assert childruns.plan_fleet_runs(config, [], PARENT_RUN_ID, ["tgt"])[0]["status"] == "skipped"
    ledger.remove(config.work_dir, "tgt", "tsdb")
    planned = childruns.plan_fleet_runs(config, [], PARENT_RUN_ID, ["tgt"])[0]
    assert planned["target_database"] == "tsdb"
    assert planned["conf"]["target_database"] == "tsdb"


# --- plan_rehearsal_runs ----------------------------------------------------------------------------------------------


def rehearsal_config(tmp_path: Path, *entries: dict[str, Any], **settings: Any) -> RehearsalConfig:
    """A rehearsal config of these entries, written and loaded."""
    return RehearsalConfig.load(write_config(tmp_path, {"databases": list(entries), **settings}))


def test_plan_rehearsal_conf(tmp_path: Path, endpoints: dict[str, str]) -> None:
    """A rehearsal loads into tsm_rehearsal_<name> on the target's server, with rehearsal=True."""
    config = rehearsal_config(
        tmp_path, entry("Shop", target_database="shop", source_database="shop_src"), defaults={"jobs": 3}
    )
    [planned] = childruns.plan_rehearsal_runs(config, PARENT_RUN_ID)
    assert planned == {
        "name": "Shop",
        "source_conn_id": "src",
        "scratch_conn_id": "tgt",
        "scratch_database": "tsm_rehearsal_shop",
        "run_id": childruns.child_run_id("rehearsal", "Shop", PARENT_RUN_ID),
        "dump_format": "parallel",
        "conf": {
            "source_conn_id": "src",
            "target_conn_id": "tgt",
            "source_database": "shop_src",
            "target_database": "tsm_rehearsal_shop",
            "work_dir": config.work_dir,
            "jobs": 3,
            "rehearsal": True,
        },
    }


def test_plan_rehearsal_scratch_connection_and_format(tmp_path: Path, endpoints: dict[str, str]) -> None:
    """A scratch_conn_id sends the rehearsal to that server; the dump format comes from the params."""
    endpoints["tgt"] = "tsdb"
    config = rehearsal_config(tmp_path, entry("metrics", scratch_conn_id="scratch", dump_format="directory"))
    [planned] = childruns.plan_rehearsal_runs(config, PARENT_RUN_ID)
    assert planned["scratch_conn_id"] == "scratch"
    assert planned["conf"]["target_conn_id"] == "scratch"
    assert planned["conf"]["target_database"] == "tsm_rehearsal_metrics"
    assert planned["dump_format"] == "directory"


def test_plan_rehearsal_refuses_scratch_equal_to_target_database(tmp_path: Path, endpoints: dict[str, str]) -> None:
    """An entry whose scratch name is its real target database (given in the config) is refused."""
    config = rehearsal_config(tmp_path, entry("x", target_database="tsm_rehearsal_x"))
    with pytest.raises(MigrationError) as caught:
        childruns.plan_rehearsal_runs(config, PARENT_RUN_ID)
    assert "'x'" in str(caught.value)
    assert "'tsm_rehearsal_x'" in str(caught.value)
    assert "'tgt'" in str(caught.value)


def test_plan_rehearsal_refuses_scratch_equal_to_connection_database(tmp_path: Path, endpoints: dict[str, str]) -> None:
    """An entry whose scratch name is the target connection's own database is refused."""
    endpoints["tgt"] = "tsm_rehearsal_shop"
    config = rehearsal_config(tmp_path, entry("ok", target_database="ok_db"), entry("shop"))
    with pytest.raises(MigrationError, match="rename the entry"):
        childruns.plan_rehearsal_runs(config, PARENT_RUN_ID)


# --- summarize_fleet_runs ---------------------------------------------------------------------------------------------


def summary_path(config: FleetConfig, run_id: str = PARENT_RUN_ID) -> Path:
    """Where summarize_fleet_runs writes the summary of one parent run."""
    return Path(str(config.work_dir)) / FLEET_DIR / f"summary-{safe_name(run_id)}.json"


def test_summarize_counts_when_none_failed(fleet: FleetConfig, no_endpoints: None) -> None:
    """Migrated, skipped and rejected databases are counted; the summary file lists each with its downtime."""
    ledger.write(fleet.work_dir, "tgt", "shop_db", {"run_id": "earlier"})
    entries = childruns.plan_fleet_runs(fleet, [], PARENT_RUN_ID, ["tgt", "tgt2"])
    ti = ParentTI()
    ti.migrated(entries[1]["run_id"], start=100, end=160, rows=7)
    ti.child(entries[2]["run_id"], stop_apps={"chosen_options": ["Reject"]})
    result = childruns.summarize_fleet_runs(fleet, entries, ti)
    assert (result["migrated"], result["skipped"], result["rejected"]) == (1, 1, 1)
    assert result["summary_file"] == str(summary_path(fleet))
    by_name = {r["name"]: r for r in result["results"]}
    assert by_name["shop"]["status"] == "skipped"
    assert by_name["shop"]["downtime_s"] is None
    assert by_name["metrics"] == {
        "name": "metrics",
        "target_conn_id": "tgt",
        "target_database": "metrics_db",
        "run_id": entries[1]["run_id"],
        "status": "migrated",
        "reason": None,
        "downtime_s": 60.0,
        "rows": 7,
    }
    assert json.loads(summary_path(fleet).read_text(encoding="utf-8")) == result["results"]


def test_summarize_file_is_private(fleet: FleetConfig, no_endpoints: None) -> None:
    """The summary file is 0600 in a 0700 fleet directory."""
    entries = childruns.plan_fleet_runs(fleet, ["shop"], PARENT_RUN_ID, ["tgt", "tgt2"])
    ti = ParentTI()
    ti.migrated(entries[0]["run_id"])
    childruns.summarize_fleet_runs(fleet, entries, ti)
    assert mode(summary_path(fleet)) == 0o600
    assert mode(summary_path(fleet).parent) == 0o700


def test_summarize_raises_naming_each_failed_database(fleet: FleetConfig, no_endpoints: None) -> None:
    """Failed databases fail the summary, each named with its reason; the summary file is still written."""
    entries = childruns.plan_fleet_runs(fleet, [], PARENT_RUN_ID, ["tgt", "tgt2"])
    ti = ParentTI()
    ti.child(entries[0]["run_id"], failures={"load": "ToolError: psql exited 3"})
    ti.migrated(entries[1]["run_id"])
    ti.child(entries[2]["run_id"], spans={"check_versions": span(0, 1)})
    with pytest.raises(MigrationError) as caught:
        childruns.summarize_fleet_runs(fleet, entries, ti)
    message = str(caught.value)
    assert message.startswith("2 of 3 database(s) failed")
    assert "shop (load: ToolError: psql exited 3)" in message
    assert "logs (the run ended without verification" in message
    assert "metrics" not in message
    written = json.loads(summary_path(fleet).read_text(encoding="utf-8"))
    assert [r["status"] for r in written] == ["failed", "migrated", "failed"]


# --- record_rehearsal_runs --------------------------------------------------------------------------------------------


def test_record_rehearsal_runs_history_and_report(tmp_path: Path, endpoints: dict[str, str]) -> None:
    """Each rehearsed database becomes a history record; report.html is written; a summary per database returned."""
    config = rehearsal_config(
        tmp_path,
        entry("shop", target_database="shop"),
        entry("metrics", target_database="metrics", dump_format="directory"),
    )
    entries = childruns.plan_rehearsal_runs(config, PARENT_RUN_ID)
    ti = ParentTI()
    ti.migrated(entries[0]["run_id"], start=100, end=190.5, database_bytes=3 * 1_048_576)
    ti.child(entries[1]["run_id"], spans={"dump_data": span(0, 10)}, failures={"load": "ToolError: boom"})
    result = childruns.record_rehearsal_runs(config, entries, ti)
    report = tmp_path / "work" / REHEARSALS_DIR / rehearsal.REPORT_FILE
    assert result == [
        {"name": "shop", "predicted_downtime_s": 90.5, "verified": True, "report": str(report)},
        {"name": "metrics", "predicted_downtime_s": None, "verified": False, "report": str(report)},
    ]
    shop, metrics = rehearsal.read_history(config.work_dir)
    assert (shop.run_id, shop.child_run_id, shop.source) == (PARENT_RUN_ID, entries[0]["run_id"], "src")
    assert (shop.scratch_database, shop.dump_format, shop.size_bytes) == (
        "tsm_rehearsal_shop",
        "parallel",
        3 * 1_048_576,
    )
    assert list(shop.phases) == ["check_versions", "stop_apps", "dump_data", "load", "verify"]
    assert shop.error is None
    assert (metrics.verified, metrics.error, metrics.size_bytes) == (False, "load: ToolError: boom", None)
    assert metrics.dump_format == "directory"
    assert shop.rehearsed_at == metrics.rehearsed_at
    assert mode(report) == 0o600
    assert "FAILED: load: ToolError: boom" in report.read_text(encoding="utf-8")


def test_record_rehearsal_runs_appends(tmp_path: Path, endpoints: dict[str, str]) -> None:
    """A second rehearsal run adds to the history rather than replacing it."""
    config = rehearsal_config(tmp_path, entry("shop", target_database="shop"))
    entries = childruns.plan_rehearsal_runs(config, PARENT_RUN_ID)
    ti = ParentTI()
    ti.migrated(entries[0]["run_id"])
    childruns.record_rehearsal_runs(config, entries, ti)
    childruns.record_rehearsal_runs(config, entries, ParentTI(run_id="scheduled__later"))
    history = rehearsal.read_history(config.work_dir)
    assert [(r.run_id, r.verified) for r in history] == [(PARENT_RUN_ID, True), ("scheduled__later", False)]


def test_plan_rehearsal_converts_the_same_tables(tmp_path: Path, endpoints: dict[str, str]) -> None:
    """A rehearsal's run gets the entry's hypertables: it converts them as the real migration will, and its
    predicted downtime includes the conversion."""
    tables = [
        {
            "table": "readings",
            "time_column": "ts",
            "chunk_interval": "1 day",
            "hash_column": "device_id",
            "hash_partitions": 2,
        }
    ]
    endpoints["tgt"] = "tsdb"
    config = rehearsal_config(tmp_path, entry("shop", hypertables=tables))
    [planned] = childruns.plan_rehearsal_runs(config, PARENT_RUN_ID)
    assert planned["conf"]["hypertables"] == tables and planned["conf"]["rehearsal"] is True
