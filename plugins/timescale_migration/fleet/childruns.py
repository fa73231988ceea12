"""What rehearse_migrations and migrate_fleet do around their migrate_database child runs: plan them, prepare
their target databases, and read back what each child run did (from its XComs)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

from timescale_migration import phases, workdir
from timescale_migration.constants import DEFAULT_DUMP_FORMAT, FLEET_DIR
from timescale_migration.db import catalog, databases
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.exceptions import MigrationError
from timescale_migration.fleet import ledger, rehearsal
from timescale_migration.fleet.fleetconfig import FleetConfig, RehearsalConfig
from timescale_migration.fleet.rehearsal import RehearsalRecord, downtime_seconds

log = logging.getLogger(__name__)
CHILD_DAG_ID = phases.DAG_ID


def target_key(conn_id: str) -> str:
    """Task-id-safe key of one target connection (also the plan's XCom key of its runs)."""
    return "target_" + workdir.safe_name(conn_id)


def trigger_children(task_id: str, **kwargs: Any) -> Any:
    """A TriggerDagRunOperator.partial that starts migrate_database runs and waits (deferred) for each."""
    return TriggerDagRunOperator.partial(
        task_id=task_id,
        trigger_dag_id=CHILD_DAG_ID,
        wait_for_completion=True,
        deferrable=True,
        poke_interval=10,
        fail_when_dag_is_paused=True,
        **kwargs,
    )


def child_run_id(kind: str, name: str, parent_run_id: str) -> str:
    """The run id of one database's migrate_database run started by a parent run."""
    return f"{kind}__{workdir.safe_name(name)}__{workdir.safe_name(parent_run_id)}"


# --- what a child run left -------------------------------------------------------------------------------------------


def child_outcome(ti: Any, run_id: str) -> dict[str, Any]:
    """Phases, plan, verification summary, first failure and the stop_apps answer of one migrate_database run."""

    def pull(task_id: str, key: str = "return_value") -> Any:
        return ti.xcom_pull(dag_id=CHILD_DAG_ID, run_id=run_id, task_ids=task_id, key=key)

    spans = {task: pull(task, phases.PHASE_KEY) for task in phases.ORDER}
    failures = [f for f in (pull(task, phases.FAILURE_KEY) for task in phases.ORDER) if f]
    return {
        "spans": {task: span for task, span in spans.items() if span},
        "plan": pull(phases.PLAN_TASK),
        "verify": pull(phases.VERIFY),
        "failure": failures[0] if failures else None,
        "stop_apps": pull(phases.STOP_APPS),
    }


def _status(outcome: dict[str, Any]) -> tuple[str, str | None]:
    if outcome["verify"] and not outcome["failure"]:
        return "migrated", None
    if outcome["failure"]:
        return "failed", f"{outcome['failure']['task_id']}: {outcome['failure']['error']}"
    chosen = (outcome["stop_apps"] or {}).get("chosen_options") or []
    if "Reject" in chosen:
        return "rejected", "rejected at the stop_apps gate: nothing was changed"
    return "failed", "the run ended without verification (see its log)"


# --- rehearse_migrations ------------------------------------------------------------------------------------------


def trigger_of(entry: dict[str, Any]) -> dict[str, Any]:
    """The TriggerDagRunOperator kwargs of one planned entry."""
    return {"trigger_run_id": entry["run_id"], "conf": entry["conf"]}


def trigger_kwargs(entries: list[dict[str, Any]], target_conn_id: str) -> list[dict[str, Any]]:
    """The TriggerDagRunOperator kwargs of the planned entries into one target connection."""
    return [trigger_of(e) for e in entries if e["status"] == "planned" and e["target_conn_id"] == target_conn_id]


def plan_rehearsal_runs(config: RehearsalConfig, parent_run_id: str) -> list[dict[str, Any]]:
    """One entry per database: scratch server and name, the child run's id and conf."""
    entries = []
    for entry in config.databases:
        scratch_conn_id = entry.scratch_conn_id or entry.target_conn_id
        real = Endpoint("target", entry.target_conn_id, entry.target_database)
        if entry.scratch_database == real.database:
            raise MigrationError(
                f"rehearsal of {entry.name!r}: scratch database {entry.scratch_database!r} is the "
                f"real target database of {entry.target_conn_id!r}; rename the entry"
            )
        run_id = child_run_id("rehearsal", entry.name, parent_run_id)
        conf = entry.run_conf(
            config.work_dir, target_conn_id=scratch_conn_id, target_database=entry.scratch_database, rehearsal=True
        )
        entries.append(
            {
                "name": entry.name,
                "source_conn_id": entry.source_conn_id,
                "scratch_conn_id": scratch_conn_id,
                "scratch_database": entry.scratch_database,
                "run_id": run_id,
                "dump_format": conf.get("dump_format", DEFAULT_DUMP_FORMAT),
                "conf": conf,
            }
        )
        log.info(
            "rehearsal %s: %s -> %s/%s (real target %s stays untouched), run %s",
            entry.name,
            entry.source_conn_id,
            scratch_conn_id,
            entry.scratch_database,
            real.label,
            run_id,
        )
    return entries


def create_scratch(entries: list[dict[str, Any]]) -> list[str]:
    """Drop any leftover scratch database of these entries and create it anew."""
    created = []
    for entry in entries:
        server = Endpoint("scratch", entry["scratch_conn_id"])
        databases.drop_scratch(server, entry["scratch_database"], log)
        databases.create(server, entry["scratch_database"], log)
        created.append(entry["scratch_database"])
    return created


def drop_scratch(entries: list[dict[str, Any]]) -> list[str]:
    """Drop the scratch databases of these entries (a missing one is fine)."""
    dropped = []
    for entry in entries:
        if databases.drop_scratch(Endpoint("scratch", entry["scratch_conn_id"]), entry["scratch_database"], log):
            dropped.append(entry["scratch_database"])
    return dropped


def record_rehearsal_runs(config: RehearsalConfig, entries: list[dict[str, Any]], ti: Any) -> list[dict[str, Any]]:
    """One history record per rehearsed database; the trend report rewritten; a table in the log."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    records = []
    for entry in entries:
        outcome = child_outcome(ti, entry["run_id"])
        status, error = _status(outcome)
        plan = outcome["plan"] or {}
        records.append(
            RehearsalRecord(
                name=entry["name"],
                rehearsed_at=now,
                run_id=ti.run_id,
                child_run_id=entry["run_id"],
                source=entry["source_conn_id"],
                scratch_database=entry["scratch_database"],
                dump_format=entry["dump_format"],
                size_bytes=(plan.get("source") or {}).get("database_bytes"),
                phases=rehearsal.phase_seconds(outcome["spans"]),
                predicted_downtime_s=downtime_seconds(outcome["spans"]),
                verified=status == "migrated",
                error=error,
                source_database=(plan.get("source") or {}).get("database_name"),
            )
        )
    history_path = rehearsal.append_history(config.work_dir, records)
    report_path = rehearsal.write_report(config.work_dir, rehearsal.read_history(config.work_dir))
    lines = [f"{'database':<24} {'size MB':>9} {'downtime s':>11}  verified"]
    for r in records:
        size = f"{r.size_bytes / 1_048_576:.1f}" if r.size_bytes is not None else "-"
        downtime = f"{r.predicted_downtime_s:.1f}" if r.predicted_downtime_s is not None else "-"
        lines.append(f"{r.name:<24} {size:>9} {downtime:>11}  {'yes' if r.verified else 'NO: ' + (r.error or '')}")
    log.info(
        "rehearsals of run %s:\n%s\nhistory: %s\nreport: %s", ti.run_id, "\n".join(lines), history_path, report_path
    )
    return [
        {
            "name": r.name,
            "predicted_downtime_s": r.predicted_downtime_s,
            "verified": r.verified,
            "report": str(report_path),
        }
        for r in records
    ]


# --- migrate_fleet ----------------------------------------------------------------------------------------------------


def plan_fleet_runs(
    config: FleetConfig, only: list[str], parent_run_id: str, expected_targets: list[str]
) -> list[dict[str, Any]]:
    """Every selected database with its status: planned (with its run's id and conf) or skipped."""
    names = {entry.name for entry in config.databases}
    if unknown := sorted(set(only) - names):
        raise MigrationError(f"param only names database(s) not in {config.path}: {', '.join(unknown)}")
    if missing := sorted(set(config.targets) - set(expected_targets)):
        raise MigrationError(
            f"target connection(s) {', '.join(missing)} were added to {config.path} after the DAG "
            "was parsed: wait for the dag-processor to re-parse migrate_fleet, then trigger again"
        )
    entries = []
    for entry in config.databases:
        if only and entry.name not in only:
            continue
        target_database = entry.target_database or Endpoint("target", entry.target_conn_id).database
        done = ledger.read(config.work_dir, entry.target_conn_id, target_database)
        if done and not still_true(config, entry.target_conn_id, target_database, done):
            done = None
        item = {
            "name": entry.name,
            "target_conn_id": entry.target_conn_id,
            "target_database": target_database,
            "create_target_database": entry.create_target_database,
        }
        if done:
            item.update(
                status="skipped",
                reason=f"already migrated and verified by run {done.get('run_id')} at {done.get('verified_at')}",
            )
            log.info("%s: skipped, %s", entry.name, item["reason"])
        else:
            run_id = child_run_id("fleet", entry.name, parent_run_id)
            conf = entry.run_conf(config.work_dir, target_database=target_database)
            item.update(status="planned", run_id=run_id, conf=conf)
            log.info(
                "%s: %s -> %s/%s as run %s",
                entry.name,
                entry.source_conn_id,
                entry.target_conn_id,
                target_database,
                run_id,
            )
        entries.append(item)
    return entries


def still_true(config: FleetConfig, conn_id: str, database: str, record: dict[str, Any]) -> bool:
    """Whether a ledger record still describes its target database (else it is set aside, and the database is
    migrated again). A record without the server incarnation it describes (written before records had one), or a
    target that cannot be asked, is trusted as before."""
    if not record.get(ledger.IDENTITY_KEY):
        return True
    try:
        with Endpoint("target", conn_id).connect() as conn:
            now = catalog.database_identity(conn, database)
    except Exception as err:
        log.warning(
            "%s/%s: the ledger record could not be checked against the target (%s): trusted", conn_id, database, err
        )
        return True
    why = ledger.stale_because(record, now)
    if why:
        log.warning(
            "%s/%s: the ledger record of run %s no longer describes the target (%s): set aside as %s, migrated again",
            conn_id,
            database,
            record.get("run_id"),
            why,
            ledger.set_aside(config.work_dir, conn_id, database, why),
        )
    return why is None


def create_fleet_targets(entries: list[dict[str, Any]]) -> list[str]:
    """Create the empty target databases the config asks for (planned entries only)."""
    created = []
    for item in entries:
        wanted = item["status"] == "planned" and item["create_target_database"]
        if wanted and databases.create(Endpoint("target", item["target_conn_id"]), item["target_database"], log):
            created.append(item["target_database"])
    return created


def summarize_fleet_runs(config: FleetConfig, entries: list[dict[str, Any]], ti: Any) -> dict[str, Any]:
    """Each database's outcome; the summary file written; fails naming every database that failed."""
    results = []
    for item in entries:
        result = {key: item.get(key) for key in ("name", "target_conn_id", "target_database", "run_id")}
        if item["status"] == "skipped":
            result.update(status="skipped", reason=item["reason"], downtime_s=None)
        else:
            outcome = child_outcome(ti, item["run_id"])
            status, reason = _status(outcome)
            result.update(
                status=status,
                reason=reason,
                downtime_s=downtime_seconds(outcome["spans"]),
                rows=(outcome["verify"] or {}).get("rows"),
            )
        results.append(result)
    folder = workdir.base_dir(config.work_dir) / FLEET_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = workdir.private_file(folder / f"summary-{workdir.safe_name(ti.run_id)}.json")
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    lines = [f"{'database':<24} {'status':<9} {'downtime':>9}  why"]
    for r in results:
        downtime = f"{r['downtime_s']:.1f} s" if r.get("downtime_s") is not None else "-"
        lines.append(f"{r['name']:<24} {r['status']:<9} {downtime:>9}  {r.get('reason') or ''}")
    log.info("fleet run %s:\n%s\nsummary: %s", ti.run_id, "\n".join(lines), path)
    failed = [r for r in results if r["status"] == "failed"]
    if failed:
        raise MigrationError(
            f"{len(failed)} of {len(results)} database(s) failed: "
            + "; ".join(f"{r['name']} ({r['reason']})" for r in failed)
        )
    counts = {status: sum(r["status"] == status for r in results) for status in ("migrated", "skipped", "rejected")}
    return {"results": results, "summary_file": str(path), **counts}
