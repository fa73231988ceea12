"""Fixtures for operator unit tests: connections as env vars, no real server, fake client tools, a fake task context."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest

from tests.support.fakes import FakeClock, FakeOutletEvents, FakeTI, client_session, fake_tools, statement_text
from timescale_migration import phases
from timescale_migration.checks.plan import MigrationPlan, TimescaleInfo
from timescale_migration.constants import APPLICATION_NAME
from timescale_migration.db import catalog, drain
from timescale_migration.db.catalog import ServerInfo
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.tools.clienttools import ClientTools

SOURCE_PASSWORD = "src-Secret-1'\""
TARGET_PASSWORD = "tgt-Secret-2 \\"


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Fresh source and target connections as AIRFLOW_CONN_* JSON; returns their params."""
    suffix = uuid.uuid4().hex[:8]
    ids = {"source_conn_id": f"tsm_src_{suffix}", "target_conn_id": f"tsm_tgt_{suffix}"}
    specs = {
        "source_conn_id": ("source.example", "appdb", "postgres", SOURCE_PASSWORD),
        "target_conn_id": ("target.example", "tsdb", "tsdbadmin", TARGET_PASSWORD),
    }
    for key, conn_id in ids.items():
        host, schema, login, password = specs[key]
        monkeypatch.setenv(
            f"AIRFLOW_CONN_{conn_id.upper()}",
            json.dumps(
                {
                    "conn_type": "postgres",
                    "host": host,
                    "port": 5432,
                    "login": login,
                    "password": password,
                    "schema": schema,
                }
            ),
        )
    return ids


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None]]:
    """Endpoint.connect() replaced: it yields the side's name ("source"/"target") and records each session."""
    sessions: list[tuple[str, str | None]] = []

    @contextmanager
    def connect(self: Endpoint, database: str | None = None) -> Iterator[str]:
        sessions.append((self.side, database))
        yield self.side

    monkeypatch.setattr(Endpoint, "connect", connect)
    return sessions


def write_tools(bin_dir: Path, version: str = "17.12", scripts: dict[str, str] | None = None) -> ClientTools:
    """Fake client tools (tests.support.fakes.fake_tools) as the plan names them."""
    fake_tools(bin_dir, version, scripts=scripts)
    return ClientTools(bin_dir=str(bin_dir), major=int(version.split(".")[0]), version=version)


def make_plan(tools: ClientTools, *, timescaledb: bool | TimescaleInfo = True, **changes: Any) -> MigrationPlan:
    """A plan as check_versions returns it (timescaledb: False for plain PostgreSQL, or the TimescaleInfo to use)."""
    if timescaledb is True:
        timescaledb = TimescaleInfo("2.19.3", "public", "public")
    values: dict[str, Any] = {
        "source": {
            "version": "17.2",
            "major": 17,
            "database_bytes": 20 * 1_048_576,
            "user_name": "postgres",
            "encoding": "UTF8",
        },
        "target": {
            "version": "17.4",
            "major": 17,
            "database_bytes": 8 * 1_048_576,
            "user_name": "tsdbadmin",
            "encoding": "UTF8",
        },
        "client_tools": tools,
        "timescaledb": timescaledb or None,
        "source_extensions": {"timescaledb": {"version": "2.19.3", "schema": "public"}} if timescaledb else {},
        "role_passwords": True,
        "aligned": None,
    }
    values.update(changes)
    return MigrationPlan(**values)


@pytest.fixture
def make_context(connections: dict[str, str], work_dir: Path) -> Callable[..., dict[str, Any]]:
    """Build a task context: the run's params (work_dir set) and a TI holding the plan's XCom."""

    def build(plan: MigrationPlan | None = None, **params: Any) -> dict[str, Any]:
        xcoms = {phases.PLAN_TASK: plan.to_xcom()} if plan is not None else {}
        params = {"dump_format": "plain", **params}  # the guide's commands unless a test says otherwise
        return {
            "params": {**connections, "work_dir": str(work_dir), **params},
            "ti": FakeTI(xcoms),
            "outlet_events": FakeOutletEvents(),
        }

    return build


class Refused(psycopg.errors.InsufficientPrivilege):
    """A permission error carrying the server's primary message, as psycopg raises it."""

    @property
    def diag(self) -> Any:  # type: ignore[override]
        return SimpleNamespace(message_primary="must be owner of database appdb")


@pytest.fixture
def source_db(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The source server as drain sees it, faked (no real server, no real waiting).

    Endpoint.connect yields a connection whose info.user is state["user"] (sessions recorded in "opened", as
    (side, database)); database_connect_grantees answers state["grantees"]; server_info says whether that user is a
    superuser; database_oid answers state["oids"] (16384 for a database not named there, None: no such database);
    the block records table is state["records"] (database name -> row; absent until created, "table" tells);
    client_sessions shows the migration's own session plus state["open"]; terminate_session ends a pid (recorded
    in "terminated"); every GRANT/REVOKE catalog.run executes is recorded in "statements" (REVOKE ones raise a
    permission error when state["refuse"]; creating the table raises one when state["refuse_create"]; the table
    is not writable for the login when state["refuse_write"]; roles named in state["dropped"] do not exist). A
    transaction that raises rolls the records and statements back; drain's clock is a FakeClock.
    """
    state: dict[str, Any] = {
        "user": "postgres",
        "superuser": True,
        "grantees": [],
        "open": [],
        "opened": [],
        "asked": [],
        "statements": [],
        "terminated": [],
        "refuse": False,
        "clock": FakeClock(),
        "oids": {},
        "records": {},
        "table": False,
        "refuse_create": False,
        "refuse_write": False,
        "dropped": set(),
    }

    @contextmanager
    def transaction() -> Iterator[None]:
        saved = copy.deepcopy(state["records"]), list(state["statements"])
        try:
            yield
        except BaseException:
            state["records"], state["statements"] = saved
            raise

    @contextmanager
    def connect(self: Endpoint, database: str | None = None) -> Iterator[Any]:
        state["opened"].append((self.side, database))
        yield SimpleNamespace(side=self.side, info=SimpleNamespace(user=state["user"]), transaction=transaction)

    def rows(conn: Any, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        state["asked"].append(name)
        if name == "drain/database_connect_grantees":
            return state["grantees"]
        if name == "drain/terminate_session":
            assert params is not None
            state["terminated"].append(params["pid"])
            state["open"] = [s for s in state["open"] if s["pid"] != params["pid"]]
            return [{"terminated": True}]
        if name == "drain/block_records_exist":
            return [{"present": state["table"], "writable": not state["refuse_write"]}]
        if name == "roles/existing_roles":
            assert params is not None
            return [{"rolname": n} for n in params["names"] if n not in state["dropped"]]
        if name == "drain/lock_block_record":
            return [{"pg_advisory_xact_lock": None}]
        if name == "databases/database_oid":
            assert params is not None
            oid = state["oids"].get(params["database"], 16384)
            return [] if oid is None else [{"oid": oid}]
        if name == "drain/block_record":
            assert params is not None
            row = state["records"].get(params["database"])
            return [dict(row)] if row else []
        raise AssertionError(f"unexpected query {name}")

    def run(conn: Any, statement: Any, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        text = statement_text(statement)
        if "CREATE SCHEMA" in text or "CREATE TABLE" in text:
            if state["refuse_create"]:
                raise Refused("permission denied for database postgres")
            state["table"] = True
        elif text.startswith("INSERT INTO timescale_migration.connect_blocks"):
            assert params is not None
            state["records"][params["database_name"]] = {
                **{
                    key: params[key]
                    for key in (
                        "database_name",
                        "database_oid",
                        "revoked",
                        "granted",
                        "superusers",
                        "migrator",
                        "first_run",
                        "runs",
                        "blocked_at",
                        "restore_sql",
                    )
                },
                "released_at": None,
                "released_by": None,
            }
        elif text.startswith("UPDATE timescale_migration.connect_blocks"):
            assert params is not None
            state["records"][params["database"]].update(released_at=state["clock"].time(), released_by=params["run"])
        else:
            if state["refuse"] and text.startswith("REVOKE"):
                raise Refused("must be owner of database appdb")
            state["statements"].append(text)
        return []

    def server_info(conn: Any) -> ServerInfo:
        return ServerInfo(
            version_num=170002,
            version="17.2",
            user_name=state["user"],
            database_name="appdb",
            is_superuser=state["superuser"],
            can_read_passwords=state["superuser"],
            database_bytes=1000,
            encoding="UTF8",
        )

    own = client_session(1, state["user"], APPLICATION_NAME)
    monkeypatch.setattr(Endpoint, "connect", connect)
    monkeypatch.setattr(catalog, "rows", rows)
    monkeypatch.setattr(catalog, "run", run)
    monkeypatch.setattr(catalog, "server_info", server_info)
    monkeypatch.setattr(catalog, "client_sessions", lambda conn: [own, *state["open"]])
    monkeypatch.setattr(drain, "time", state["clock"])
    return state
