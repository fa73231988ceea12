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
from devtools.servers import Servers, servers_from_env, start_servers  # noqa: E402


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
