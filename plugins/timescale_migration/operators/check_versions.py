"""check_versions: target PostgreSQL >= source, client tools new enough, identical TimescaleDB, an empty target.

Alignment of TimescaleDB on an empty target is the only change this phase may make, and only after every
other check passed.
"""

from __future__ import annotations

import shutil
from typing import Any

from psycopg import sql as pgsql

from timescale_migration import phases
from timescale_migration.checks import findings, hypertables
from timescale_migration.checks.plan import MigrationPlan, TimescaleInfo
from timescale_migration.constants import TARGET_RESERVED_ROLES, TIMESCALEDB
from timescale_migration.db import catalog, dbsettings, drain, privileges, sqlfiles, timescale_features
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.exceptions import MigrationError, TargetNotEmptyError, VersionCheckError
from timescale_migration.operators.base import MigrationOperator
from timescale_migration.options import MigrationOptions
from timescale_migration.tools.clienttools import find_client_tools

DUMP_SIZE_MARGIN = 1.2
"""A plain dump is about as large as the table data (no indexes); 20% more covers text that grows."""


def check_majors(source_major: int, target_major: int, source: str, target: str) -> None:
    """The target's PostgreSQL major version must be at least the source's."""
    if target_major < source_major:
        raise VersionCheckError(
            f"target PostgreSQL {target_major} is older than source PostgreSQL {source_major} "
            f"({target} < {source}): use a target running PostgreSQL {source_major} or newer"
        )


def timescaledb_action(source_version: str, target_version: str | None, installable: list[str]) -> str:
    """What to do about TimescaleDB: "ok", "create" or "replace" (on an empty target), else raise."""
    if target_version == source_version:
        return "ok"
    if source_version in installable:
        return "replace" if target_version else "create"
    raise VersionCheckError(
        f"TimescaleDB differs: source {source_version}, target {target_version or 'not installed'}, and the "
        f"target cannot install {source_version} (it offers {', '.join(installable) or 'no version'}). "
        f"Update the source with ALTER EXTENSION timescaledb UPDATE TO '<target version>' or use a target "
        f"that offers {source_version}"
    )


class CheckVersionsOperator(MigrationOperator):
    """Check versions and target emptiness; align TimescaleDB on an empty target; return the plan."""

    def execute(self, context: Any) -> dict[str, Any]:
        opts = self.migration_options(context)
        source, target = self.endpoints(context)
        with source.connect() as conn:
            src_info = catalog.server_info(conn)
            src_ext = catalog.installed_extensions(conn)
            table_bytes = int(catalog.rows(conn, "copy/table_data_bytes")[0]["bytes"])
        with target.connect() as conn:
            tgt_info = catalog.server_info(conn)
            tgt_ext = catalog.installed_extensions(conn)
            tgt_objects = catalog.user_objects(conn)
            ts_installable = catalog.available_versions(conn, TIMESCALEDB)
        self.log.info("source: PostgreSQL %s, %s", src_info.version, source.label)
        self.log.info("target: PostgreSQL %s, %s", tgt_info.version, target.label)
        check_majors(src_info.major, tgt_info.major, src_info.version, tgt_info.version)
        tools = find_client_tools(opts.pg_bin_dir, max(src_info.major, tgt_info.major))
        self.log.info("client tools: version %s in %s", tools.version, tools.bin_dir)
        self._check_room(context, table_bytes)
        if opts.drain:
            self._check_block_records(source, src_info.user_name)
        if tgt_objects:
            raise TargetNotEmptyError(
                f"{target.label} is not empty; it holds {', '.join(tgt_objects[:10])}"
                f"{' and more' if len(tgt_objects) > 10 else ''}. Migrate into an empty database "
                "(drop and recreate it, or set target_database); nothing was changed."
            )
        found = self._preflight(opts, source, target, tgt_info.user_name)
        findings.refuse_if_blocking(found, phases.CHECK_VERSIONS)
        timescale = None
        aligned = None
        if TIMESCALEDB in src_ext:
            version = src_ext[TIMESCALEDB]["version"]
            target_version = tgt_ext.get(TIMESCALEDB, {}).get("version")
            action = timescaledb_action(version, target_version, ts_installable)
            self.log.info("TimescaleDB: source %s, target %s", version, target_version or "not installed")
            self._check_features(source, target, version)
            if action != "ok":
                self._align(target, version, replace=action == "replace")
                aligned = f"{target_version or 'none'} -> {version}"
            with target.connect() as conn:
                tgt_ext = catalog.installed_extensions(conn)
            timescale = TimescaleInfo(version, src_ext[TIMESCALEDB]["schema"], tgt_ext[TIMESCALEDB]["schema"])
        role_passwords = src_info.can_read_passwords
        if opts.roles and not role_passwords:
            self.log.warning("source user %s cannot read pg_authid: roles are dumped with --no-role-passwords; "
                             "set their passwords on the target afterwards", src_info.user_name)
        plan = MigrationPlan(
            source={**src_info.as_dict(), "table_bytes": table_bytes},
            target=tgt_info.as_dict(),
            client_tools=tools,
            timescaledb=timescale,
            source_extensions=src_ext,
            role_passwords=role_passwords,
            aligned=aligned,
            findings=[f.to_dict() for f in found],
        )
        return plan.to_xcom()

    def _preflight(self, opts: MigrationOptions, source: Endpoint, target: Endpoint, target_user: str
                   ) -> list[findings.Finding]:
        """Findings about what the target will not get (database settings, owners and privileges), each logged;
        nothing is changed."""
        reserved = {*TARGET_RESERVED_ROLES, target_user}
        with source.connect() as src, target.connect() as tgt:
            found = dbsettings.preflight(src, tgt, target.database, reserved, roles_migrated=opts.roles)
            if opts.privileges == "as_source":
                found += privileges.preflight(src, tgt, reserved, target_user, roles_migrated=opts.roles)
            found += hypertables.preflight(opts, src, tgt)
        for finding in found:
            self.log.warning("preflight %s: %s", finding.severity, finding.describe())
        return found

    def _check_features(self, source: Endpoint, target: Endpoint, version: str) -> None:
        """The target's build runs what the source uses; a 2.19 target can load every compressed batch."""
        with source.connect() as conn:
            used = timescale_features.features(conn)
            with target.connect() as tconn:
                target_license = catalog.rows(tconn, "timescaledb/license")[0]["license"]
            self.log.info("TimescaleDB builds: source %s, target %s; the source uses %s", used.license,
                          target_license, ", ".join(used.used()) or "no community feature")
            timescale_features.check_builds(used, target_license)
            if used.compressed_chunks and used.community and timescale_features.loads_all_null_batches(version):
                self.log.info("checking %d compressed chunk(s) for batches TimescaleDB %s cannot load (%s)",
                              used.compressed_chunks, version, timescale_features.ALL_NULL_BATCH_ISSUE)
                found = timescale_features.all_null_batches(conn)
                timescale_features.refuse_all_null_batches(found, version, version)

    def _check_room(self, context: Any, table_bytes: int) -> None:
        """The work directory must hold the dump: about the size of the source's table data, plus a margin."""
        needed = int(table_bytes * DUMP_SIZE_MARGIN)
        run_dir = self.run_dir(context)
        free = shutil.disk_usage(run_dir).free
        self.log.info("work directory %s: %.1f MB free, the dump needs about %.1f MB", run_dir, free / 1e6,
                      needed / 1e6)
        if free < needed:
            raise MigrationError(
                f"not enough room for the dump in {run_dir}: {free / 1e6:,.1f} MB free, about {needed / 1e6:,.1f} MB "
                "needed (the source's table data plus 20%). Free space or set work_dir elsewhere; nothing was changed."
            )

    def _check_block_records(self, source: Endpoint, user: str) -> None:
        """drain_source will need to keep its block record on the source server: refuse now, before the gate,
        what would stop it then."""
        drain.refuse_record_database(source.database)
        records, where = drain.records_place(source.label)
        with source.connect(records) as conn:
            present, writable = drain.can_keep_records(conn)
        if not writable:
            raise MigrationError(drain.unwritable_message(where, user, present=present).replace(
                "Nothing was revoked", "Nothing was changed"))
        self.log.info("the drain can keep its block record in %s", where)

    def _align(self, target: Endpoint, version: str, *, replace: bool) -> None:
        """Install TimescaleDB `version` on the (checked empty) target, each statement in its own session."""
        if replace:
            self.log.warning("dropping TimescaleDB from the empty target to install %s", version)
            with target.connect() as conn:
                catalog.run(conn, sqlfiles.compose("extensions/drop_extension", extension=TIMESCALEDB))
        self.log.info("creating extension timescaledb version %s on the target", version)
        with target.connect() as conn:
            catalog.run(conn, sqlfiles.compose("extensions/create_extension_version", extension=TIMESCALEDB,
                                          version=pgsql.Literal(version)))
