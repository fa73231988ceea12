"""The ledger stays true to the servers it describes, on the real servers: the identity verify records (the
cluster's system identifier, the database's oid), and make airflow's start setting aside what no longer exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.local_airflow import reconcile_ledger
from devtools.servers import Servers
from timescale_migration.db import catalog
from timescale_migration.fleet import ledger

pytestmark = pytest.mark.integration


def test_identity_names_the_server_and_the_database(servers: Servers, unique: str) -> None:
    """Two servers have two system identifiers, as the login tsdbadmin reads them too; a database created again gets
    another oid; a missing database has none."""
    name = f"ledger_{unique}"
    with servers.tsdb_target.database(name), servers.tsdb_target.connect(user=servers.tsdb_target.login) as conn:
        first = catalog.database_identity(conn, name)
    with servers.tsdb_target.database(name), servers.tsdb_target.connect() as conn:
        again = catalog.database_identity(conn, name)
        gone = catalog.database_identity(conn, f"{name}_gone")
    with servers.tsdb18_target.connect() as conn:
        elsewhere = catalog.database_identity(conn, "postgres")
    assert first["system_identifier"] and first["system_identifier"] == again["system_identifier"]
    assert elsewhere["system_identifier"] != first["system_identifier"]
    assert first["database_oid"] != again["database_oid"] and gone["database_oid"] is None
    assert ledger.stale_because({"target_database": name, ledger.IDENTITY_KEY: first}, again) is not None


def test_make_airflow_sets_aside_records_that_no_longer_describe_the_servers(
    servers: Servers, unique: str, tmp_path: Path
) -> None:
    """After the servers were wiped (here: a database dropped, a record of another incarnation), make airflow's
    start sets those records aside and keeps the true ones and those of connections it does not know."""
    work, name = tmp_path / "work", f"ledger_{unique}"
    with servers.tsdb_target.database(name):
        with servers.tsdb_target.connect() as conn:
            now = catalog.database_identity(conn, name)
        records = {
            ("migration_target", name): now,
            ("migration_target", f"{name}_gone"): {**now, "database_oid": 1},
            ("tsdb18_target", name): now,  # the same name on the other server: no such database there
            ("migration_target", "postgres"): {**now, "database_oid": 5, "system_identifier": "1"},
            ("elsewhere", name): None,
        }
        for (conn_id, database), identity in records.items():
            ledger.write(
                str(work),
                conn_id,
                database,
                {
                    "target_conn_id": conn_id,
                    "target_database": database,
                    "run_id": f"run_{database}",
                    ledger.IDENTITY_KEY: identity,
                },
            )
        notes = reconcile_ledger(work, servers)
        kept = sorted((r["target_conn_id"], r["target_database"]) for r in ledger.records(str(work)))
    assert kept == [("elsewhere", name), ("migration_target", name)]
    assert len(notes) == 3 and all("set aside" in note for note in notes)
    assert any("no longer exists" in note for note in notes) and any("another one now" in note for note in notes)
