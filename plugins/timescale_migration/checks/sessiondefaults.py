"""The database's settings and comment (db/dbsettings.py): what of the source's the target will not get, tried on
the target in a transaction that is rolled back, and what the target has on its own. Warnings whose differences
verify accepts; nothing changes on either side."""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
from psycopg import sql as pgsql

from timescale_migration.checks.findings import WARNING, Finding
from timescale_migration.checks.preflight import Preflight, check
from timescale_migration.db import catalog
from timescale_migration.db.dbsettings import COMMENT_KEY, SECTION, Setting, comment_statement, read, set_statement

CHECK = "database settings"


@check(CHECK, "the database's settings and comment")
def database_settings(pre: Preflight) -> list[Finding]:
    """Each setting the target refuses (tried in a transaction that is rolled back), of a reserved role, or only
    on the target."""
    return preflight(pre.src, pre.tgt, pre.target.database, pre.reserved, roles_migrated=pre.opts.roles)


def preflight(
    source: psycopg.Connection, target: psycopg.Connection, database: str, reserved: set[str], *, roles_migrated: bool
) -> list[Finding]:
    """What of the source's settings the target will not get (and what the target has on its own), as warnings
    whose differences verify accepts. Nothing changes on either side."""
    src, tgt = read(source), read(target)
    target_roles = {r["name"] for r in catalog.rows(target, "roles/role_names")}
    findings: list[Finding] = []

    def warn(key: str, subject: str, message: str) -> None:
        findings.append(Finding(CHECK, WARNING, subject, message, (SECTION, key)))

    applicable = []
    for s in src.settings:
        if s.role is not None and (s.role in reserved or s.role.startswith("pg_")):
            warn(
                s.key,
                s.describe(),
                f'not applied: role "{s.role}" is reserved on the target (the migration does not create or alter it)',
            )
        elif s.role is not None and not roles_migrated and s.role not in target_roles:
            warn(s.key, s.describe(), f'not applied: roles=false and role "{s.role}" does not exist on the target')
        else:
            applicable.append(s)
    for key, why in probe(target, database, applicable, src.comment, target_roles):
        subject = next((s.describe() for s in applicable if s.key == key), key)
        warn(key, subject, why)
    src_items = src.inventory()
    for key, value in tgt.inventory().items():
        if key not in src_items:
            warn(
                key,
                f"{key} = {value} (target only)",
                "the target database already has it and the source does "
                "not: it is kept, so sessions on the target get it",
            )
    return findings


def probe(
    conn: psycopg.Connection, database: str, settings: Iterable[Setting], comment: str | None, existing_roles: set[str]
) -> list[tuple[str, str]]:
    """Try every setting (and the comment) on the target in a transaction that is rolled back: (key, why) of
    each one it refuses. A role not created yet is tried as the login's own setting: same parameter checks."""
    refused: list[tuple[str, str]] = []
    with conn.transaction(force_rollback=True):
        for setting in settings:
            role = None if setting.role is None or setting.role in existing_roles else pgsql.SQL("CURRENT_USER")
            try:
                with conn.transaction():
                    catalog.run(conn, set_statement(database, setting, role))
            except psycopg.Error as err:
                if conn.broken:
                    raise
                refused.append((setting.key, _refusal(conn, setting.parameter, err)))
        if comment is not None:
            try:
                with conn.transaction():
                    catalog.run(conn, comment_statement(database, comment))
            except psycopg.Error as err:
                if conn.broken:
                    raise
                refused.append((COMMENT_KEY, _refusal(conn, None, err)))
    return refused


def _refusal(conn: psycopg.Connection, parameter: str | None, err: psycopg.Error) -> str:
    """Why the target refused a setting, and what to do about it."""
    message = err.diag.message_primary or str(err)
    if parameter is None:
        return (
            f"the target refuses to set the database's comment ({message}): the target login must own the "
            "database; set it there yourself"
        )
    context = catalog.rows(conn, "server/parameter_context", {"name": parameter})
    if not context:
        why = "the target does not know this parameter (is the extension that defines it missing or not loaded?)"
    elif context[0]["context"] == "superuser":
        why = "only a superuser, or a role granted SET on it, may set it there"
    else:
        why = f"a {context[0]['context']}-level parameter"
    return (
        f"the target refuses it ({message}): {why}. It will not be set on the target: applications get the "
        "target's default; set it there by other means (e.g. the provider's support) or accept that"
    )
