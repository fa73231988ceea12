"""Running phase operators directly against the real servers, with a minimal task context."""

from __future__ import annotations

import asyncio
import importlib
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.exceptions import TaskDeferred

from devtools.servers import Server, Servers, scratch_cluster
from tests.support.fakes import FakeOutletEvents, FakeTI


def resume(operator: Any, context: dict[str, Any], deferral: TaskDeferred) -> Any:
    """Run the deferral's trigger (rebuilt from what it serializes) to its first event; resume the operator."""
    path, kwargs = deferral.trigger.serialize()
    module, _, name = path.rpartition(".")
    trigger = getattr(importlib.import_module(module), name)(**kwargs)

    async def first_event() -> Any:
        async for event in trigger.run():
            return event
        raise AssertionError(f"{path} ended without an event")

    event = asyncio.run(first_event())
    return getattr(operator, deferral.method_name)(context, event=event.payload, **(deferral.kwargs or {}))


@dataclass
class Migration:
    """One migration's context: params, connections, and a way to run each phase's operator."""

    params: dict[str, Any]
    ti: FakeTI
    source: Server
    target: Server
    src_db: str
    tgt_db: str
    outlet_events: FakeOutletEvents = field(default_factory=FakeOutletEvents)

    @property
    def context(self) -> dict[str, Any]:
        """The context dict an operator's execute() receives."""
        return {"params": self.params, "ti": self.ti, "outlet_events": self.outlet_events}

    def run(self, operator: Any) -> Any:
        """Execute one operator and record its return value as its XCom; a deferral runs its trigger here (as
        the triggerer would, rebuilt from its serialized form) and resumes the operator with the event."""
        try:
            result = operator.execute(self.context)
        except TaskDeferred as deferral:
            result = resume(operator, self.context, deferral)
        self.ti.xcoms[operator.task_id] = json.loads(json.dumps(result)) if result is not None else None
        return result


@pytest.fixture
def make_migration(servers: Servers, monkeypatch: pytest.MonkeyPatch, work_dir: Path, unique: str) -> Iterator[Any]:
    """Factory: databases on two servers, connections in the environment, params for the run."""
    created: list[tuple[Server, str]] = []

    def make(
        source: Server,
        target: Server,
        *,
        target_extensions: tuple[str, ...] = (),
        tgt_db: str | None = None,
        login: bool = False,
        timescaledb: str | None = None,
        **params: Any,
    ) -> Migration:
        """`login`: the target connects as its migration login (tsdbadmin: CREATEDB CREATEROLE, no superuser), to
        a database it owns; with `timescaledb` (a version, or "default") made as on Timescale (the login created
        TimescaleDB, the platform's grants: devtools/timescale_like_grants.sql)."""
        src_db, tgt_db = f"it src {unique}", tgt_db or f"it tgt {unique}"
        source.create_database(src_db)
        if login and timescaledb:
            target.create_timescale_like_database(tgt_db, version=None if timescaledb == "default" else timescaledb)
        else:
            target.create_database(tgt_db, extensions=target_extensions, owner=target.login if login else None)
        created.extend([(source, src_db), (target, tgt_db)])
        monkeypatch.setenv("AIRFLOW_CONN_IT_SOURCE", source.conn_json(src_db))
        monkeypatch.setenv(
            "AIRFLOW_CONN_IT_TARGET", target.login_conn_json(tgt_db) if login else target.conn_json(tgt_db)
        )
        bin_dir = servers.bin18_dir if max(source.major, target.major) >= 18 else servers.bin_dir
        run_params = {
            "source_conn_id": "it_source",
            "target_conn_id": "it_target",
            "require_approval": False,
            "pg_bin_dir": bin_dir,
            "work_dir": str(work_dir),
            "dump_format": "plain",
            "jobs": 2,
            "roles": True,
            "keep_dump": False,
            **params,
        }
        return Migration(run_params, FakeTI(), source, target, src_db, tgt_db)

    yield make
    for server, db in created:
        server.drop_database(db)


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs as the work directory."""
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


@pytest.fixture
def small_lock_table(servers) -> Iterator[Server]:
    """A PostgreSQL 15 cluster of its own with a lock table of nominally 100 locks (max_locks_per_transaction 10,
    max_connections 10), for this test only (a test asks for it before make_migration, whose databases on it are
    dropped first)."""
    with scratch_cluster(servers.bin_dir, {"max_connections": "10", "max_locks_per_transaction": "10"}) as server:
        yield server
