"""Unit tests of timescale_migration.fleet.assets: the asset of a migrated target database, the alias cutover emits
through, and which task of migrate_database may emit it (cutover only: never verify, never a rollback)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest
from airflow.sdk import Asset, AssetAlias

from timescale_migration import phases
from timescale_migration.constants import ASSET_SCHEME, TARGETS_ASSET_ALIAS
from timescale_migration.fleet.assets import target_asset, targets_alias

pytestmark = pytest.mark.unit


def test_target_asset_plain_names() -> None:
    """timescale-migration://<conn>/<database>, named migrated:<conn>/<database>, in the migration's group."""
    asset = target_asset("migration_target", "tsdb")
    assert isinstance(asset, Asset)
    assert asset.uri == "timescale-migration://migration_target/tsdb"
    assert asset.name == "migrated:migration_target/tsdb"
    assert asset.group == "timescale-migration"


@pytest.mark.parametrize(
    ("conn_id", "database", "uri"),
    [
        ("migration_target", "my db", "timescale-migration://migration_target/my%20db"),
        ("migration_target", "a/b", "timescale-migration://migration_target/a%2Fb"),
        ("my target", "tsdb", "timescale-migration://my%20target/tsdb"),
        ("user@host:5432", "db?x#y", "timescale-migration://user%40host%3A5432/db%3Fx%23y"),
        ("tgt", "données", "timescale-migration://tgt/donn%C3%A9es"),
    ],
    ids=["space", "slash", "conn-space", "uri-delimiters", "non-ascii"],
)
def test_target_asset_uri_quoting(conn_id: str, database: str, uri: str) -> None:
    """Both parts are fully URL-quoted, so spaces, slashes and URI delimiters stay inside their part."""
    asset = target_asset(conn_id, database)
    assert asset.uri == uri
    parts = urlsplit(asset.uri)
    assert parts.scheme == ASSET_SCHEME
    assert unquote(parts.netloc) == conn_id
    assert unquote(parts.path[1:]) == database


def test_target_asset_slash_does_not_merge_parts() -> None:
    """A slash in the connection id or in the database name never gives two targets the same URI."""
    assert target_asset("a/b", "c").uri != target_asset("a", "b/c").uri


def test_target_asset_name_quotes_like_the_uri() -> None:
    """The asset name quotes the connection and database as the URI does (a / inside a name stays apart)."""
    assert target_asset("my target", "my db/x").name == "migrated:my%20target/my%20db%2Fx"


def test_target_asset_equal_for_same_target() -> None:
    """The same target gives equal assets, so a DAG scheduled on one receives cutover's events."""
    assert target_asset("tgt", "tsdb") == target_asset("tgt", "tsdb")


def test_targets_alias() -> None:
    """The alias has the shared name and the migration's group."""
    alias = targets_alias()
    assert isinstance(alias, AssetAlias)
    assert alias.name == TARGETS_ASSET_ALIAS == "timescale_migration_targets"
    assert alias.group == "timescale-migration"


def test_target_asset_names_differ_for_different_targets() -> None:
    """Two different targets never get the same asset name."""
    assert target_asset("a/b", "c").name != target_asset("a", "b/c").name


def test_only_cutover_emits_in_migrate_database() -> None:
    """In the DAG, cutover is the one task with the alias as outlet: verify (before the second gate) and
    release_source (the rollback) emit nothing."""
    from airflow.dag_processing.dagbag import DagBag

    from devtools.servers import REPO

    dag = DagBag(dag_folder=str(REPO / "dags" / "migrate_database.py")).dags[phases.DAG_ID]
    emitting = {task.task_id for task in dag.tasks if targets_alias() in task.outlets}
    assert emitting == {phases.CUTOVER}
