"""Owners and privileges set on the target as the source has them (db/privileges.py reads both sides).

The target is brought to the source's state by differences only (ALTER ... OWNER, GRANT, REVOKE, ALTER DEFAULT
PRIVILEGES), each statement on its own, so a retry does what is left and nothing twice. What TimescaleDB derives
(MANAGED) is never named: it follows the object it derives from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import psycopg
from psycopg import sql as pgsql

from timescale_migration.db import catalog, sqlfiles
from timescale_migration.db.privileges import (
    CONTINUOUS_AGGREGATE,
    DEFAULT_OBJECTS,
    DefaultPrivileges,
    Entry,
    ObjectPrivileges,
    default_baseline,
    read_defaults,
    read_objects,
)

PRIVILEGE_WORDS = frozenset(
    {
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "TRUNCATE",
        "REFERENCES",
        "TRIGGER",
        "MAINTAIN",
        "USAGE",
        "CREATE",
        "EXECUTE",
    }
)
OWNER_KEYWORDS = {
    "schema": "SCHEMA",
    "table": "TABLE",
    "view": "VIEW",
    "materialized view": "MATERIALIZED VIEW",
    CONTINUOUS_AGGREGATE: "MATERIALIZED VIEW",
    "sequence": "SEQUENCE",
    "foreign table": "FOREIGN TABLE",
    "function": "FUNCTION",
    "procedure": "PROCEDURE",
    "aggregate": "AGGREGATE",
    "type": "TYPE",
    "domain": "DOMAIN",
    "large object": "LARGE OBJECT",
}
GRANT_KEYWORDS = {
    **OWNER_KEYWORDS,
    "view": "TABLE",
    "materialized view": "TABLE",
    CONTINUOUS_AGGREGATE: "TABLE",
    "foreign table": "TABLE",
    "column": "TABLE",
    "aggregate": "FUNCTION",
}


def _entry_statements(
    names: tuple[str, str],
    values: Mapping[str, pgsql.Composable],
    want: set[Entry],
    have: set[Entry],
    column: pgsql.Composable | None = None,
) -> list[pgsql.Composed]:
    """GRANTs and REVOKEs (from the two SQL files `names`, filled with `values`) that turn `have` into `want`
    (`column`: a column's privileges)."""
    statements = []
    wanted = {(g, p): o for g, p, o in want}
    held = {(g, p): o for g, p, o in have}

    def compose(name: str, grantee: str, privilege: str, **option: pgsql.Composable) -> pgsql.Composed:
        return sqlfiles.compose(
            name, privilege=_privilege(privilege, column), grantee=_grantee(grantee), **option, **values
        )

    for (grantee, privilege), option in sorted(wanted.items()):
        if held.get((grantee, privilege)) is None or (option and not held[(grantee, privilege)]):
            grant_option = pgsql.SQL(" WITH GRANT OPTION" if option else "")
            statements.append(compose(names[0], grantee, privilege, grant_option=grant_option))
    for (grantee, privilege), option in sorted(held.items()):
        if (grantee, privilege) not in wanted or (option and not wanted[(grantee, privilege)]):
            only_option = (grantee, privilege) in wanted
            grant_option_for = pgsql.SQL("GRANT OPTION FOR " if only_option else "")
            statements.append(compose(names[1], grantee, privilege, grant_option_for=grant_option_for))
    return statements


def _privilege(word: str, column: pgsql.Composable | None) -> pgsql.Composable:
    if word not in PRIVILEGE_WORDS:
        raise ValueError(f"unknown privilege {word!r}")
    return pgsql.SQL(word) if column is None else pgsql.SQL("{} ({})").format(pgsql.SQL(word), column)


def _grantee(name: str) -> pgsql.Composable:
    return pgsql.SQL("PUBLIC") if name == "PUBLIC" else pgsql.Identifier(name)


def grant_statements(obj: ObjectPrivileges, want: set[Entry], have: set[Entry]) -> list[pgsql.Composed]:
    """The GRANTs and REVOKEs that give one object on the target the wanted privileges."""
    target = pgsql.SQL("{} {}").format(pgsql.SQL(GRANT_KEYWORDS[obj.kind]), obj.target())
    column = pgsql.Identifier(obj.sub or "") if obj.kind == "column" else None
    return _entry_statements(
        ("privileges/grant_privilege", "privileges/revoke_privilege"), {"object": target}, want, have, column
    )


def owner_statement(obj: ObjectPrivileges, owner: str, *, lend_create: bool = False) -> pgsql.Composed:
    """ALTER <kind> <object> OWNER TO <owner>; with `lend_create`, between a GRANT and a REVOKE of CREATE on the
    object's schema to the new owner (which a login without superuser needs it to have)."""
    name = "privileges/alter_owner_with_schema_create" if lend_create else "privileges/alter_owner"
    extra = {"schema": pgsql.Identifier(obj.schema)} if lend_create and obj.schema else {}
    return sqlfiles.compose(
        name, kind=pgsql.SQL(OWNER_KEYWORDS[obj.kind]), object=obj.target(), owner=pgsql.Identifier(owner), **extra
    )


def default_statements(entry: DefaultPrivileges, role: str, want: set[Entry], have: set[Entry]) -> list[pgsql.Composed]:
    """ALTER DEFAULT PRIVILEGES statements that give `role` the wanted default privileges."""
    in_schema = (
        pgsql.SQL(" IN SCHEMA {}").format(pgsql.Identifier(entry.schema)) if entry.schema is not None else pgsql.SQL("")
    )
    values = {
        "role": pgsql.Identifier(role),
        "in_schema": in_schema,
        "object": pgsql.SQL(DEFAULT_OBJECTS[entry.objtype]),
    }
    names = ("privileges/alter_default_privileges_grant", "privileges/alter_default_privileges_revoke")
    return _entry_statements(names, values, want, have)


class StatementRunner:
    """Runs statements one by one, each in a savepoint: an error, or PostgreSQL's warning that a GRANT or REVOKE
    did nothing (SQLSTATE 01007/01006: the login lacks the grant option), is recorded and the rest goes on."""

    NOT_DONE = ("01006", "01007")

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.failed: list[tuple[str, str]] = []
        self.memberships = 0
        self._warnings: list[str] = []
        attributes = catalog.rows(conn, "server/login_attributes")[0]
        self.superuser = bool(attributes["superuser"])
        self.members = {r["name"] for r in catalog.rows(conn, "roles/role_membership") if r["member"]}
        conn.add_notice_handler(self._notice)

    def _notice(self, diag: Any) -> None:
        if diag.sqlstate in self.NOT_DONE:
            self._warnings.append(diag.message_primary or "nothing was granted or revoked")

    def __call__(self, statement: pgsql.Composed, what: str, key: str = "") -> bool:
        """Run one statement; False (and recorded under `key`) when the target refused it or did nothing."""
        self._warnings.clear()
        try:
            with self.conn.transaction():
                catalog.run(self.conn, statement)
        except psycopg.Error as err:
            if self.conn.broken:
                raise
            self.failed.append((key, f"{what}: {err.diag.message_primary or err}"))
            return False
        if self._warnings:
            self.failed.append((key, f"{what}: {self._warnings[0]}"))
            return False
        return True

    def become(self, role: str) -> None:
        """Make the login a member of `role` (GRANT ... TO CURRENT_USER) unless it is one or a superuser."""
        if self.superuser or role in self.members:
            return
        if self(sqlfiles.compose("roles/grant_role_to_current_user", role=role), f'membership in "{role}"'):
            self.members.add(role)
            self.memberships += 1


def _lacking_create(conn: psycopg.Connection, pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (role, schema) pairs where the role may not CREATE in the schema (none for a superuser login, which
    PostgreSQL does not ask it of)."""
    if not pairs or catalog.rows(conn, "server/login_attributes")[0]["superuser"]:
        return set()
    roles, schemas = sorted({r for r, _ in pairs}), sorted({s for _, s in pairs})
    allowed = {
        (r["role_name"], r["schema_name"]): r["allowed"]
        for r in catalog.rows(conn, "checks/schema_create_privilege", {"roles": roles, "schemas": schemas})
    }
    return {pair for pair in pairs if allowed.get(pair) is False}


def apply_objects(
    objects: list[ObjectPrivileges],
    conn: psycopg.Connection,
    rename: Callable[[str], str],
    drop: set[str],
    skip: set[str],
    run: Callable[..., bool],
    become: Callable[[str], None],
    done: dict[str, int],
    keep_owner: set[str] | None = None,
    roles: set[str] | None = None,
    current: list[ObjectPrivileges] | None = None,
) -> None:
    """Owners (but those in `keep_owner`; schemas first: a new owner needs CREATE on its object's schema), then
    privileges, of these objects where the target differs; nothing for those in `skip`. The target is read once
    before the owners and once after (not per object: thousands of chunks and partitions). Where the owner stays
    another role, the source's owner gets its rights by GRANT if it is one of the target's `roles`; `current`: the
    target's objects as just read, if the caller read them."""
    objects = [o for o in objects if not o.managed]  # TimescaleDB's: they follow the object they derive from
    keep_owner = keep_owner or set()
    target = {o.key: o for o in (read_objects(conn) if current is None else current)}
    for part in ([o for o in objects if o.kind == "schema"], [o for o in objects if o.kind != "schema"]):
        changes = [
            (obj, rename(obj.owner))
            for obj in part
            if obj.key not in skip
            and obj.key not in keep_owner
            and obj.kind != "column"
            and not obj.linked
            and obj.key in target
            and target[obj.key].owner != rename(obj.owner)
        ]
        lacking = _lacking_create(conn, [(owner, obj.schema) for obj, owner in changes if obj.schema])
        for obj, owner in changes:
            become(owner)
            if run(
                owner_statement(obj, owner, lend_create=(owner, obj.schema) in lacking), f"owner of {obj.key}", obj.key
            ):
                done["owners"] += 1
    if done["owners"]:
        target = {o.key: o for o in read_objects(conn)}
    for obj in objects:
        mine = target.get(obj.key)
        if mine is None and obj.kind == "column":  # a column without grants of its own yet
            mine = ObjectPrivileges(obj.kind, obj.schema, obj.name, obj.sub, obj.owner, False, frozenset())
        if obj.key in skip or mine is None:
            continue
        want = {(rename(g) if g != "PUBLIC" else g, p, o) for g, p, o in obj.acl if p not in drop}
        have = {(g, p, o) for g, p, o in mine.acl if p not in drop}
        if obj.kind != "column" and mine.owner != rename(obj.owner):
            # the owner stays another: it keeps its own rights; the source's owner gets its rights by GRANT where
            # it exists, so that the application that owned the object can still use it
            drop_grantees = {mine.owner} | (
                set() if roles is not None and rename(obj.owner) in roles else {rename(obj.owner)}
            )
            want = {e for e in want if e[0] not in drop_grantees}
            have = {e for e in have if e[0] != mine.owner}
        for statement in grant_statements(obj, want, have):
            if run(statement, f"privileges on {obj.key}", obj.key):
                done["grants"] += 1


def apply(
    conn: psycopg.Connection,
    source_objects: list[ObjectPrivileges],
    source_defaults: list[DefaultPrivileges],
    rename: Callable[[str], str],
    drop: set[str],
    skip: set[str],
    log: Any,
    keep_owner: set[str] | None = None,
    current: list[ObjectPrivileges] | None = None,
) -> dict[str, Any]:
    """Owners first (but those in `keep_owner`), then privileges and default privileges, each statement on its own
    (a refusal is collected, the rest goes on; nothing for the keys in `skip`); returns counts and the refusals.
    `current`: the target's objects (read_objects) if the caller has just read them."""
    done = {"owners": 0, "grants": 0, "defaults": 0}
    run = StatementRunner(conn)
    me = catalog.server_info(conn)

    def become(role: str) -> None:
        before = run.memberships
        run.become(role)
        if run.memberships > before:
            log.info(
                'the target\'s login %s is now a member of "%s" (it created it), so it may make it an owner',
                me.user_name,
                role,
            )

    roles = {r["name"] for r in catalog.rows(conn, "roles/role_names")}
    apply_objects(source_objects, conn, rename, drop, skip, run, become, done, keep_owner, roles, current)
    current_defaults = {d.key: d for d in read_defaults(conn)}
    for entry in source_defaults:
        role = rename(entry.role)
        if entry.key in skip:
            continue
        if entry.key in current_defaults:
            have = set(current_defaults[entry.key].acl)
        elif entry.schema is None:
            have = set(default_baseline(conn, entry.objtype, role))
        else:
            have = set()
        want = {(rename(g) if g != "PUBLIC" else g, p, o) for g, p, o in entry.acl if p not in drop}
        have = {e for e in have if e[1] not in drop}
        become(role)
        for statement in default_statements(entry, role, want, have):
            if run(statement, entry.key, entry.key):
                done["defaults"] += 1
    return {**done, "memberships": run.memberships, "failed": [why for _, why in run.failed]}
