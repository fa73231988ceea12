"""The phase table of migrate_database: every task with its operator, retries, trigger rule, whether it scales with
the data and whether it is a teardown (PHASES), and what follows from it: the guide's order, the downtime, the gates,
and which setup each teardown closes.

The one place these facts are written: the DAG is built from PHASES, rehearsals and fleet summaries read the child
runs' XComs in this order, operators pull each other's results by these names, timeouts.py takes the phases that
scale with the data, and tests/unit/test_phases.py holds the DAG, its docstring and the README's phase table against
it. Plain values (operators are named, not imported): anything may depend on it. Each task id names its operator's
module: `load` -> operators/load.py (`pre_restore`/`post_restore`: operators/restore_mode.py,
`pause_source_jobs`/`resume_source_jobs`: operators/source_jobs.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

DAG_ID = "migrate_database"

CHECK_EXTENSIONS = "check_extensions"
CHECK_VERSIONS = "check_versions"
STAGE_SCHEMA = "stage_schema"
STOP_APPS = "stop_apps"
DRAIN_SOURCE = "drain_source"
PAUSE_SOURCE_JOBS = "pause_source_jobs"
DUMP_ROLES = "dump_roles"
DUMP_DATA = "dump_data"
PRE_RESTORE = "pre_restore"
LOAD = "load"
POST_RESTORE = "post_restore"
ANALYZE = "analyze"
APPLY_PRIVILEGES = "apply_privileges"
APPLY_SETTINGS = "apply_settings"
VERIFY = "verify"
SWITCH_APPS = "switch_apps"
CUTOVER = "cutover"
RELEASE_SOURCE = "release_source"
RESUME_SOURCE_JOBS = "resume_source_jobs"
REMOVE_SECRETS = "remove_secrets"

ALL_SUCCESS = "all_success"
"""Airflow's default trigger rule: a task runs once every task before it succeeded."""
TEARDOWN_RULE = "all_done_setup_success"
"""The trigger rule Airflow gives a teardown: it runs once its work is done, whatever the outcome, if its setup
succeeded."""


@dataclass(frozen=True)
class Teardown:
    """A teardown of the DAG: it runs once `after` is done, whatever its outcome, if `setup` succeeded; `before`
    (if any) waits for it."""

    setup: str
    teardown: str
    after: str
    before: str | None = None


@dataclass(frozen=True)
class Phase:
    """One task of migrate_database: its id, its operator (`<module>.<class>` under timescale_migration.operators),
    how often Airflow retries it (None: Airflow's default_task_retries), its trigger rule, whether its time grows
    with the database's size (timeouts.py), the setup it tears down (if it is a teardown), and any other argument
    its operator takes."""

    task_id: str
    operator: str
    retries: int | None = 0
    trigger_rule: str = ALL_SUCCESS
    scales_with_data: bool = False
    teardown: Teardown | None = None
    arguments: tuple[tuple[str, Any], ...] = ()

    @property
    def module(self) -> str:
        """The operator's module under timescale_migration.operators (the task id, unless the table says)."""
        return self.operator.rsplit(".", 1)[0]

    @property
    def rule(self) -> str:
        """The trigger rule the task has in the DAG (a teardown's is Airflow's for teardowns)."""
        return TEARDOWN_RULE if self.teardown else self.trigger_rule


PHASES = (
    Phase(CHECK_EXTENSIONS, "check_extensions.CheckExtensionsOperator"),
    Phase(CHECK_VERSIONS, "check_versions.CheckVersionsOperator", trigger_rule="all_done"),
    Phase(STAGE_SCHEMA, "stage_schema.StageSchemaOperator", retries=1),
    Phase(STOP_APPS, "stop_apps.StopAppsOperator", retries=None),
    Phase(DRAIN_SOURCE, "drain_source.DrainSourceOperator", retries=1),
    Phase(PAUSE_SOURCE_JOBS, "source_jobs.PauseSourceJobsOperator", retries=2),
    Phase(DUMP_ROLES, "dump_roles.DumpRolesOperator", retries=2),
    Phase(DUMP_DATA, "dump_data.DumpDataOperator", retries=2, scales_with_data=True),
    Phase(PRE_RESTORE, "restore_mode.PreRestoreOperator"),
    Phase(LOAD, "load.LoadOperator", retries=1, scales_with_data=True),
    Phase(
        POST_RESTORE,
        "restore_mode.PostRestoreOperator",
        retries=3,
        teardown=Teardown(PRE_RESTORE, POST_RESTORE, after=LOAD, before=ANALYZE),
    ),
    Phase(ANALYZE, "analyze.AnalyzeOperator", retries=2, scales_with_data=True),
    Phase(APPLY_PRIVILEGES, "apply_privileges.ApplyPrivilegesOperator", retries=2, scales_with_data=True),
    Phase(APPLY_SETTINGS, "apply_settings.ApplySettingsOperator", retries=2),
    Phase(VERIFY, "verify.VerifyOperator", retries=1, scales_with_data=True),
    Phase(SWITCH_APPS, "switch_apps.SwitchAppsOperator", retries=None),
    Phase(
        RESUME_SOURCE_JOBS,
        "source_jobs.ResumeSourceJobsOperator",
        retries=3,
        teardown=Teardown(PAUSE_SOURCE_JOBS, RESUME_SOURCE_JOBS, after=VERIFY),
    ),
    Phase(
        REMOVE_SECRETS,
        "remove_secrets.RemoveSecretsOperator",
        retries=2,
        teardown=Teardown(DUMP_ROLES, REMOVE_SECRETS, after=VERIFY),
    ),
    Phase(CUTOVER, "cutover.CutoverOperator"),
    Phase(RELEASE_SOURCE, "release_source.ReleaseSourceOperator", retries=2, arguments=(("forget_migration", True),)),
)
"""Every task of migrate_database and its facts, in the order the UI and the README list them; the DAG is built from
it (dags/migrate_database.py), and tests/unit/test_phases.py holds the DAG, its docstring and the README's phase table
to it. The gates are not retried by the migration (Airflow's default applies); restore mode is left even when the load
fails; the source's jobs resume and roles.sql (password hashes) goes whatever happens."""

BY_ID = {phase.task_id: phase for phase in PHASES}
"""Each task id's phase."""

TASKS = tuple(BY_ID)
"""Every task id of migrate_database."""

BRANCHES = (CUTOVER, RELEASE_SOURCE)
"""What switch_apps chooses between: applications on the target, or the source given back (roll back)."""

TEARDOWNS = tuple(phase.teardown for phase in PHASES if phase.teardown)
"""Each teardown with its setup, the work it follows and the task that waits for it."""

ORDER = tuple(p.task_id for p in PHASES if p.task_id not in BRANCHES and not (p.teardown and p.teardown.before is None))
"""The guide's phases in order (the DAG's docstring lists them so): what a rehearsal times, phase by phase. A
teardown another phase waits for (post_restore) is one of them; those that only close the run are not."""

PREFLIGHT = (CHECK_EXTENSIONS, CHECK_VERSIONS)
"""The checks before the stop_apps gate; nothing changes before they pass, and their XComs may hold findings."""

AFTER_CHECKS = STAGE_SCHEMA
"""The first task that may change the target: it waits for every check to succeed."""

PLAN_TASK = CHECK_VERSIONS
"""Whose XCom is the plan (what the checks found) that every later phase reads."""

TRIGGER_RULES = {p.task_id: p.trigger_rule for p in PHASES if p.trigger_rule != ALL_SUCCESS}
"""Tasks that run whatever the outcome of the tasks before them (every other task but the teardowns needs all of
them to succeed): check_versions runs even when check_extensions failed, so that a run is refused once, naming
every problem both found."""

GATES = (STOP_APPS, SWITCH_APPS)
"""Where a person decides: the downtime starts after the first, the applications switch at the second."""

DOWNTIME = ORDER[ORDER.index(STOP_APPS) + 1 : ORDER.index(SWITCH_APPS)]
"""The phases between the stop_apps approval and the end of verification: the downtime of a real run."""

DATA_PHASES = tuple(p.task_id for p in PHASES if p.scales_with_data)
"""Phases whose time grows with the database's size (timeouts.py gives them time by the size)."""

WORK_CHAIN = tuple(task for task in ORDER if task not in {t.teardown for t in TEARDOWNS})
"""The DAG's chain: the phases in order but the teardowns, which are declared beside it (then BRANCHES)."""

PHASE_KEY = "phase"
"""XCom key of {started, finished, seconds} that every phase operator pushes when it succeeds."""

FAILURE_KEY = "failure"
"""XCom key of {task_id, error} that `record_failure` pushes when a task of the run fails for good."""


def edges() -> set[tuple[str, str]]:
    """(upstream, downstream) of every edge the DAG must have, and no other."""
    found = set(pairwise(WORK_CHAIN))
    found |= {(check, AFTER_CHECKS) for check in PREFLIGHT}  # nothing changes before every check succeeded
    found |= {(SWITCH_APPS, branch) for branch in BRANCHES}
    for t in TEARDOWNS:
        found |= {(t.setup, t.teardown), (t.after, t.teardown)}
        if t.before:
            found.add((t.teardown, t.before))
    return found
