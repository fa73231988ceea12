"""Stand-ins for the parts of a task context that operators touch when they run outside Airflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from timescale_migration import phases
from timescale_migration.constants import CLIENT_TOOLS

RUN_ID = "manual__2026-11-26T12:35:16.079090+00:00"
"""The run id of a FakeTI unless a test gives another."""

RETURN_KEY = "return_value"
"""XCom key of a task's return value."""


@dataclass
class FakeTI:
    """The bits of a TaskInstance that operators and the fleet's summaries use: ids and XCom.

    `xcoms` holds this run's return values by task id (what `xcom_pull(task_ids=...)` answers); `others` what
    tasks pushed under another key, or in another run or DAG, by (dag_id, run_id, task_id, key); `pushed` what this
    task pushed with xcom_push, by key.
    """

    xcoms: dict[str, Any] = field(default_factory=dict)
    dag_id: str = phases.DAG_ID
    run_id: str = RUN_ID
    others: dict[tuple[str, str, str, str], Any] = field(default_factory=dict)
    pushed: dict[str, Any] = field(default_factory=dict)

    def xcom_pull(
        self, task_ids: str, *, dag_id: str | None = None, run_id: str | None = None, key: str = RETURN_KEY
    ) -> Any:
        """What one task pushed under key (its return value by default), in this run unless told another."""
        where = (dag_id or self.dag_id, run_id or self.run_id)
        if where == (self.dag_id, self.run_id) and key == RETURN_KEY:
            return self.xcoms.get(task_ids)
        return self.others.get((*where, task_ids, key))

    def xcom_push(self, key: str, value: Any) -> None:
        """Keep what the task pushes."""
        self.pushed[key] = value


class FakeOutletEvents(dict):
    """context["outlet_events"]: per outlet, the (asset, extra) pairs a task added."""

    def __missing__(self, key: Any) -> Any:
        events = self[key] = FakeAccessor()
        return events


@dataclass
class FakeAccessor:
    """One outlet's event accessor."""

    added: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)

    def add(self, asset: Any, extra: dict[str, Any] | None = None) -> None:
        """Record an asset event."""
        self.added.append((asset, extra or {}))


def span(started: float, finished: float) -> dict[str, float]:
    """A phase's span as its operator pushes it."""
    return {"started": started, "finished": finished, "seconds": round(finished - started, 2)}


class RecordingLog:
    """Stands in for a logger: keeps (level, message) pairs."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def _add(self, level: str, message: str, *args: Any) -> None:
        self.lines.append((level, message % args if args else message))

    def info(self, message: str, *args: Any) -> None:
        self._add("info", message, *args)

    def warning(self, message: str, *args: Any, exc_info: bool = False) -> None:
        self._add("warning", message, *args)

    def error(self, message: str, *args: Any) -> None:
        self._add("error", message, *args)

    def levels(self, level: str) -> list[str]:
        """Messages logged at one level."""
        return [text for lvl, text in self.lines if lvl == level]


def fake_tools(
    bin_dir: Path,
    version: str = "17.12",
    tools: tuple[str, ...] = CLIENT_TOOLS,
    *,
    scripts: dict[str, str] | None = None,
    version_exit: int = 0,
) -> Path:
    """A directory of fake client tools: `--version` prints `<tool> (PostgreSQL) <version>` and exits with
    version_exit; any other call runs the tool's script body from `scripts` (default: exit 0)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    for tool in tools:
        body = (scripts or {}).get(tool, "exit 0")
        path = bin_dir / tool
        path.write_text(
            f'#!/bin/sh\nif [ "$1" = "--version" ]; then echo "{tool} (PostgreSQL) {version}"; '
            f"exit {version_exit}; fi\n{body}\n"
        )
        path.chmod(0o755)
    return bin_dir


class FakeClock:
    """A `time` module whose monotonic() only moves when sleep() is called."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return 1_800_000_000.0 + self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def client_session(pid: int, user: str = "app", application: str | None = "billing-api") -> dict[str, Any]:
    """One client session as catalog.client_sessions() gives it."""
    return {
        "pid": pid,
        "user_name": user,
        "application_name": application,
        "client_addr": "10.0.0.7",
        "state": "idle",
        "backend_start": "2026-11-26T11:00:00+00:00",
    }


def statement_text(statement: Any) -> str:
    """A composed statement as the server gets it, without the SQL file's comment lines (what a fake catalog.run
    records)."""
    return " ".join(line for line in statement.as_string().splitlines() if not line.startswith("--"))
