"""apply_privileges: owners and privileges as on the source, re-applied to the loaded target before verify.

The guide's `--no-owner --no-privileges` leave every object owned by the target's login with no GRANT. With the
`privileges` param `as_source` (the default) owners, GRANTs on schemas, tables, columns, sequences, functions,
types and large objects and ALTER DEFAULT PRIVILEGES are set as on the source (roles by name; GRANTs on a
hypertable reach its chunks); what the check before the gate found the login cannot do is skipped (it was shown
there). The source is only read.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from airflow.sdk import Context

from timescale_migration.checks import findings
from timescale_migration.checks.ownership import OWNER_CHECK
from timescale_migration.constants import TARGET_RESERVED_ROLES
from timescale_migration.db import catalog, grants, privileges, timescale_features
from timescale_migration.exceptions import MigrationError
from timescale_migration.operators.base import MigrationOperator


class ApplyPrivilegesOperator(MigrationOperator):
    """Owners, then GRANT/REVOKE and ALTER DEFAULT PRIVILEGES where the target differs from the source (idempotent)."""

    def execute(self, context: Context) -> dict[str, Any]:
        opts = self.migration_options(context)
        plan = self.plan(context)
        source, target = self.endpoints(context)
        gate = findings.collect(context["ti"])
        jobs = self._job_owners(plan, source, target, gate)
        if opts.privileges == "none":
            self.log.info(
                "privileges=none: owners and privileges left as the load made them (the target's login "
                "owns everything; no GRANT was applied)"
            )
            return {"privileges": "none", **jobs}
        announced = [(f.check, f.expected[1]) for f in gate if f.expected and f.expected[0] == privileges.SECTION]
        keep_owner = {key for check, key in announced if check == OWNER_CHECK}
        skip = {key for check, key in announced if check != OWNER_CHECK}
        login = plan.target["user_name"]
        rename = privileges.renamer({*TARGET_RESERVED_ROLES, login}, login)
        with ThreadPoolExecutor(max_workers=1) as reader, target.connect() as conn:
            source_read = reader.submit(self._source_privileges, source)  # both sides read at once
            current = privileges.read_objects(conn)
            objects, defaults = source_read.result()
            done = grants.apply(
                conn,
                objects,
                defaults,
                rename,
                privileges.dropped(plan.source["major"]),
                skip,
                self.log,
                keep_owner=keep_owner,
                current=current,
            )
        self.log.info(
            "on %s: %d owner(s) set, %d GRANT/REVOKE, %d default privilege statement(s), %d membership(s) "
            "the login took; %d object(s) left as the gate listed, %d kept the login as owner",
            target.label,
            done["owners"],
            done["grants"],
            done["defaults"],
            done["memberships"],
            len(skip),
            len(keep_owner),
        )
        if done["failed"]:
            raise MigrationError(
                f"{len(done['failed'])} owner/privilege statement(s) were refused on {target.label}, which the check "
                "before the downtime did not foresee (the rest was applied): "
                + "; ".join(done["failed"][:20])
                + ". Apply them yourself (or fix the cause and clear this task), then clear verify"
            )
        return {"privileges": "as_source", **jobs, **{k: v for k, v in done.items() if k != "failed"}}

    @staticmethod
    def _source_privileges(source: Any) -> tuple[list[privileges.ObjectPrivileges], list[privileges.DefaultPrivileges]]:
        with source.connect() as conn:
            return privileges.read_objects(conn), privileges.read_defaults(conn)

    def _job_owners(self, plan: Any, source: Any, target: Any, gate: list[findings.Finding]) -> dict[str, Any]:
        """TimescaleDB's jobs owned on the target as on the source (a role reserved there stands for the login, as
        for every other object: a job owned by the source's postgres must not run as the target's), but those
        the gate said the login may not change."""
        if plan.timescaledb is None:
            return {}
        skip = {f.expected[1] for f in gate if f.expected and f.expected[0] == timescale_features.JOBS_SECTION}
        login = plan.target["user_name"]
        rename = privileges.renamer({*TARGET_RESERVED_ROLES, login}, login)
        with source.connect() as conn:
            jobs = catalog.rows(conn, "timescaledb/job_owners")
        with target.connect() as conn:
            changed = timescale_features.set_job_owners(conn, jobs, rename, skip)
        if changed:
            self.log.info(
                "job owners set on the target as the source's (reserved roles are the login): %s", "; ".join(changed)
            )
        return {"job_owners": len(changed)}
