"""The migration's trigger-form params: their definitions (shared by the DAGs) and their parsed form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow.sdk import Param

from timescale_migration.constants import (
    DEFAULT_DUMP_FORMAT,
    DUMP_FORMATS,
    MAX_JOBS,
    PRIVILEGE_MODES,
    REHEARSAL_DATABASE_PREFIX,
    DumpFormat,
)
from timescale_migration.exceptions import MigrationError

DEFAULT_STOP_APPS_TIMEOUT_HOURS = 24
MAX_STOP_APPS_TIMEOUT_HOURS = 24 * 30


def migration_params(**defaults: Any) -> dict[str, Param]:
    """Params of one migration run; `defaults` overrides a default value by name."""
    d = {
        "source_conn_id": "migration_source",
        "target_conn_id": "migration_target",
        "source_database": None,
        "target_database": None,
        "require_approval": True,
        "pg_bin_dir": None,
        "dump_format": DEFAULT_DUMP_FORMAT,
        "jobs": 2,
        "roles": True,
        "work_dir": None,
        "keep_dump": False,
        "drain": True,
        "drain_timeout": 60,
        "terminate_sessions": False,
        "rehearsal": False,
        "privileges": "as_source",
        "notify": [],
        "smtp_conn_id": "smtp_default",
        "approvers": [],
        "stop_apps_timeout_hours": DEFAULT_STOP_APPS_TIMEOUT_HOURS,
        **defaults,
    }
    optional = ["null", "string"]
    return {
        "source_conn_id": Param(d["source_conn_id"], type="string", minLength=1, title="Source connection",
                                description="Airflow connection id of the self-hosted PostgreSQL/TimescaleDB",
                                section="Databases"),
        "target_conn_id": Param(d["target_conn_id"], type="string", minLength=1, title="Target connection",
                                description="Airflow connection id of the Timescale service (or other target)",
                                section="Databases"),
        "source_database": Param(d["source_database"], type=optional, title="Source database",
                                 description="Overrides the database (schema field) of the source connection",
                                 section="Databases"),
        "target_database": Param(d["target_database"], type=optional, title="Target database",
                                 description="Overrides the database of the target connection (Timescale: tsdb)",
                                 section="Databases"),
        "require_approval": Param(d["require_approval"], type="boolean", title="Require approval",
                                  description="Wait at the stop_apps gate for a person to approve the downtime",
                                  section="Downtime"),
        "notify": Param(d["notify"], type="array", items={"type": "string", "format": "email"},
                        title="Notify (email)",
                        description="Addresses told by email (Airflow's SMTP notifier) when a gate waits for them",
                        section="Gates"),
        "smtp_conn_id": Param(d["smtp_conn_id"], type="string", minLength=1, title="SMTP connection",
                              description="Airflow connection (type smtp, with a from_email extra) the emails go "
                                          "through", section="Gates"),
        "approvers": Param(d["approvers"], type="array", items={"type": "string", "minLength": 1},
                           title="Approvers",
                           description="Airflow user ids who may answer the gates, or role:<name> from "
                                       "include/gates.json; empty: anyone allowed to answer this DAG's gates",
                           section="Gates"),
        "stop_apps_timeout_hours": Param(d["stop_apps_timeout_hours"], type="number", minimum=0,
                                         maximum=MAX_STOP_APPS_TIMEOUT_HOURS, title="stop_apps expires after (h)",
                                         description="Unanswered this long, stop_apps rejects by itself: nothing "
                                                     "changed, the run ends (a fleet's slot is freed); 0: never",
                                         section="Gates"),
        "drain": Param(d["drain"], type="boolean", title="Drain the source",
                       description="After approval, revoke CONNECT on the source database from application roles "
                                   "(undone exactly by release_source) and wait for their sessions to end",
                       section="Downtime"),
        "drain_timeout": Param(d["drain_timeout"], type="integer", minimum=0, maximum=86400,
                               title="Drain timeout (s)",
                               description="How long to wait for open sessions on the source to end",
                               section="Downtime"),
        "terminate_sessions": Param(d["terminate_sessions"], type="boolean", title="Terminate sessions",
                                    description="End the sessions still open after the drain timeout",
                                    section="Downtime"),
        "pg_bin_dir": Param(d["pg_bin_dir"], type=optional, title="Client tools directory",
                            description="Directory with pg_dump, pg_dumpall, pg_restore and psql; "
                                        "empty: the newest found in /usr/lib/postgresql/*/bin or PATH",
                            section="Dump and load"),
        "dump_format": Param(d["dump_format"], type="string", enum=list(DUMP_FORMATS), title="Dump format",
                             description="parallel (fastest): the large tables copied by `jobs` workers, psql COPY | "
                                         "psql COPY per table; plain: exactly the documented pg_dump + psql commands; "
                                         "directory: pg_dump -Fd -j / pg_restore -j; stream: one pg_dump | psql",
                             section="Dump and load"),
        "jobs": Param(d["jobs"], type="integer", minimum=1, maximum=MAX_JOBS, title="Parallel jobs",
                      description="Parallel connections for formats that use them", section="Dump and load"),
        "roles": Param(d["roles"], type="boolean", title="Migrate roles",
                       description="Dump roles with pg_dumpall --roles-only and load them before the data",
                       section="Dump and load"),
        "privileges": Param(d["privileges"], type="string", enum=list(PRIVILEGE_MODES), title="Owners and privileges",
                            description="as_source: after the load, owners, GRANTs and default privileges as on the "
                                        "source (roles by name), and verify compares them; none: the guide's "
                                        "--no-owner --no-privileges alone (everything owned by the target's login)",
                            section="Dump and load"),
        "work_dir": Param(d["work_dir"], type=optional, title="Work directory",
                          description="Where dump files go (a private per-run folder is made inside); "
                                      "empty: $TSM_WORK_DIR, else $AIRFLOW_HOME/timescale-migration; "
                                      "with several workers, storage they all see",
                          section="Dump and load"),
        "keep_dump": Param(d["keep_dump"], type="boolean", title="Keep dump files",
                           description="Keep roles.sql and the dump after a verified migration",
                           section="Dump and load"),
        "rehearsal": Param(d["rehearsal"], type="boolean", title="Rehearsal",
                           description="A rehearsal (rehearse_migrations sets it): no gates, no drain, source jobs "
                                       "left alone, no cutover; the target database must be a scratch database "
                                       f"named {REHEARSAL_DATABASE_PREFIX}*",
                           section="Rehearsal"),
    }


@dataclass(frozen=True)
class MigrationOptions:
    """Parsed params of one run."""

    source_conn_id: str
    target_conn_id: str
    source_database: str | None
    target_database: str | None
    require_approval: bool
    pg_bin_dir: str | None
    dump_format: DumpFormat
    jobs: int
    roles: bool
    work_dir: str | None
    keep_dump: bool
    drain: bool = True
    drain_timeout: int = 60
    terminate_sessions: bool = False
    rehearsal: bool = False
    privileges: str = "as_source"
    notify: tuple[str, ...] = ()
    smtp_conn_id: str = "smtp_default"
    approvers: tuple[str, ...] = ()
    stop_apps_timeout_hours: float = DEFAULT_STOP_APPS_TIMEOUT_HOURS

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> MigrationOptions:
        """Validate params (again: a CLI run can bypass the form) and name any bad one."""
        jobs = params.get("jobs", 2)
        if isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= MAX_JOBS:
            raise MigrationError(f"param jobs={jobs!r} is out of range: give an integer from 1 to {MAX_JOBS}")
        dump_format = params.get("dump_format", DEFAULT_DUMP_FORMAT)
        if dump_format not in DUMP_FORMATS:
            raise MigrationError(f"param dump_format={dump_format!r} is not one of {', '.join(DUMP_FORMATS)}")
        for key in ("source_conn_id", "target_conn_id"):
            if not params.get(key):
                raise MigrationError(f"param {key} is empty: name an Airflow connection")
        privileges = params.get("privileges") or "as_source"
        if privileges not in PRIVILEGE_MODES:
            raise MigrationError(f"param privileges={privileges!r} is not one of {', '.join(PRIVILEGE_MODES)}")
        rehearsal = _flag(params, "rehearsal", False)
        target_database = params.get("target_database") or None
        if rehearsal and not (target_database or "").startswith(REHEARSAL_DATABASE_PREFIX):
            raise MigrationError(
                f"param rehearsal=true needs target_database set to a scratch database named "
                f"{REHEARSAL_DATABASE_PREFIX}*, not {target_database!r}: a rehearsal never loads into the real target"
            )
        return cls(
            source_conn_id=params["source_conn_id"],
            target_conn_id=params["target_conn_id"],
            source_database=params.get("source_database") or None,
            target_database=target_database,
            require_approval=_flag(params, "require_approval", True) and not rehearsal,
            pg_bin_dir=params.get("pg_bin_dir") or None,
            dump_format=DumpFormat(dump_format),
            jobs=jobs,
            roles=_flag(params, "roles", True),
            work_dir=params.get("work_dir") or None,
            keep_dump=_flag(params, "keep_dump", False),
            drain=_flag(params, "drain", True) and not rehearsal,
            drain_timeout=_seconds(params.get("drain_timeout", 60)),
            terminate_sessions=_flag(params, "terminate_sessions", False) and not rehearsal,
            rehearsal=rehearsal,
            privileges=privileges,
            notify=_strings(params, "notify"),
            smtp_conn_id=params.get("smtp_conn_id") or "smtp_default",
            approvers=_strings(params, "approvers"),
            stop_apps_timeout_hours=_hours(params.get("stop_apps_timeout_hours", DEFAULT_STOP_APPS_TIMEOUT_HOURS)),
        )


def _seconds(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 86400:
        raise MigrationError(f"param drain_timeout={value!r} is out of range: give seconds from 0 to 86400")
    return value


def _strings(params: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = params.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) and item.strip() for item in value):
        raise MigrationError(f"param {key}={value!r} must be a list of non-empty strings")
    return tuple(item.strip() for item in value)


def _hours(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_STOP_APPS_TIMEOUT_HOURS:
        raise MigrationError(f"param stop_apps_timeout_hours={value!r} is out of range: give hours from 0 to "
                             f"{MAX_STOP_APPS_TIMEOUT_HOURS} (0: wait for ever)")
    return float(value)


def _flag(params: Mapping[str, Any], key: str, default: bool) -> bool:
    value = params.get(key, default)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)
