"""The many-database configs: include/fleet.json (migrate_fleet) and include/rehearsals.json (rehearse_migrations).

Both list databases the same way (a name, source and target connections and databases, and any
migrate_database param to override); fleet.json adds the target servers' concurrency limits, rehearsals.json the
schedule and the scratch connection. $TSM_FLEET_CONFIG / $TSM_REHEARSALS_CONFIG point elsewhere. Every param a
config sets is validated when it loads, with migrate_database's own Params (params.py), naming the file, the entry
and the key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from timescale_migration import settings
from timescale_migration.constants import REHEARSAL_DATABASE_PREFIX, TARGET_POOL_PREFIX
from timescale_migration.exceptions import MigrationError
from timescale_migration.options import param_problems
from timescale_migration.workdir import safe_name

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$")
RUN_PARAMS = (
    "require_approval",
    "drain",
    "drain_timeout",
    "terminate_sessions",
    "pg_bin_dir",
    "dump_format",
    "jobs",
    "roles",
    "keep_dump",
    "hypertables",
    "notify",
    "smtp_conn_id",
    "approvers",
    "stop_apps_timeout_hours",
)
"""migrate_database params a config may set per database or in "defaults"."""
ENTRY_PARAMS = ("source_conn_id", "target_conn_id", "source_database", "target_database")
"""migrate_database params an entry sets for its own database only."""
ENTRY_KEYS = ("name", "create_target_database", "scratch_conn_id")
"""An entry's keys that are no param: its name, whether the fleet creates its target database, the scratch server."""


def _at_least_one(value: Any) -> bool:
    """An integer (not a bool) of at least 1."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _refuse(where: str, problems: list[str]) -> None:
    """Raise one error naming every problem found at `where` (file, entry)."""
    if problems:
        raise MigrationError(f"{where}: " + "; ".join(problems))


def pool_name(target_conn_id: str) -> str:
    """The pool that limits migrations into one target connection's server."""
    return TARGET_POOL_PREFIX + safe_name(target_conn_id)


@dataclass(frozen=True)
class DatabaseEntry:
    """One database to migrate (or rehearse): where it comes from, where it goes, and its run params."""

    name: str
    source_conn_id: str
    target_conn_id: str
    source_database: str | None = None
    target_database: str | None = None
    create_target_database: bool = False
    scratch_conn_id: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: Any, defaults: Mapping[str, Any], where: str) -> DatabaseEntry:
        """Validate one entry of "databases"; the error names the config file and the entry."""
        if not isinstance(raw, dict):
            raise MigrationError(f"{where}: each entry of databases must be an object, not {raw!r}")
        name = raw.get("name")
        if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise MigrationError(f"{where}: database entry name {name!r} must be 1-63 letters, digits, _ . -")
        if unknown := sorted(set(raw) - {*ENTRY_KEYS, *ENTRY_PARAMS, *RUN_PARAMS}):
            raise MigrationError(f"{where}: database {name!r} has unknown key(s) {', '.join(unknown)}")
        for key in ("source_conn_id", "target_conn_id"):
            if not isinstance(raw.get(key), str) or not raw[key]:
                raise MigrationError(f"{where}: database {name!r} needs {key} (an Airflow connection id)")
        problems = param_problems({k: v for k, v in raw.items() if k in (*ENTRY_PARAMS, *RUN_PARAMS)})
        if not isinstance(raw.get("create_target_database", False), bool):
            problems.append(f"create_target_database={raw['create_target_database']!r}: give true or false")
        if not isinstance(raw.get("scratch_conn_id") or "", str):
            problems.append(f"scratch_conn_id={raw['scratch_conn_id']!r}: give an Airflow connection id")
        _refuse(f"{where}: database {name!r}", problems)
        params = {
            **{k: v for k, v in defaults.items() if k in RUN_PARAMS},
            **{k: v for k, v in raw.items() if k in RUN_PARAMS},
        }
        return cls(
            name=name,
            source_conn_id=raw["source_conn_id"],
            target_conn_id=raw["target_conn_id"],
            source_database=raw.get("source_database") or None,
            target_database=raw.get("target_database") or None,
            create_target_database=bool(raw.get("create_target_database", False)),
            scratch_conn_id=raw.get("scratch_conn_id") or None,
            params=params,
        )

    def run_conf(self, work_dir: str | None, **overrides: Any) -> dict[str, Any]:
        """The conf of this database's migrate_database run."""
        conf = {
            "source_conn_id": self.source_conn_id,
            "target_conn_id": self.target_conn_id,
            "source_database": self.source_database,
            "target_database": self.target_database,
            "work_dir": work_dir,
            **self.params,
            **overrides,
        }
        return {key: value for key, value in conf.items() if value is not None}

    @property
    def scratch_database(self) -> str:
        """The scratch database a rehearsal of this entry loads into."""
        return REHEARSAL_DATABASE_PREFIX + safe_name(self.name).lower()[: 63 - len(REHEARSAL_DATABASE_PREFIX)]


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MigrationError(f"config file {path} does not exist") from None
    except json.JSONDecodeError as err:
        raise MigrationError(f"config file {path} is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise MigrationError(f"config file {path} must hold a JSON object")
    return data


def _entries(data: Mapping[str, Any], where: str) -> list[DatabaseEntry]:
    raw = data.get("databases")
    if not isinstance(raw, list):
        raise MigrationError(f'{where}: "databases" must be a list')
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise MigrationError(f'{where}: "defaults" must be an object')
    if unknown := sorted(set(defaults) - set(RUN_PARAMS)):
        raise MigrationError(f"{where}: defaults has unknown key(s) {', '.join(unknown)}")
    _refuse(f"{where}: defaults", param_problems(defaults))
    entries = [DatabaseEntry.parse(item, defaults, where) for item in raw]
    for label, key in (
        ("name", lambda e: e.name),
        ("name once made file-safe", lambda e: safe_name(e.name)),
        ("scratch database", lambda e: e.scratch_database),
    ):
        keys = [key(entry) for entry in entries]
        if dupes := sorted({k for k in keys if keys.count(k) > 1}):
            raise MigrationError(f"{where}: database entries share the {label} {', '.join(dupes)}: rename them")
    return entries


@dataclass(frozen=True)
class FleetConfig:
    """include/fleet.json: the databases migrate_fleet moves and how many at once each target server takes."""

    path: Path
    databases: list[DatabaseEntry]
    targets: dict[str, int]
    work_dir: str | None = None

    @classmethod
    def load(cls, path: str | Path | None = None) -> FleetConfig:
        """Read and validate the fleet config."""
        path = Path(path) if path else settings.fleet_config()
        data = _read(path)
        entries = _entries(data, str(path))
        raw_targets = data.get("targets") or {}
        if not isinstance(raw_targets, dict) or not all(isinstance(v, dict) for v in raw_targets.values()):
            raise MigrationError(f'{path}: "targets" must be an object of {{conn_id: {{"max_parallel": N}}}}')
        targets: dict[str, int] = {}
        for entry in entries:
            limit = (raw_targets.get(entry.target_conn_id) or {}).get("max_parallel", 1)
            if not _at_least_one(limit):
                raise MigrationError(f"{path}: targets.{entry.target_conn_id}.max_parallel must be an integer >= 1")
            targets[entry.target_conn_id] = limit
        return cls(path=path, databases=entries, targets=targets, work_dir=data.get("work_dir") or None)

    def pools(self) -> dict[str, int]:
        """Pool name -> slots, one pool per target connection."""
        return {pool_name(conn_id): limit for conn_id, limit in self.targets.items()}


@dataclass(frozen=True)
class RehearsalConfig:
    """include/rehearsals.json: which databases rehearse_migrations rehearses, when, and into which server."""

    path: Path
    databases: list[DatabaseEntry]
    schedule: str | None = "@weekly"
    max_parallel: int = 1
    work_dir: str | None = None

    @classmethod
    def load(cls, path: str | Path | None = None) -> RehearsalConfig:
        """Read and validate the rehearsal config."""
        path = Path(path) if path else settings.rehearsals_config()
        data = _read(path)
        max_parallel = data.get("max_parallel", 1)
        if not _at_least_one(max_parallel):
            raise MigrationError(f"{path}: max_parallel must be an integer >= 1")
        return cls(
            path=path,
            databases=_entries(data, str(path)),
            schedule=data.get("schedule", "@weekly"),
            max_parallel=max_parallel,
            work_dir=data.get("work_dir") or None,
        )


def pools_json(config: FleetConfig) -> str:
    """The fleet's pools in the form `airflow pools import` reads (deferred runs hold their slot)."""
    return json.dumps(
        {
            name: {
                "slots": slots,
                "description": "migrate_fleet: migrations at once into one target server",
                "include_deferred": True,
            }
            for name, slots in config.pools().items()
        },
        indent=2,
    )


if __name__ == "__main__":  # python -m timescale_migration.fleet.fleetconfig pools > pools.json
    import sys

    if sys.argv[1:] != ["pools"]:
        sys.exit("usage: python -m timescale_migration.fleet.fleetconfig pools")
    print(pools_json(FleetConfig.load()))
