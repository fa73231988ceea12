"""The roles the target has already, as roles.sql (dump_roles' file) will leave them: roles.sql tried there in a
transaction that is rolled back, then each such role compared with the source's. A login with CREATEROLE may alter
and grant only the roles it administers (PostgreSQL 16+: those it created), and roles.sql never takes away what only
the target gave a role (a membership, a limit another administrator set): such a role differs from the source's
after the load. Each is a warning at the gate that verify accepts for that role, instead of a difference found
after the downtime.
"""

from __future__ import annotations

import re
from collections import defaultdict

import psycopg
from psycopg import sql as pgsql

from timescale_migration import workdir
from timescale_migration.checks.findings import WARNING, Finding
from timescale_migration.checks.preflight import Preflight, check
from timescale_migration.constants import ROLES_FILE
from timescale_migration.db import catalog
from timescale_migration.db.roles import filter_roles, mask_password_hashes
from timescale_migration.exceptions import MigrationError
from timescale_migration.tools.clienttools import pg_dumpall_roles_argv
from timescale_migration.tools.runner import ToolRunner

CHECK = "roles"
PASSWORD_NOT_SET = " (its password is not set as on the source)"
_PASSWORD = re.compile(r"\bPASSWORD\b", re.IGNORECASE)
ROLES_SECTION = "roles"
"""Verify's section of roles (verify/inventory.py)."""


def roles_script(pre: Preflight) -> str:
    """pg_dumpall --roles-only of the source (password hashes masked at once), in a private file of the run's work
    directory that is removed straight away."""
    raw = workdir.private_file(pre.run_dir / f"{ROLES_FILE}.preflight")
    try:
        argv = pg_dumpall_roles_argv(
            pre.client_tools, pre.source.database, str(raw), passwords=pre.source_info.can_read_passwords
        )
        ToolRunner(pre.log).run(argv, pre.source.libpq_env())
        text = raw.read_text(encoding="utf-8")
        mask_password_hashes(text)
        return text
    finally:
        workdir.remove(raw)


def trial(
    conn: psycopg.Connection, statements: list[tuple[str, str, str]], about: set[str]
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """roles.sql's statements, in order, each in a savepoint of one transaction that is rolled back (a role it
    creates exists for the statements after it, as in the load): (role of `about` -> what the target refused about
    it, role of `about` -> how the roles inventory shows it once roles.sql ran)."""
    refused: dict[str, list[str]] = defaultdict(list)
    with conn.transaction(force_rollback=True):
        for role, statement, what in statements:
            try:
                with conn.transaction():
                    catalog.run(conn, pgsql.SQL(statement))  # roles.sql's own text
            except psycopg.errors.DuplicateObject:
                continue  # CREATE ROLE of a role the target has: roles.sql keeps it (idempotent_create)
            except psycopg.Error as err:
                if conn.broken:
                    raise
                if role in about:
                    password = PASSWORD_NOT_SET if _PASSWORD.search(statement) else ""
                    refused[role].append(f"{what}: {err.diag.message_primary or err}{password}")
        after = {r["name"]: r["detail"] for r in catalog.rows(conn, "inventory/roles") if r["name"] in about}
    return dict(refused), after


@check(CHECK, "roles the target has already")
def role_statements(pre: Preflight) -> list[Finding]:
    """With roles=true: roles.sql's statements, tried on the target in a transaction that is rolled back; each role
    the target has already that will still differ from the source's (a statement the login may not run, or what
    roles.sql never takes away, such as a membership only the target has) is a warning verify accepts."""
    if not pre.opts.roles:
        return []
    existing = {r["name"] for r in catalog.rows(pre.tgt, "roles/role_names")} - pre.reserved
    source = {r["name"]: r["detail"] for r in catalog.rows(pre.src, "inventory/roles")}
    wanted = existing & set(source)
    if not wanted:
        return []
    try:
        _ = pre.client_tools  # the dump needs them; without them the client tools check refuses the run
    except MigrationError:
        pre.log.info("roles the target has already: not tried, without client tools to dump them (above)")
        return []
    statements = filter_roles(roles_script(pre), pre.reserved).statements
    refused, after = trial(pre.tgt, statements, wanted)
    login = pre.target_info.user_name
    found = []
    for role in sorted(wanted):
        passwords = [why for why in refused.get(role, []) if why.endswith(PASSWORD_NOT_SET)]
        if after.get(role) == source[role] and not passwords:
            continue
        why = "; ".join(refused.get(role, [])) or "roles.sql never takes away what only the target gave it"
        differs = (
            f" and will differ from the source's after roles.sql (source: {source[role]}; target: {after.get(role)})"
            if after.get(role) != source[role]
            else ""
        )
        found.append(
            Finding(
                CHECK,
                WARNING,
                f'role "{role}"',
                f"it exists on the target already{differs}: {why}. It stays as the target has it",
                (ROLES_SECTION, role),
                remedy=f"have the target's superuser (or the role's administrator) make it as on the "
                f"source, or grant {login} ADMIN OPTION on it, before the run",
            )
        )
    return found
