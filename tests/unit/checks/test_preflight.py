"""Unit tests of timescale_migration.checks.preflight: running checks (every one, whatever the others found), what
a check that raises becomes, and preflight.json."""

from __future__ import annotations

import json
import stat
from types import SimpleNamespace

import psycopg
import pytest

from tests.support.fakes import RecordingLog
from timescale_migration.checks import preflight
from timescale_migration.checks.findings import BLOCKING, PREFLIGHT_FILE, WARNING, Finding
from timescale_migration.checks.preflight import check
from timescale_migration.exceptions import ConnectionConfigError, VersionCheckError

pytestmark = pytest.mark.unit

WARNED = Finding(
    "locale",
    WARNING,
    "LC_COLLATE: source C, target en_US.UTF-8",
    "text sorts differently",
    remedy="create the target with LC_COLLATE C",
)
BLOCKED = Finding(
    "objects", BLOCKING, 'event trigger "log_ddl"', "only a superuser may create it", remedy="drop it from the source"
)


class Session:
    """A psycopg connection as far as preflight.run looks at it."""

    broken = False


def pre(log: RecordingLog | None = None) -> SimpleNamespace:
    return SimpleNamespace(src=Session(), tgt=Session(), log=log or RecordingLog())


class Denied(psycopg.errors.InsufficientPrivilege):
    """A catalog the login may not read, as psycopg raises it."""

    @property
    def diag(self):  # type: ignore[override]
        return SimpleNamespace(message_primary="permission denied for table pg_subscription")

    @property
    def sqlstate(self):  # type: ignore[override]
        return "42501"


class Lost(psycopg.OperationalError):
    """A connection lost under a check."""

    @property
    def sqlstate(self):  # type: ignore[override]
        return "08006"


@check("objects", "objects only a superuser may create")
def blocks(_pre) -> list[Finding]:
    return [BLOCKED]


@check("locale", "encoding and locale")
def warns(_pre) -> list[Finding]:
    return [WARNED]


@check("versions", "PostgreSQL versions")
def refuses(_pre) -> list[Finding]:
    raise VersionCheckError("target PostgreSQL 15 is older than source PostgreSQL 17.")


@check("replication", "replication slots and publications")
def denied(_pre) -> list[Finding]:
    raise Denied("permission denied")


def test_every_check_runs_whatever_the_others_found() -> None:
    """A blocking finding, a refusal raised and a catalog the login may not read: each becomes a finding and the
    checks after them still run, in order."""
    log = RecordingLog()
    found = preflight.run([blocks, refuses, denied, warns], pre(log))
    assert found[0] == BLOCKED and found[-1] == WARNED
    assert found[1] == Finding(
        "versions", BLOCKING, "PostgreSQL versions", "target PostgreSQL 15 is older than source PostgreSQL 17"
    )
    cannot = found[2]
    assert (cannot.check, cannot.severity, cannot.subject) == (
        "replication",
        BLOCKING,
        "replication slots and publications",
    )
    assert cannot.message == ("the check could not run: permission denied for table pg_subscription (SQLSTATE 42501)")
    assert "privilege" in cannot.remedy
    assert "check locale (encoding and locale): 1 finding(s), 0 blocking" in log.levels("info")
    assert any("preflight warning: locale: LC_COLLATE" in line for line in log.levels("warning"))
    assert any("preflight blocking: objects: event trigger" in line for line in log.levels("error"))


def test_a_lost_connection_ends_the_task() -> None:
    """A check cannot answer without its server: the error goes up (the task fails, naming it)."""

    @check("locks", "lock table sizes")
    def lost(_pre) -> list[Finding]:
        raise Lost("server closed the connection unexpectedly")

    with pytest.raises(Lost):
        preflight.run([lost, warns], pre())


def test_an_endpoint_that_cannot_connect_is_a_finding() -> None:
    """A check that opens a session of its own (the drain's record database) and cannot: a blocking finding."""

    @check("drain", "the drain's block record")
    def record(_pre) -> list[Finding]:
        raise ConnectionConfigError("cannot connect to source 'src' database postgres: no such database")

    assert preflight.run([record], pre())[0].message.endswith("no such database")


def test_unmarked_functions_are_named_after_themselves() -> None:
    """A check without @check still runs; its findings say what they are, and its name is the function's."""

    def plain(_pre) -> list[Finding]:
        return []

    assert preflight.check_name(plain) == "plain"
    assert preflight.check_name(blocks) == "objects"


def test_preflight_json_keeps_every_finding(tmp_path) -> None:
    """preflight.json: refused or not, counts, every finding with its remedy; readable by its owner only."""
    path = preflight.write_report(tmp_path, [WARNED, BLOCKED], {"run": "manual__1", "checks": ["objects"]})
    assert path == tmp_path / PREFLIGHT_FILE
    data = json.loads(path.read_text())
    assert data["refused"] is True and (data["blocking"], data["warnings"]) == (1, 1)
    assert [Finding.from_dict(f) for f in data["findings"]] == [WARNED, BLOCKED]
    assert data["run"] == "manual__1"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert preflight.read_report(tmp_path) == data
    assert preflight.read_report(tmp_path / "none") is None


def test_listed_caps_names() -> None:
    """Long lists name the first ones and say how many more."""
    assert preflight.listed(["a", "b"]) == "a, b"
    assert preflight.listed([str(i) for i in range(25)], 3) == "0, 1, 2 and 22 more"
