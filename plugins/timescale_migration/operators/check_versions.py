"""check_versions: every check before the downtime but the extensions' (checks/registry.py CHECKS), then the one
refusal of the run, naming every blocking finding of both check tasks; else the plan.

It runs whatever check_extensions' outcome (trigger rule all_done) and writes preflight.json in the run's work
directory either way. Aligning TimescaleDB on an empty target is the only change this phase may make, and only
after every check of both tasks passed.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Context
from psycopg import sql as pgsql

from timescale_migration import phases
from timescale_migration.checks import findings, objects, preflight, registry
from timescale_migration.checks import timescaledb as timescaledb_checks
from timescale_migration.checks.plan import MigrationPlan, TimescaleInfo
from timescale_migration.constants import TIMESCALEDB
from timescale_migration.db import catalog, sqlfiles, timescale_features
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.operators.base import MigrationOperator

EARLIER = tuple(task for task in phases.PREFLIGHT if task != phases.CHECK_VERSIONS)
"""The check tasks before this one, whose findings it refuses the run with."""


class CheckVersionsOperator(MigrationOperator):
    """Run the checks; refuse the run once naming every blocking finding; align TimescaleDB; return the plan."""

    def execute(self, context: Context) -> dict[str, Any]:
        opts = self.migration_options(context)
        source, target = self.endpoints(context)
        run_dir = self.run_dir(context)
        ti = context["ti"]
        with preflight.opened(opts, source, target, run_dir, self.log) as pre:
            own = preflight.run(registry.CHECKS, pre)
            everything = findings.collect(ti, EARLIER) + findings.unfinished(ti, EARLIER) + own
            context_info = {
                "run": ti.run_id,
                "source": source.label,
                "target": target.label,
                "checks": [preflight.check_name(fn) for fn in (*registry.EXTENSION_CHECKS, *registry.CHECKS)],
            }
            report = preflight.write_report(run_dir, everything, context_info)
            stop = findings.blocking(everything)
            self.log.info("preflight: %d finding(s), %d blocking (%s)", len(everything), len(stop), report)
            findings.refuse_if_blocking(everything, "the preflight")
            timescale, aligned = self._timescaledb(pre)
            if aligned and timescale is not None:
                late = timescaledb_checks.after_alignment(
                    target,
                    timescale.version,
                    timescale.target_schema,
                    pre.target_info.user_name,
                    pre.target_superuser,
                    timescale_features.features(pre.src),
                )
                for finding in late:
                    self.log.error("preflight %s: %s", finding.severity, finding.describe())
                own, everything = own + late, everything + late
                preflight.write_report(run_dir, everything, context_info)
                findings.refuse_if_blocking(
                    everything,
                    "the preflight, once TimescaleDB was aligned on the target,",
                    f"only TimescaleDB was changed ({aligned} on the empty target)",
                )
            table_bytes = int(catalog.rows(pre.src, "copy/table_data_bytes")[0]["bytes"])
            role_passwords = pre.source_info.can_read_passwords
            if opts.roles and not role_passwords:
                self.log.warning(
                    "source user %s cannot read pg_authid: roles are dumped with --no-role-passwords; "
                    "set their passwords on the target afterwards",
                    pre.source_info.user_name,
                )
            plan = MigrationPlan(
                source={**pre.source_info.as_dict(), "table_bytes": table_bytes},
                target=pre.target_info.as_dict(),
                client_tools=pre.client_tools,
                timescaledb=timescale,
                source_extensions=pre.source_extensions,
                role_passwords=role_passwords,
                aligned=aligned,
                findings=[f.to_dict() for f in own],
                stripped_column_options=pre.notes.get(objects.STRIPPED_OPTIONS, []),
            )
        return plan.to_xcom()

    def _timescaledb(self, pre: preflight.Preflight) -> tuple[TimescaleInfo | None, str | None]:
        """TimescaleDB of both sides, aligned on the (checked empty) target when the check said so."""
        version = pre.timescaledb
        if version is None:
            return None, None
        action = pre.notes.get("timescaledb_action", "ok")
        target_version = pre.target_extensions.get(TIMESCALEDB, {}).get("version")
        aligned = None
        target_extensions = pre.target_extensions
        if action != "ok":
            self._align(pre.target, version, replace=action == "replace")
            aligned = f"{target_version or 'none'} -> {version}"
            # a new session: the checks' own has loaded the other version's library, and a backend that has
            # cannot use the extension at another version ("already loaded with a different version")
            with pre.target.connect() as conn:
                target_extensions = catalog.installed_extensions(conn)
        return TimescaleInfo(
            version, pre.source_extensions[TIMESCALEDB]["schema"], target_extensions[TIMESCALEDB]["schema"]
        ), aligned

    def _align(self, target: Endpoint, version: str, *, replace: bool) -> None:
        """Install TimescaleDB `version` on the (checked empty) target, each statement in its own session."""
        if replace:
            self.log.warning("dropping TimescaleDB from the empty target to install %s", version)
            with target.connect() as conn:
                catalog.run(conn, sqlfiles.compose("extensions/drop_extension", extension=TIMESCALEDB))
        self.log.info("creating extension timescaledb version %s on the target", version)
        with target.connect() as conn:
            catalog.run(
                conn,
                sqlfiles.compose(
                    "extensions/create_extension_version", extension=TIMESCALEDB, version=pgsql.Literal(version)
                ),
            )
