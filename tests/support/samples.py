"""The samples of include/samples loaded into test databases, their cluster-wide roles renamed per test where a
test needs roles that do not exist on the target yet."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from psycopg import sql

from devtools.servers import REPO, Server

SAMPLES = REPO / "include" / "samples"
COMMUNITY = SAMPLES / "timescaledb_community_sample.sql"
COMMUNITY_ROLES = ("tsm_ts_owner", "tsm_app_reader")
"""The roles the community sample creates (cluster-wide)."""


def load(
    server: Server,
    dbname: str,
    sample: Path,
    *,
    suffix: str = "",
    roles: tuple[str, ...] = COMMUNITY_ROLES,
    timescaledb: str | None = None,
) -> dict[str, str]:
    """Load `sample` into `dbname` (TimescaleDB created first at `timescaledb`, a version, when given); with a
    `suffix`, each of `roles` is renamed role + "_" + suffix. Returns the original name -> the name used."""
    names = {role: f"{role}_{suffix}" if suffix else role for role in roles}
    text = sample.read_text(encoding="utf-8")
    for role, name in names.items():
        text = re.sub(rf"\b{re.escape(role)}\b", name, text)
    if timescaledb:
        with server.connect(dbname) as conn:
            conn.execute(
                sql.SQL("CREATE EXTENSION IF NOT EXISTS timescaledb VERSION {}").format(sql.Literal(timescaledb))
            )
    with tempfile.NamedTemporaryFile("w", suffix=".sql", encoding="utf-8") as script:
        script.write(text)
        script.flush()
        server.psql_file(dbname, Path(script.name))
    return names


def drop_roles(server: Server, names: dict[str, str]) -> None:
    """Drop the renamed roles from `server` (after the databases that used them)."""
    with server.connect() as conn:
        for name in names.values():
            if name not in COMMUNITY_ROLES:
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
