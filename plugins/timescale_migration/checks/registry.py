"""Which checks run before the downtime, and in which task: the one place a check is registered.

To add a check: write a function `(Preflight) -> list[Finding]` marked `@check(name, about)` in a module of
checks/ (one module per concern; see checks/preflight.py), then add it to one of the two lists below. Both tasks
always run; check_versions refuses the run once, naming every blocking finding of both, and aligns TimescaleDB on
an empty target only after that.
"""

from __future__ import annotations

from timescale_migration.checks import (
    definitions,
    drainrecord,
    extensions,
    hypertables,
    locales,
    locks,
    objects,
    ownership,
    replication,
    roletrial,
    sessiondefaults,
    space,
    target,
    timescaledb,
    versions,
)

EXTENSION_CHECKS = (
    extensions.missing,
    extensions.versions,
    extensions.creatable,
)
"""Run by check_extensions."""

CHECKS = (
    versions.postgres,
    versions.client_tools,
    versions.timescaledb,
    versions.timescaledb_features,
    timescaledb.catalog_queries,
    timescaledb.restore_mode,
    timescaledb.jobs,
    target.empty,
    space.work_dir,
    space.target,
    drainrecord.block_records,
    objects.superuser_only,
    objects.foreign_servers,
    objects.subscriptions,
    objects.column_options,
    objects.invalid_indexes,
    definitions.security_labels,
    definitions.compression,
    definitions.dictionaries,
    definitions.c_libraries,
    objects.roles,
    roletrial.role_statements,
    locks.lock_table,
    locales.encoding_and_locale,
    locales.collations,
    locales.tablespaces,
    replication.slots_and_publications,
    sessiondefaults.database_settings,
    ownership.owners_and_privileges,
    hypertables.tables,
)
"""Run by check_versions, after which the run is refused or passes."""
