"""Test setup: Airflow configured for this repo before anything imports it, and the local servers."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_HOME = Path(tempfile.mkdtemp(prefix="tsm-airflow-"))
os.environ.setdefault("AIRFLOW_HOME", str(_HOME))
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(REPO / "plugins"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{_HOME / 'airflow.db'}")

import pytest  # noqa: E402

from devtools.airflow_cli import migrate_metadata_db  # noqa: E402
from devtools.servers import COMMUNITY_FLAGS, Servers, server_env, servers_from_env, start_servers  # noqa: E402

LEFT_OUT = pytest.StashKey[dict[str, int]]()
LAYERS = ("unit", "integration", "e2e", "live")
"""Every test module carries exactly one of these markers (pytest.ini describes them): `make unit` and
`-m integration` select by them, so a module without one would silently run in none of the layers."""


def unmarked_modules(items: list[pytest.Item]) -> list[str]:
    """The test modules (relative paths) whose tests carry no layer marker, or more than one."""
    found = set()
    for item in items:
        marks = {mark.name for mark in item.iter_markers() if mark.name in LAYERS}
        if len(marks) != 1:
            found.add(str(item.path.relative_to(REPO)) if item.path.is_relative_to(REPO) else str(item.path))
    return sorted(found)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Fail the run when a test module has no layer marker (before `-m` deselects anything); leave out (deselect,
    not skip) the tests that need a TimescaleDB community build where none is here."""
    if unmarked := unmarked_modules(items):
        raise pytest.UsageError(
            f"test module(s) without exactly one layer marker ({', '.join(LAYERS)}): {', '.join(unmarked)}; "
            "add e.g. `pytestmark = pytest.mark.unit`"
        )
    wanted = {marker for marker in COMMUNITY_FLAGS if any(item.get_closest_marker(marker) for item in items)}
    if not wanted:
        return
    env = server_env()
    absent = {marker for marker in wanted if env.get(COMMUNITY_FLAGS[marker]) != "1"}
    kept, dropped, left = [], [], {marker: 0 for marker in absent}
    for item in items:
        marker = next((m for m in absent if item.get_closest_marker(m)), None)
        if marker:
            left[marker] += 1
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    config.stash[LEFT_OUT] = {m: n for m, n in left.items() if n}


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """One line naming the tests left out for want of a community build, and how to get them."""
    left = config.stash.get(LEFT_OUT, {})
    if left:
        counts = ", ".join(f"{n} marked {m}" for m, n in sorted(left.items()))
        terminalreporter.write_line(
            f"left out {counts}: no TimescaleDB community build here (TSM_COMMUNITY_ROOT / TSM_COMMUNITY18_ROOT); "
            "README, 'TimescaleDB's community build', says how to get them",
            yellow=True,
        )


@pytest.fixture(scope="session")
def servers() -> Servers:
    """The local PostgreSQL 15 and TimescaleDB servers, started if needed (a failure to start fails the test)."""
    start_servers()
    return servers_from_env()


@pytest.fixture(scope="session")
def airflow_home() -> Path:
    """An AIRFLOW_HOME with a migrated SQLite metadata DB, for `airflow dags test` runs."""
    home = Path(os.environ["AIRFLOW_HOME"])
    migrate_metadata_db(home)
    return home


@pytest.fixture
def unique() -> str:
    """A short unique suffix for database names."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    """A work directory for one test's dump files."""
    path = tmp_path / "work"
    path.mkdir()
    return path
