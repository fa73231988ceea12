"""What every phase operator shares: the run's options, both endpoints, the plan, the work dir, a runner."""

from __future__ import annotations

import functools
import time
import weakref
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator, Context

from timescale_migration import phases, timeouts, workdir
from timescale_migration.checks.plan import MigrationPlan
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.exceptions import fail_at_once
from timescale_migration.fleet import rehearsal
from timescale_migration.options import MigrationOptions
from timescale_migration.tools.runner import ToolRunner

FAILURE_MESSAGE_CHARS = 20_000
"""The failure message kept for the run: a refused preflight names every blocking finding (each check names at most
a few dozen objects), so it is long enough for all of them."""


def record_failure(context: Context) -> None:
    """on_failure_callback: leave the failing task and its error where migrate_fleet's summary can read them."""
    ti = context["ti"]
    error = context.get("exception")
    message = f"{type(error).__name__}: {error}" if error is not None else "failed (no exception recorded)"
    ti.xcom_push(key=phases.FAILURE_KEY, value={"task_id": ti.task_id, "error": message[:FAILURE_MESSAGE_CHARS]})


def failing_at_once(execute: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap an operator's execute: an error a retry cannot cure fails the task at once (exceptions.retryable)."""

    @functools.wraps(execute)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return execute(self, *args, **kwargs)
        except Exception as error:
            raised = fail_at_once(error)
            if raised is error:
                raise
            raise raised from error

    _FAILING_AT_ONCE.add(wrapper)
    return wrapper


_FAILING_AT_ONCE: weakref.WeakSet[Callable[..., Any]] = weakref.WeakSet()
"""The execute methods failing_at_once already wraps."""

if TYPE_CHECKING:
    _Operator = BaseOperator
else:
    _Operator = object
"""The mixin is only ever mixed into a BaseOperator (MigrationOperator, the gates): the type checker sees it as one."""


class MigrationMixin(_Operator):
    """Helpers for operators of one migration run (mixed into BaseOperator subclasses)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        execute = cls.__dict__.get("execute")
        if callable(execute) and execute not in _FAILING_AT_ONCE:
            # wraps the class's own execute once, when the class is made
            cls.execute = failing_at_once(execute)  # type: ignore[method-assign]  # replacing a method on purpose

    _runner: ToolRunner | None = None
    _stops: list[Callable[[], None]] | None = None
    _phase_started: float | None = None

    def pre_execute(self, context: Context) -> None:
        """Note when the phase started; a downtime task not given an execution_timeout gets one (timeouts.py)."""
        self._phase_started = time.time()
        if self.task_id in phases.DOWNTIME and self.execution_timeout is None:
            try:
                self.execution_timeout = self.downtime_timeout(context)
            except Exception as err:  # no plan or unreadable history: the task runs without a limit, as before
                self.log.warning("no execution_timeout for %s: %s", self.task_id, err)

    def downtime_timeout(self, context: Context) -> timedelta:
        """This downtime task's limit, from the plan's size and the last verified rehearsal of the source."""
        opts = self.migration_options(context)
        size = int(self.plan(context).source["database_bytes"])
        source, _ = self.endpoints(context)
        last = rehearsal.last_rehearsal(opts.work_dir, opts.source_conn_id, source.database)
        rehearsed = last.phases.get(self.task_id) if last else None
        limit = timeouts.phase_timeout(
            self.task_id,
            size,
            rehearsed_s=rehearsed,
            rehearsed_bytes=last.size_bytes if last else None,
            drain_timeout_s=opts.drain_timeout,
        )
        self.log.info("%s", timeouts.describe(self.task_id, limit, size, rehearsed))
        return limit

    def post_execute(self, context: Context, result: Any = None) -> None:
        """Push the phase's wall-clock span (rehearsals and the fleet summary read it)."""
        if self._phase_started is None:
            return
        finished = time.time()
        context["ti"].xcom_push(
            key=phases.PHASE_KEY,
            value={
                "started": round(self._phase_started, 3),
                "finished": round(finished, 3),
                "seconds": round(finished - self._phase_started, 2),
            },
        )

    def migration_options(self, context: Context) -> MigrationOptions:
        """The run's params, validated."""
        return MigrationOptions.from_params(context["params"])

    def endpoints(self, context: Context) -> tuple[Endpoint, Endpoint]:
        """(source, target) for this run."""
        opts = self.migration_options(context)
        return (
            Endpoint("source", opts.source_conn_id, opts.source_database),
            Endpoint("target", opts.target_conn_id, opts.target_database),
        )

    def plan(self, context: Context) -> MigrationPlan:
        """What check_versions found."""
        data = context["ti"].xcom_pull(task_ids=phases.PLAN_TASK)
        if not data:
            raise RuntimeError(f"no plan from {phases.PLAN_TASK}: did it run in this dag run?")
        return MigrationPlan.from_xcom(data)

    def run_key(self, context: Context) -> str:
        """How this run names itself in the source's block records and the target's load claim: dag_id/run_id."""
        ti = context["ti"]
        return f"{ti.dag_id}/{ti.run_id}"

    def run_dir(self, context: Context, *, create: bool = True) -> Path:
        """This run's private work directory."""
        ti = context["ti"]
        return workdir.run_dir(self.migration_options(context).work_dir, ti.dag_id, ti.run_id, create=create)

    @property
    def runner(self) -> ToolRunner:
        """Runs client tools; killed by on_kill."""
        if self._runner is None:
            self._runner = ToolRunner(self.log)
        return self._runner

    def stop_on_kill(self, stop: Callable[[], None]) -> None:
        """Have on_kill call `stop` too: how a phase registers what else it runs (a parallel copy's kill, parallel
        ANALYZE's cancel)."""
        if self._stops is None:
            self._stops = []
        self._stops.append(stop)

    def on_kill(self) -> None:
        """Kill the running client tool and its children, then stop everything registered with stop_on_kill."""
        if self._runner is not None:
            self._runner.kill()
        for stop in self._stops or ():
            stop()


class MigrationOperator(MigrationMixin, BaseOperator):
    """Base class of the phase operators (their retries and trigger rules are the phase table's: phases.PHASES)."""

    ui_color = "#e3f2fd"
