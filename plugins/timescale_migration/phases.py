"""The phase registry of migrate_database: every task id, the guide's order, the downtime, the gates, and which
setup each teardown closes.

The one place these names are written: the DAG takes its task ids from here, rehearsals and fleet summaries read
the child runs' XComs in this order, operators pull each other's results by these names, and
tests/unit/test_phases.py holds the DAG's edges against it. Plain strings (no imports): anything may depend on it.
Each task id names its operator's module: `load` -> operators/load.py (`pre_restore`/`post_restore`:
operators/restore_mode.py, `pause_source_jobs`/`resume_source_jobs`: operators/source_jobs.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

DAG_ID = "migrate_database"

CHECK_EXTENSIONS = "check_extensions"
CHECK_VERSIONS = "check_versions"
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

ORDER = (CHECK_EXTENSIONS, CHECK_VERSIONS, STOP_APPS, DRAIN_SOURCE, PAUSE_SOURCE_JOBS, DUMP_ROLES, DUMP_DATA,
         PRE_RESTORE, LOAD, POST_RESTORE, ANALYZE, APPLY_PRIVILEGES, APPLY_SETTINGS, VERIFY, SWITCH_APPS)
"""The guide's phases in order (the DAG's docstring lists them so): what a rehearsal times, phase by phase."""

PREFLIGHT = (CHECK_EXTENSIONS, CHECK_VERSIONS)
"""The checks before the stop_apps gate; nothing changes before they pass, and their XComs may hold findings."""

PLAN_TASK = CHECK_VERSIONS
"""Whose XCom is the plan (what the checks found) that every later phase reads."""

TRIGGER_RULES = {CHECK_VERSIONS: "all_done"}
"""Tasks that run whatever the outcome of the tasks before them (every other task but the teardowns needs all of
them to succeed): check_versions runs even when check_extensions failed, so that a run is refused once, naming
every problem both found."""

GATES = (STOP_APPS, SWITCH_APPS)
"""Where a person decides: the downtime starts after the first, the applications switch at the second."""

DOWNTIME = ORDER[ORDER.index(STOP_APPS) + 1:ORDER.index(SWITCH_APPS)]
"""The phases between the stop_apps approval and the end of verification: the downtime of a real run."""

BRANCHES = (CUTOVER, RELEASE_SOURCE)
"""What switch_apps chooses between: applications on the target, or the source given back (roll back)."""


@dataclass(frozen=True)
class Teardown:
    """A teardown of the DAG: it runs once `after` is done, whatever its outcome, if `setup` succeeded; `before`
    (if any) waits for it."""

    setup: str
    teardown: str
    after: str
    before: str | None = None


TEARDOWNS = (
    Teardown(PRE_RESTORE, POST_RESTORE, after=LOAD, before=ANALYZE),
    Teardown(PAUSE_SOURCE_JOBS, RESUME_SOURCE_JOBS, after=VERIFY),
    Teardown(DUMP_ROLES, REMOVE_SECRETS, after=VERIFY),
)
"""Restore mode is left even when the load fails; the source's jobs resume and roles.sql (password hashes) goes
whatever happens."""

WORK_CHAIN = tuple(task for task in ORDER if task not in {t.teardown for t in TEARDOWNS})
"""The DAG's chain: the phases in order but the teardowns, which are declared beside it (then BRANCHES)."""

TASKS = (*ORDER, *(t.teardown for t in TEARDOWNS if t.teardown not in ORDER), *BRANCHES)
"""Every task id of migrate_database."""

PHASE_KEY = "phase"
"""XCom key of {started, finished, seconds} that every phase operator pushes when it succeeds."""

FAILURE_KEY = "failure"
"""XCom key of {task_id, error} that `record_failure` pushes when a task of the run fails for good."""


def edges() -> set[tuple[str, str]]:
    """(upstream, downstream) of every edge the DAG must have, and no other."""
    found = set(pairwise(WORK_CHAIN))
    found |= {(check, STOP_APPS) for check in PREFLIGHT}  # the gate waits for every check to succeed
    found |= {(SWITCH_APPS, branch) for branch in BRANCHES}
    for t in TEARDOWNS:
        found |= {(t.setup, t.teardown), (t.after, t.teardown)}
        if t.before:
            found.add((t.teardown, t.before))
    return found
