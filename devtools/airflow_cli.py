"""Running DAGs through the real Airflow CLI (`airflow dags test`) with connections given as env vars."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from devtools.servers import REPO

AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def airflow_env(home: Path) -> dict[str, str]:
    """Environment of an Airflow process on this repo's dags and plugins with a SQLite metadata DB in `home`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AIRFLOW_CONN_")}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        }
    )
    return env


def migrate_metadata_db(home: Path) -> None:
    """`airflow db migrate` once for a test session."""
    home.mkdir(parents=True, exist_ok=True)
    subprocess.run([AIRFLOW, "db", "migrate"], env=airflow_env(home), check=True, capture_output=True, timeout=300)


@dataclass
class DagRunResult:
    """Exit code and combined output of one `airflow dags test`, and where its metadata lives."""

    returncode: int
    output: str
    home: Path
    dag_id: str

    def _query(self, query: str, *args: object) -> list[tuple]:
        with closing(sqlite3.connect(self.home / "airflow.db")) as db:
            run_id = db.execute(
                "SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (self.dag_id,)
            ).fetchone()[0]
            return db.execute(query, (self.dag_id, run_id, *args)).fetchall()

    def task_states(self) -> dict[str, str]:
        """task_id -> final state of the latest run of the DAG (mapped tasks: the last index)."""
        rows = self._query(
            "SELECT task_id, state FROM task_instance WHERE dag_id = ? AND run_id = ? ORDER BY map_index"
        )
        return {task: state for task, state in rows}

    def durations(self) -> dict[str, float]:
        """task_id -> seconds it ran, in the order the tasks started."""
        rows = self._query(
            "SELECT task_id, duration FROM task_instance WHERE dag_id = ? AND run_id = ? AND duration IS NOT NULL "
            "ORDER BY start_date"
        )
        return {task: float(seconds) for task, seconds in rows}

    def xcom(self, task_id: str, key: str = "return_value") -> object:
        """The XCom a task of the latest run pushed."""
        rows = self._query(
            "SELECT value FROM xcom WHERE dag_id = ? AND run_id = ? AND task_id = ? AND key = ?", task_id, key
        )
        return json.loads(rows[0][0]) if rows else None


def dags_test(
    home: Path,
    dag_id: str,
    conf: dict,
    connections: dict[str, str],
    *,
    timeout: int = 900,
    watch: Callable[[], None] | None = None,
) -> DagRunResult:
    """Run `airflow dags test DAG_ID -c CONF` with the given AIRFLOW_CONN_* connections; `watch` is called
    about every 20 ms while it runs (to sample what the machine shows meanwhile)."""
    env = airflow_env(home)
    env.update({f"AIRFLOW_CONN_{conn_id.upper()}": value for conn_id, value in connections.items()})
    with tempfile.TemporaryFile(mode="w+") as out:
        proc = subprocess.Popen(
            ["timeout", "-k", "10", str(timeout), AIRFLOW, "dags", "test", dag_id, "-c", json.dumps(conf)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=REPO,
        )
        while proc.poll() is None:
            if watch is not None:
                watch()
            time.sleep(0.02)
        out.seek(0)
        return DagRunResult(proc.returncode, out.read(), home, dag_id)
