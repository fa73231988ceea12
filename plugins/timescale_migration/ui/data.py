"""What the Migrations page shows, gathered where it already is: each migrate_database run's state, task states and
XComs from Airflow's metadata database (through a RunStore), and from the work directory each run's verification
report (verification.json/.html, written by verify), the rehearsal history (fleet/rehearsal.py) and the ledger
(fleet/ledger.py). Nothing here writes anything.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from timescale_migration import phases, workdir
from timescale_migration.checks.findings import BLOCKING, Finding
from timescale_migration.fleet import ledger, rehearsal
from timescale_migration.fleet.rehearsal import RehearsalRecord
from timescale_migration.verify.report import HTML_NAME, JSON_NAME

RUN_LIMIT = 200
"""The Migrations page lists this many of the newest migrate_database runs."""
XCOM_KEYS = ("return_value", phases.PHASE_KEY, phases.FAILURE_KEY)
"""The XComs of a run the page reads: what each task returned, each phase's span, the failure recorded."""
WAITING = "awaiting_input"
BRANCH_ANSWERS = {phases.CUTOVER: "switch the applications to the target (cutover)",
                  phases.RELEASE_SOURCE: "roll back (release_source)"}
ACTIVE = ("running", "queued", "scheduled", "deferred", "up_for_retry", "up_for_reschedule", "restarting")


# --- what the metadata database holds -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskRow:
    """One task instance of a run (its latest try)."""

    task_id: str
    state: str | None
    start: datetime | None = None
    end: datetime | None = None

    @property
    def seconds(self) -> float | None:
        """Its duration, once it ended."""
        return (self.end - self.start).total_seconds() if self.start and self.end else None


@dataclass(frozen=True)
class RunRow:
    """One DAG run."""

    dag_id: str
    run_id: str
    state: str | None
    run_type: str | None = None
    conf: Mapping[str, Any] = field(default_factory=dict)
    start: datetime | None = None
    end: datetime | None = None
    queued: datetime | None = None


class RunStore(Protocol):
    """Where runs, task states and XComs come from: Airflow's metadata database (AirflowStore), or a test's fake."""

    def runs(self, dag_id: str, limit: int) -> list[RunRow]:
        """The newest runs of a DAG, newest first."""

    def run(self, dag_id: str, run_id: str) -> RunRow | None:
        """One run, or None."""

    def tasks(self, dag_id: str, run_ids: Sequence[str]) -> dict[str, dict[str, TaskRow]]:
        """run_id -> task_id -> its task instance (unmapped ones)."""

    def xcoms(self, dag_id: str, run_ids: Sequence[str], keys: Sequence[str]) -> dict[str, dict[tuple[str, str], Any]]:
        """run_id -> (task_id, key) -> value, for these keys (unmapped task instances)."""


class AirflowStore:
    """The metadata database of the api-server the plugin runs in (read only)."""

    def runs(self, dag_id: str, limit: int) -> list[RunRow]:
        from airflow.models.dagrun import DagRun
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            query = select(DagRun).where(DagRun.dag_id == dag_id).order_by(DagRun.id.desc()).limit(limit)
            return [_run_row(run) for run in session.scalars(query)]

    def run(self, dag_id: str, run_id: str) -> RunRow | None:
        from airflow.models.dagrun import DagRun
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            run = session.scalars(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)).first()
            return _run_row(run) if run is not None else None

    def tasks(self, dag_id: str, run_ids: Sequence[str]) -> dict[str, dict[str, TaskRow]]:
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session
        from sqlalchemy import select

        found: dict[str, dict[str, TaskRow]] = {run_id: {} for run_id in run_ids}
        if not run_ids:
            return found
        with create_session() as session:
            query = select(TaskInstance.run_id, TaskInstance.task_id, TaskInstance.state, TaskInstance.start_date,
                           TaskInstance.end_date).where(TaskInstance.dag_id == dag_id,
                                                        TaskInstance.run_id.in_(list(run_ids)),
                                                        TaskInstance.map_index == -1)
            for run_id, task_id, state, start, end in session.execute(query):
                found[run_id][task_id] = TaskRow(task_id, str(state.value if hasattr(state, "value") else state)
                                                 if state is not None else None, start, end)
        return found

    def xcoms(self, dag_id: str, run_ids: Sequence[str], keys: Sequence[str]) -> dict[str, dict[tuple[str, str], Any]]:
        from airflow.models.xcom import XComModel
        from airflow.utils.session import create_session
        from sqlalchemy import select

        found: dict[str, dict[tuple[str, str], Any]] = {run_id: {} for run_id in run_ids}
        if not run_ids:
            return found
        with create_session() as session:
            query = select(XComModel).where(XComModel.dag_id == dag_id, XComModel.run_id.in_(list(run_ids)),
                                            XComModel.map_index == -1, XComModel.key.in_(list(keys)))
            for row in session.scalars(query):
                found[row.run_id][(row.task_id, row.key)] = XComModel.deserialize_value(row)
        return found


def _run_row(run: Any) -> RunRow:
    state = run.state.value if hasattr(run.state, "value") else run.state
    run_type = run.run_type.value if hasattr(run.run_type, "value") else run.run_type
    return RunRow(dag_id=run.dag_id, run_id=run.run_id, state=state, run_type=run_type, conf=dict(run.conf or {}),
                  start=run.start_date, end=run.end_date, queued=run.queued_at)


# --- one migration ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """Where a run is, in a DBA's words, and its tone on the page (ok, bad, wait, running, neutral)."""

    label: str
    tone: str


def param_defaults() -> dict[str, Any]:
    """migrate_database's param defaults (a run's conf holds only what its trigger gave)."""
    from timescale_migration.options import migration_params

    return {name: param.value for name, param in migration_params().items()}


@dataclass
class Migration:
    """One migrate_database run: its params, task states and XComs, and its files in the work directory."""

    run: RunRow
    tasks: dict[str, TaskRow] = field(default_factory=dict)
    xcoms: dict[tuple[str, str], Any] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)

    @property
    def dag_id(self) -> str:
        return self.run.dag_id

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @cached_property
    def params(self) -> dict[str, Any]:
        """The run's params: its conf over the DAG's defaults."""
        return {**self.defaults, **{k: v for k, v in self.run.conf.items() if v is not None}}

    @property
    def rehearsal(self) -> bool:
        return bool(self.params.get("rehearsal"))

    @property
    def kind(self) -> str:
        """rehearsal, fleet (started by migrate_fleet) or single."""
        if self.rehearsal:
            return "rehearsal"
        return "fleet" if self.run_id.startswith("fleet__") else "single"

    @property
    def base_dir(self) -> Path:
        """The base work directory the run used."""
        return workdir.base_dir(self.params.get("work_dir"))

    @property
    def run_dir(self) -> Path:
        """<base>/<dag_id>/<run_id> (not created)."""
        return workdir.run_dir(self.params.get("work_dir"), self.dag_id, self.run_id, create=False)

    def side(self, side: str) -> str:
        """'<conn_id> / <database>' of the source or target, as the run's params name them."""
        database = self.params.get(f"{side}_database") or "the connection's database"
        return f"{self.params.get(f'{side}_conn_id')} / {database}"

    @property
    def source(self) -> str:
        return self.side("source")

    @property
    def target(self) -> str:
        return self.side("target")

    def xcom(self, task_id: str, key: str = "return_value") -> Any:
        return self.xcoms.get((task_id, key))

    def state(self, task_id: str) -> str | None:
        row = self.tasks.get(task_id)
        return row.state if row else None

    @property
    def spans(self) -> dict[str, dict[str, float]]:
        """Each phase's {started, finished, seconds}, as its operator pushed it."""
        return {task: span for task in phases.ORDER if isinstance(span := self.xcom(task, phases.PHASE_KEY), dict)}

    @property
    def downtime_s(self) -> float | None:
        """From the first downtime phase's start to the end of verify (rehearsals: the predicted downtime)."""
        return rehearsal.downtime_seconds(self.spans)

    @property
    def failure(self) -> dict[str, str] | None:
        """{task_id, error} of the first task that failed for good, in the DAG's order."""
        for task in phases.TASKS:
            value = self.xcom(task, phases.FAILURE_KEY)
            if isinstance(value, dict):
                return value
        for task in phases.TASKS:
            if self.state(task) == "failed":
                return {"task_id": task, "error": "failed (its log says why)"}
        return None

    def chosen(self, gate: str) -> list[str]:
        """What was chosen at a gate: stop_apps' options (its XCom), switch_apps' branch (the task that ran)."""
        if gate == phases.SWITCH_APPS:
            return [BRANCH_ANSWERS[task] for task in phases.BRANCHES if self.state(task) not in (None, "skipped")]
        value = self.xcom(gate)
        return list(value.get("chosen_options") or []) if isinstance(value, dict) else []

    def answered_by(self, gate: str) -> str | None:
        """Who answered stop_apps (a user's name, or require_approval=false)."""
        value = self.xcom(gate)
        if not isinstance(value, dict):
            return None
        who = value.get("approved_by") or value.get("responded_by_user")
        if isinstance(who, dict):
            who = who.get("name") or who.get("id")
        return str(who) if who else None

    @property
    def waiting_at(self) -> str | None:
        """The gate the run waits at for a person, if any."""
        return next((gate for gate in phases.GATES if self.state(gate) == WAITING), None)

    @property
    def outcome(self) -> Outcome:
        """Where the run is or how it ended."""
        if gate := self.waiting_at:
            return Outcome(f"waiting for a person at {gate}", "wait")
        if self.state(phases.CUTOVER) == "success":
            return Outcome("cut over: the applications use the target", "ok")
        if self.state(phases.RELEASE_SOURCE) == "success":
            return Outcome("rolled back at switch_apps: the source is the applications' again", "neutral")
        if "Reject" in self.chosen(phases.STOP_APPS):
            return Outcome("rejected at stop_apps: nothing was changed", "neutral")
        if failure := self.failure:
            return Outcome(f"failed at {failure['task_id']}", "bad")
        if self.run.state in ACTIVE:
            running = [t for t in phases.TASKS if self.state(t) in ACTIVE]
            return Outcome(f"running: {', '.join(running)}" if running else "queued", "running")
        if self.rehearsal and self.state(phases.VERIFY) == "success":
            return Outcome("rehearsal verified (scratch database)", "ok")
        return Outcome(self.run.state or "unknown", "ok" if self.run.state == "success" else "neutral")

    # --- verification --------------------------------------------------------------------------------------------

    @property
    def verification_json(self) -> Path:
        return self.run_dir / JSON_NAME

    @property
    def verification_html(self) -> Path:
        return self.run_dir / HTML_NAME

    @cached_property
    def verification_report(self) -> dict[str, Any] | None:
        """verification.json as verify wrote it ({context, summary, checks}), or None."""
        try:
            data = json.loads(self.verification_json.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    @property
    def verification(self) -> dict[str, Any] | None:
        """verify's summary (ok, tables, rows, sequences, structure_items, differences, timings): from its XCom after
        a success, else from verification.json (a failed verification leaves no XCom)."""
        value = self.xcom(phases.VERIFY)
        if isinstance(value, dict) and "ok" in value:
            return value
        if self.state(phases.VERIFY) in ("failed", "up_for_retry") or self.verification_json.is_file():
            report = self.verification_report
            return report.get("summary") if report else None
        return None

    @property
    def verification_text(self) -> Outcome:
        """The verification's result in one line."""
        summary = self.verification
        if summary is None:
            if self.state(phases.VERIFY) == "failed":
                return Outcome("failed before comparing (see verify's log)", "bad")
            if self.state(phases.VERIFY) in ACTIVE:
                return Outcome("comparing…", "running")
            return Outcome("—", "neutral")
        if summary.get("ok"):
            return Outcome(f"passed: {summary.get('tables', 0)} relations, {summary.get('rows', 0):,} rows identical",
                           "ok")
        return Outcome(f"{len(summary.get('differences') or [])} difference(s)", "bad")

    @property
    def has_verification_report(self) -> bool:
        return self.verification_html.is_file()

    # --- preflight -----------------------------------------------------------------------------------------------

    @property
    def plan(self) -> dict[str, Any] | None:
        """What check_versions found (versions, sizes, client tools, TimescaleDB, alignment)."""
        value = self.xcom(phases.PLAN_TASK)
        return value if isinstance(value, dict) else None

    @property
    def extensions(self) -> dict[str, dict[str, str]]:
        """The source's extensions (check_extensions' XCom, else the plan's)."""
        value = self.xcom(phases.CHECK_EXTENSIONS)
        if isinstance(value, dict) and isinstance(value.get("source_extensions"), dict):
            return value["source_extensions"]
        return (self.plan or {}).get("source_extensions") or {}

    @property
    def findings(self) -> list[Finding]:
        """Every preflight finding, blocking ones first."""
        found = []
        for task in phases.PREFLIGHT:
            value = self.xcom(task)
            if isinstance(value, dict):
                found += [Finding.from_dict(item) for item in value.get("findings") or []]
        return sorted(found, key=lambda f: f.severity != BLOCKING)

    @property
    def preflight(self) -> list[tuple[str, str | None, str | None]]:
        """(check, state, why it failed) of each preflight check."""
        failure = self.failure or {}
        return [(task, self.state(task), failure.get("error") if failure.get("task_id") == task else None)
                for task in phases.PREFLIGHT]

    @property
    def task_rows(self) -> list[TaskRow]:
        """Every task of the run in the DAG's order (one without an instance yet: state None)."""
        return [self.tasks.get(task) or TaskRow(task, None) for task in phases.TASKS]


def migrations(store: RunStore, dag_id: str = phases.DAG_ID, limit: int = RUN_LIMIT) -> list[Migration]:
    """The newest runs of migrate_database with their tasks and XComs (one query each for all runs)."""
    runs = store.runs(dag_id, limit)
    return _assemble(store, dag_id, runs)


def migration(store: RunStore, dag_id: str, run_id: str) -> Migration | None:
    """One run of migrate_database, or None."""
    run = store.run(dag_id, run_id)
    return _assemble(store, dag_id, [run])[0] if run is not None else None


def _assemble(store: RunStore, dag_id: str, runs: list[RunRow]) -> list[Migration]:
    ids = [run.run_id for run in runs]
    tasks = store.tasks(dag_id, ids)
    xcoms = store.xcoms(dag_id, ids, XCOM_KEYS)
    defaults = param_defaults()
    return [Migration(run, tasks.get(run.run_id, {}), xcoms.get(run.run_id, {}), defaults) for run in runs]


# --- the work directories ---------------------------------------------------------------------------------------------


def base_dirs(found: Iterable[Migration] = ()) -> list[Path]:
    """Every base work directory to read: the default ($TSM_WORK_DIR or $AIRFLOW_HOME/timescale-migration), the fleet
    and rehearsal configs' and each listed run's work_dir; each once."""
    from timescale_migration.fleet.fleetconfig import FleetConfig, RehearsalConfig

    candidates = [workdir.default_base_dir()]
    for load in (FleetConfig.load, RehearsalConfig.load):
        try:
            candidates.append(workdir.base_dir(load().work_dir))
        except Exception:  # a broken or missing config only hides its own directory
            continue
    candidates += [m.base_dir for m in found]
    unique: dict[str, Path] = {}
    for path in candidates:
        unique.setdefault(str(path.resolve()), path)
    return list(unique.values())


def rehearsal_history(bases: Iterable[Path]) -> list[RehearsalRecord]:
    """Every rehearsal recorded under these work directories, oldest first."""
    records = [record for base in bases for record in rehearsal.read_history(str(base))]
    return sorted(records, key=lambda r: (r.rehearsed_at or "", r.name))


def ledger_records(bases: Iterable[Path]) -> list[dict[str, Any]]:
    """Every ledger record under these work directories, newest first."""
    records = [record for base in bases for record in ledger.records(str(base))]
    return sorted(records, key=lambda r: str(r.get("verified_at") or ""), reverse=True)


@dataclass
class Overview:
    """Everything the Migrations page lists."""

    migrations: list[Migration]
    rehearsals: list[RehearsalRecord]
    ledger: list[dict[str, Any]]
    work_dirs: list[Path]


def overview(store: RunStore, limit: int = RUN_LIMIT) -> Overview:
    """The runs, the rehearsal history and the ledger."""
    found = migrations(store, limit=limit)
    bases = base_dirs(found)
    return Overview(found, rehearsal_history(bases), ledger_records(bases), bases)
