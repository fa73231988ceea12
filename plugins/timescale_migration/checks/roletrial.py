"""What the target's login may not do to the roles that exist on the target already: roles.sql, as dump_roles will
write it, tried there for those roles in a transaction that is rolled back. A login with CREATEROLE may alter and
grant only the roles it administers (PostgreSQL 16+: those it created); a role another administrator made keeps its
attributes and memberships, and verify then finds it different from the source's. Each refusal is a warning at the
gate that verify accepts for that role, instead of a difference found after the load.
"""

from __future__ import annotations

from collections import defaultdict

import psycopg
from psycopg import sql as pgsql

from timescale_migration import workdir
from timescale_migration.checks.findings import WARNING, Finding
from timescale_migration.checks.preflight import Preflight, check
from timescale_migration.constants import ROLES_FILE
from timescale_migration.db import catalog
from timescale_migration.db.roles import filter_roles, mask_password_hashes
from timescale_migration.tools.clienttools import pg_dumpall_roles_argv
from timescale_migration.tools.runner import ToolRunner

CHECK = "roles"
ROLES_SECTION = "roles"
"""Verify's section of roles (verify/inventory.py)."""


def roles_script(pre: Preflight) -> str:
    """pg_dumpall --roles-only of the source (password hashes masked at once), in a private file of the run's work
    directory that is removed straight away."""
    raw = workdir.private_file(pre.run_dir / f"{ROLES_FILE}.preflight")
    try:
        argv = pg_dumpall_roles_argv(pre.client_tools, pre.source.database, str(raw),
                                     passwords=pre.source_info.can_read_passwords)
        ToolRunner(pre.log).run(argv, pre.source.libpq_env())
        text = raw.read_text(encoding="utf-8")
        mask_password_hashes(text)
        return text
    finally:
        workdir.remove(raw)


def refused_statements(conn: psycopg.Connection, statements: list[tuple[str, str, str]], about: set[str]
                       ) -> dict[str, list[str]]:
    """roles.sql's statements, in order, each in a savepoint of one transaction that is rolled back (a role it
    creates exists for the statements after it, as in the load): role of `about` -> what the target refused
    about it ("ALTER ROLE "x": permission denied ...")."""
    refused: dict[str, list[str]] = defaultdict(list)
    with conn.transaction(force_rollback=True):
        for role, statement, what in statements:
            try:
                with conn.transaction():
                    catalog.run(conn, pgsql.SQL(statement))  # type: ignore[arg-type]  # roles.sql's own text
            except psycopg.Error as err:
                if conn.broken:
                    raise
                if role in about:
                    refused[role].append(f"{what}: {err.diag.message_primary or err}")
    return dict(refused)


@check(CHECK, "role statements the target refuses")
def role_statements(pre: Preflight) -> list[Finding]:
    """With roles=true and a target login without superuser: roles.sql's statements about the roles the target has
    already, tried in a transaction that is rolled back; each role with a refusal is a warning verify accepts."""
    if not pre.opts.roles or pre.target_superuser:
        return []
    existing = {r["name"] for r in catalog.rows(pre.tgt, "roles/role_names")} - pre.reserved
    wanted = {r["name"] for r in catalog.rows(pre.src, "checks/roles")} & existing
    if not wanted:
        return []
    statements = filter_roles(roles_script(pre), pre.reserved).statements
    login = pre.target_info.user_name
    return [Finding(CHECK, WARNING, f'role "{role}"',
                    f"it exists on the target already and its login {login} may not make it as on the source: "
                    f"{'; '.join(why)}. It stays as the target has it",
                    (ROLES_SECTION, role),
                    remedy=f"have the target's superuser (or the role's administrator) make it as on the source, or "
                           f"grant {login} ADMIN OPTION on it before the run")
            for role, why in sorted(refused_statements(pre.tgt, statements, wanted).items())]
