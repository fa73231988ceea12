"""dump_roles: pg_dumpall --roles-only, filtered for a target without superuser."""

from __future__ import annotations

from typing import Any

from airflow.sdk import Context

from timescale_migration import workdir
from timescale_migration.constants import ROLES_FILE, TARGET_RESERVED_ROLES
from timescale_migration.db.roles import filter_roles, mask_password_hashes
from timescale_migration.exceptions import ClientToolFailed
from timescale_migration.operators.base import MigrationOperator
from timescale_migration.tools.clienttools import pg_dumpall_roles_argv


class DumpRolesOperator(MigrationOperator):
    """Write roles.sql in the run's work directory (mode 0600), or nothing when the run's roles param is false."""

    def execute(self, context: Context) -> dict[str, Any]:
        opts = self.migration_options(context)
        out = self.run_dir(context) / ROLES_FILE
        if not opts.roles:
            workdir.remove(out)
            self.log.info("roles=false: roles are not migrated; create them on the target yourself")
            return {"roles_file": None}
        plan = self.plan(context)
        source, _ = self.endpoints(context)
        raw = workdir.private_file(out.with_suffix(".raw"))
        try:
            argv = pg_dumpall_roles_argv(plan.client_tools, source.database, str(raw), passwords=plan.role_passwords)
            try:
                self.runner.run(argv, source.libpq_env())
            except ClientToolFailed as err:
                raise ClientToolFailed(f"dumping roles from {source.label} failed: {err}") from err
            text = raw.read_text(encoding="utf-8")
            masked = mask_password_hashes(text)  # before anything can log one
            reserved = {*TARGET_RESERVED_ROLES, plan.target["user_name"]}
            result = filter_roles(text, reserved)
        finally:
            workdir.remove(raw)
        workdir.write_atomically(out, result.text)  # a crash leaves roles.partial, a secret file too
        for line in result.dropped:
            self.log.info("dropped %s", line)
        for line in result.changed:
            self.log.info("changed %s", line)
        self.log.info(
            "%d role(s) to load: %s (%d password hash(es), masked in the logs)",
            len(result.roles),
            ", ".join(result.roles) or "none",
            masked,
        )
        return {"roles_file": str(out), "roles": result.roles}
