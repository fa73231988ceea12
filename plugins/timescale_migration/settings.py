"""Every setting the package reads from the environment (TSM_*), read when asked (never cached: tests and workers
may change them), and where this repository's include/ folder is.

README, "Settings", lists them; tests/unit/test_settings.py holds it to SETTINGS.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

INCLUDE_DIR = Path(__file__).resolve().parents[2] / "include"
"""include/ beside the plugins folder (Airflow does not put it on sys.path): SQL, samples, configs."""

WORK_DIR_UNDER_AIRFLOW_HOME = "timescale-migration"
"""Without the work_dir param or $TSM_WORK_DIR: $AIRFLOW_HOME/timescale-migration (never /tmp, which a reboot or a
tmp cleaner empties)."""


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, what it means when unset, and what it sets."""

    name: str
    default: str
    meaning: str

    def value(self) -> str | None:
        """The variable's value; None when unset or empty."""
        return os.environ.get(self.name) or None


WORK_DIR = Setting(
    "TSM_WORK_DIR",
    "$AIRFLOW_HOME/timescale-migration",
    "the base work directory when a run's work_dir param is empty (storage every worker sees)",
)
PG_BIN_DIR = Setting(
    "TSM_PG_BIN_DIR",
    "none",
    "directories (separated by :) searched for the client tools before /usr/lib/postgresql/*/bin and PATH",
)
BLOCK_RECORD_DATABASE = Setting(
    "TSM_BLOCK_RECORD_DATABASE", "postgres", "the database of each source server that holds the drain's block records"
)
RETENTION_DAYS = Setting(
    "TSM_RETENTION_DAYS",
    "14",
    "days after its last change that clean_migration_work removes a finished run's directory",
)
SQL_DIR = Setting("TSM_SQL_DIR", "include/sql", "where the SQL files are")
FLEET_CONFIG = Setting("TSM_FLEET_CONFIG", "include/fleet.json", "migrate_fleet's config")
REHEARSALS_CONFIG = Setting("TSM_REHEARSALS_CONFIG", "include/rehearsals.json", "rehearse_migrations' config")
GATES_CONFIG = Setting("TSM_GATES_CONFIG", "include/gates.json", "the gates' roles (approvers role:<name>)")

SETTINGS = (
    WORK_DIR,
    PG_BIN_DIR,
    BLOCK_RECORD_DATABASE,
    RETENTION_DAYS,
    SQL_DIR,
    FLEET_CONFIG,
    REHEARSALS_CONFIG,
    GATES_CONFIG,
)
"""Every TSM_* variable the package reads (the DAGs and the plugin through it)."""

DEFAULT_BLOCK_RECORD_DATABASE = BLOCK_RECORD_DATABASE.default
DEFAULT_RETENTION_DAYS = int(RETENTION_DAYS.default)


def airflow_home() -> Path:
    """$AIRFLOW_HOME, else Airflow's own default ~/airflow."""
    return Path(os.environ.get("AIRFLOW_HOME") or Path.home() / "airflow")


def work_dir() -> Path:
    """$TSM_WORK_DIR, else $AIRFLOW_HOME/timescale-migration."""
    return Path(WORK_DIR.value() or airflow_home() / WORK_DIR_UNDER_AIRFLOW_HOME)


def pg_bin_dirs() -> list[str]:
    """The directories $TSM_PG_BIN_DIR names, in order."""
    return [d for d in (PG_BIN_DIR.value() or "").split(os.pathsep) if d]


def block_record_database() -> str:
    """$TSM_BLOCK_RECORD_DATABASE, else postgres."""
    return BLOCK_RECORD_DATABASE.value() or DEFAULT_BLOCK_RECORD_DATABASE


def retention_days() -> str:
    """$TSM_RETENTION_DAYS as given (retention.py checks it), else the default."""
    return RETENTION_DAYS.value() or RETENTION_DAYS.default


def sql_dir() -> Path:
    """$TSM_SQL_DIR, else include/sql."""
    return Path(SQL_DIR.value() or INCLUDE_DIR / "sql")


def fleet_config() -> Path:
    """$TSM_FLEET_CONFIG, else include/fleet.json."""
    return Path(FLEET_CONFIG.value() or INCLUDE_DIR / "fleet.json")


def rehearsals_config() -> Path:
    """$TSM_REHEARSALS_CONFIG, else include/rehearsals.json."""
    return Path(REHEARSALS_CONFIG.value() or INCLUDE_DIR / "rehearsals.json")


def gates_config() -> Path:
    """$TSM_GATES_CONFIG, else include/gates.json."""
    return Path(GATES_CONFIG.value() or INCLUDE_DIR / "gates.json")
