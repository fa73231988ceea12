"""What the Migrations page shows, in a DBA's words: each migrate_database run's state, downtime, verification,
preflight and gates, read from what store.py gathers (the metadata database's runs, task states and XComs) and from
the run's own files in its work directory (verification.json/.html written by verify, preflight.json). Nothing here
writes anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from timescale_migration import phases, workdir
from timescale_migration.checks.findings import BLOCKING, PREFLIGHT_FILE, Finding
from timescale_migration.fleet import rehearsal
from timescale_migration.fleet.rehearsal import RehearsalRecord
from timescale_migration.params import DEFAULTS
from timescale_migration.ui.store import RunRow, RunStore, TaskRow, base_dirs, ledger_records, rehearsal_history
from timescale_migration.verify.report import HTML_NAME, JSON_NAME

RUN_LIMIT = 200
"""The Migrations page lists this many of the newest migrate_database runs."""
XCOM_KEYS = ("return_value", phases.PHASE_KEY, phases.FAILURE_KEY)
"""The XComs of a run the page reads: what each task returned, each phase's span, the failure recorded."""
WAITING = "awaiting_input"
BRANCH_ANSWERS = {
    phases.CUTOVER: "switch the applications to the target (cutover)",
    phases.RELEASE_SOURCE: "roll back (release_source)",
}
ACTIVE = ("running", "queued", "scheduled", "deferred", "up_for_retry", "up_for_reschedule", "restarting")
SIDES = ("source", "target")
UNKNOWN_DATABASE = "the connection's database"
"""How a side's database is named when neither the run, nor its checks, nor its connection say which."""


# --- one migration ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """Where a run is, in a DBA's words, and its tone on the page (ok, bad, wait, running, neutral)."""

    label: str
    tone: str


@dataclass
class Migration:
    """One migrate_database run: its params, task states and XComs, and its files in the work directory."""

    run: RunRow
    tasks: dict[str, TaskRow] = field(default_factory=dict)
    xcoms: dict[tuple[str, str], Any] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=lambda: DEFAULTS)
    connection_databases: Mapping[str, str | None] = field(default_factory=dict)
    """conn_id -> the database its Airflow connection names, for the connections this run relies on."""

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

    def database(self, side: str) -> str | None:
        """The real database of the source or target: the run's param, else the one its checks connected to (the
        plan), else the one its connection names."""
        found = self.params.get(f"{side}_database") or ((self.plan or {}).get(side) or {}).get("database_name")
        return found or self.connection_databases.get(str(self.params.get(f"{side}_conn_id")))

    def side(self, side: str) -> str:
        """'<conn_id> / <database>' of the source or target."""
        return f"{self.params.get(f'{side}_conn_id')} / {self.database(side) or UNKNOWN_DATABASE}"

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
            return Outcome(
                f"passed: {summary.get('tables', 0)} relations, {summary.get('rows', 0):,} rows identical", "ok"
            )
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
        """Every preflight finding, blocking ones first: from the run's preflight.json (it has those of a refused
        run too), else from the check tasks' XComs."""
        report = workdir.read_json(self.run_dir / PREFLIGHT_FILE)
        if isinstance(report, dict):
            found = [Finding.from_dict(item) for item in report.get("findings") or []]
        else:
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
        return [
            (task, self.state(task), failure.get("error") if failure.get("task_id") == task else None)
            for task in phases.PREFLIGHT
        ]

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
    found = [Migration(run, tasks.get(run.run_id, {}), xcoms.get(run.run_id, {})) for run in runs]
    unnamed = {str(m.params.get(f"{side}_conn_id")) for m in found for side in SIDES if not m.database(side)}
    names = {conn_id: store.connection_database(conn_id) for conn_id in sorted(unnamed)}
    for m in found:
        m.connection_databases = names
    return found


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
    bases = base_dirs(m.base_dir for m in found)
    return Overview(found, rehearsal_history(bases), ledger_records(bases), bases)
