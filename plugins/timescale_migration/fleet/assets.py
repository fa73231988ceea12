"""The Airflow asset of a migrated target database: downstream DAGs schedule on it.

cutover emits an event for `target_asset(target_conn_id, database)` through the alias TARGETS_ASSET_ALIAS when the
applications move to a verified target (a rollback at switch_apps emits none), e.g.
`schedule=[target_asset("migration_target", "tsdb")]` runs a DAG after each migration into tsdb.
"""

from __future__ import annotations

from urllib.parse import quote

from airflow.sdk import Asset, AssetAlias

from timescale_migration.constants import ASSET_SCHEME, TARGETS_ASSET_ALIAS


def target_asset(target_conn_id: str, database: str) -> Asset:
    """timescale-migration://<target_conn_id>/<database> (both URL-quoted)."""
    conn, db = quote(target_conn_id, safe=""), quote(database, safe="")
    return Asset(uri=f"{ASSET_SCHEME}://{conn}/{db}", name=f"migrated:{conn}/{db}", group="timescale-migration")


def targets_alias() -> AssetAlias:
    """The alias every migrate_database run's cutover task emits through."""
    return AssetAlias(name=TARGETS_ASSET_ALIAS, group="timescale-migration")
