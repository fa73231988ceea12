"""Where the Migrations page's data comes from, read only: each migrate_database run, its task states and XComs and
the databases its connections name, from Airflow's metadata database (a RunStore: AirflowStore, or a test's fake),
and the work directories' rehearsal history (fleet/rehearsal.py) and ledger (fleet/ledger.py). model.py reads what
it means.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from timescale_migration import workdir
from timescale_migration.fleet import ledger, rehearsal
from timescale_migration.fleet.rehearsal import RehearsalRecord

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

    def connection_database(self, conn_id: str) -> str | None:
        """The database an Airflow connection names (its schema field), or None (unknown, or no such connection)."""


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
            query = select(
                TaskInstance.run_id,
                TaskInstance.task_id,
                TaskInstance.state,
                TaskInstance.start_date,
                TaskInstance.end_date,
            ).where(TaskInstance.dag_id == dag_id, TaskInstance.run_id.in_(list(run_ids)), TaskInstance.map_index == -1)
            for run_id, task_id, state, start, end in session.execute(query):
                found[run_id][task_id] = TaskRow(
                    task_id,
                    str(state.value if hasattr(state, "value") else state) if state is not None else None,
                    start,
                    end,
                )
        return found

    def xcoms(self, dag_id: str, run_ids: Sequence[str], keys: Sequence[str]) -> dict[str, dict[tuple[str, str], Any]]:
        from airflow.models.xcom import XComModel
        from airflow.utils.session import create_session
        from sqlalchemy import select

        found: dict[str, dict[tuple[str, str], Any]] = {run_id: {} for run_id in run_ids}
        if not run_ids:
            return found
        with create_session() as session:
            query = select(XComModel).where(
                XComModel.dag_id == dag_id,
                XComModel.run_id.in_(list(run_ids)),
                XComModel.map_index == -1,
                XComModel.key.in_(list(keys)),
            )
            for row in session.scalars(query):
                found[row.run_id][(row.task_id, row.key)] = XComModel.deserialize_value(row)
        return found

    def connection_database(self, conn_id: str) -> str | None:
        from airflow.models.connection import Connection

        try:
            return Connection.get_connection_from_secrets(conn_id).schema or None
        except Exception:  # no such connection (any more), or a secrets backend that refuses: the page goes on
            return None


def _run_row(run: Any) -> RunRow:
    state = run.state.value if hasattr(run.state, "value") else run.state
    run_type = run.run_type.value if hasattr(run.run_type, "value") else run.run_type
    return RunRow(
        dag_id=run.dag_id,
        run_id=run.run_id,
        state=state,
        run_type=run_type,
        conf=dict(run.conf or {}),
        start=run.start_date,
        end=run.end_date,
        queued=run.queued_at,
    )


# --- the work directories ---------------------------------------------------------------------------------------------


def base_dirs(runs_dirs: Iterable[Path] = ()) -> list[Path]:
    """Every base work directory to read: the default ($TSM_WORK_DIR or $AIRFLOW_HOME/timescale-migration), the fleet
    and rehearsal configs' and `runs_dirs` (the listed runs' work_dir); each once."""
    from timescale_migration.fleet.fleetconfig import FleetConfig, RehearsalConfig

    candidates = [workdir.default_base_dir()]
    for load in (FleetConfig.load, RehearsalConfig.load):
        try:
            candidates.append(workdir.base_dir(load().work_dir))
        except Exception:  # a broken or missing config only hides its own directory
            continue
    candidates += list(runs_dirs)
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
