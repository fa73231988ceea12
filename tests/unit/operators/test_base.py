"""Unit tests of operators/base.py: the helpers every phase operator shares."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.support.fakes import RUN_ID
from tests.unit.operators.conftest import make_plan
from timescale_migration import operators, phases
from timescale_migration.exceptions import MigrationError
from timescale_migration.operators.base import MigrationMixin, MigrationOperator
from timescale_migration.tools.clienttools import ClientTools
from timescale_migration.tools.runner import ToolRunner

pytestmark = pytest.mark.unit

TOOLS = ClientTools(bin_dir="/x", major=17, version="17.12")


class Probe(MigrationOperator):
    """A phase operator doing nothing."""

    def execute(self, context):
        return None


def test_endpoints_from_params(make_context, connections: dict[str, str]) -> None:
    """(source, target) come from the params, database overrides included."""
    source, target = Probe(task_id="p").endpoints(make_context(source_database="app2", target_database=""))
    assert (source.side, source.conn_id, source.database_override) == ("source", connections["source_conn_id"], "app2")
    assert (target.side, target.conn_id, target.database_override) == ("target", connections["target_conn_id"], None)


def test_migration_options_validated(make_context) -> None:
    """Bad params fail the task with a MigrationError."""
    with pytest.raises(MigrationError, match="jobs"):
        Probe(task_id="p").migration_options(make_context(jobs=0))


def test_plan_from_xcom(make_context) -> None:
    """The plan is rebuilt from check_versions' XCom."""
    plan = make_plan(TOOLS)
    assert Probe(task_id="p").plan(make_context(plan)) == plan


def test_plan_missing(make_context) -> None:
    """Without check_versions' XCom the error says which task should have run."""
    with pytest.raises(RuntimeError, match="no plan from check_versions"):
        Probe(task_id="p").plan(make_context())


def test_run_dir_private_under_work_dir(make_context, work_dir: Path) -> None:
    """The run directory is <work_dir>/<dag_id>/<safe run_id>, mode 0700."""
    path = Probe(task_id="p").run_dir(make_context())
    assert path == work_dir / "migrate_database" / "manual__2026-11-26T12_35_16.079090_00_00"
    assert stat.S_IMODE(path.stat().st_mode) == 0o700


def test_run_key_names_the_dag_and_the_run(make_context) -> None:
    """Block records and load claims name a run as dag_id/run_id."""
    assert Probe(task_id="p").run_key(make_context()) == f"migrate_database/{RUN_ID}"


def test_runner_is_created_once() -> None:
    """The same ToolRunner serves every run of one task instance."""
    operator = Probe(task_id="p")
    assert isinstance(operator.runner, ToolRunner)
    assert operator.runner is operator.runner


def test_on_kill_kills_the_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    """on_kill() kills the running tool, and does nothing before any tool ran."""
    operator = Probe(task_id="p")
    operator.on_kill()
    killed: list[bool] = []
    monkeypatch.setattr(ToolRunner, "kill", lambda self, grace=5.0: killed.append(True))
    _ = operator.runner
    operator.on_kill()
    assert killed == [True]


def test_on_kill_stops_what_was_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """on_kill() kills the runner first, then calls every stop registered with stop_on_kill, in order; another
    instance of the operator keeps its own list."""
    operator = Probe(task_id="p")
    calls: list[str] = []
    monkeypatch.setattr(ToolRunner, "kill", lambda self, grace=5.0: calls.append("runner"))
    _ = operator.runner
    operator.stop_on_kill(lambda: calls.append("copy"))
    operator.stop_on_kill(lambda: calls.append("sessions"))
    operator.on_kill()
    assert calls == ["runner", "copy", "sessions"]
    calls.clear()
    Probe(task_id="q").on_kill()
    assert calls == []


def test_only_the_base_defines_on_kill() -> None:
    """One on_kill for every phase: no operator of the package overrides it (they register with stop_on_kill)."""
    overriding = {
        cls.__name__
        for name in operators.__all__
        for cls in getattr(operators, name).__mro__
        if cls.__module__.startswith("timescale_migration.") and cls is not MigrationMixin and "on_kill" in vars(cls)
    }
    assert overriding == set()


def test_no_operator_sets_its_own_retries() -> None:
    """Retries are the phase table's (phases.PHASES): no operator class of the package declares any."""
    declaring = {
        name
        for name in operators.__all__
        for cls in getattr(operators, name).__mro__
        if cls.__module__.startswith("timescale_migration.") and {"default_retries", "retries"} & set(vars(cls))
    }
    assert declaring == set()


@pytest.mark.parametrize("phase", phases.PHASES, ids=lambda phase: phase.task_id)
def test_build_gives_each_phase_the_tables_facts(phase: phases.Phase) -> None:
    """operators.build: the named operator with the table's retries, trigger rule and arguments; kwargs win."""
    task = operators.build(phase)
    assert type(task).__name__ == phase.operator.rsplit(".", 1)[1]
    assert task.retries == (0 if phase.retries is None else phase.retries)
    assert task.trigger_rule == phase.trigger_rule
    assert all(getattr(task, key) == value for key, value in phase.arguments)
    assert operators.build(phase, retries=7).retries == 7


# --- execution_timeout of the downtime tasks --------------------------------------------------------------------------


def test_downtime_task_gets_a_timeout_from_the_size(make_context) -> None:
    """A downtime task without an execution_timeout gets one in pre_execute (20 MB: the floor)."""
    from timescale_migration.timeouts import FLOOR

    probe = Probe(task_id="load")
    probe.pre_execute(make_context(make_plan(TOOLS)))
    assert probe.execution_timeout == FLOOR
    other = Probe(task_id="check_versions")  # before the downtime: no limit set
    other.pre_execute(make_context(make_plan(TOOLS)))
    assert other.execution_timeout is None


def test_downtime_timeout_from_the_last_rehearsal(make_context, connections, work_dir: Path) -> None:
    """The last verified rehearsal of this source database sets the limit: its seconds x 4, scaled to the size."""
    from datetime import timedelta

    from timescale_migration.fleet import rehearsal

    plan = make_plan(
        TOOLS,
        source={
            "version": "17.2",
            "major": 17,
            "database_bytes": 40 * 1_048_576,
            "user_name": "postgres",
            "encoding": "UTF8",
        },
    )
    context = make_context(plan)
    database = Probe(task_id="load").endpoints(context)[0].database
    rehearsal.append_history(
        str(work_dir),
        [
            rehearsal.RehearsalRecord(
                name="x",
                rehearsed_at="t",
                run_id="r",
                child_run_id="c",
                source=connections["source_conn_id"],
                scratch_database="tsm_rehearsal_x",
                dump_format="plain",
                size_bytes=20 * 1_048_576,
                phases={"load": 600.0},
                verified=True,
                source_database=database,
            )
        ],
    )
    probe = Probe(task_id="load")
    probe.pre_execute(context)
    assert probe.execution_timeout == timedelta(seconds=600 * 2 * 4)


def test_set_timeout_is_kept_and_failure_leaves_none(make_context) -> None:
    """A DAG's own execution_timeout wins; without a plan the task runs without a limit (and says so)."""
    from datetime import timedelta

    probe = Probe(task_id="load", execution_timeout=timedelta(minutes=5))
    probe.pre_execute(make_context(make_plan(TOOLS)))
    assert probe.execution_timeout == timedelta(minutes=5)
    bare = Probe(task_id="load")
    bare.pre_execute(make_context())
    assert bare.execution_timeout is None
