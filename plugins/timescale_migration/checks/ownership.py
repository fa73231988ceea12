"""Owners and privileges, with privileges=as_source: what db/grants.py will not make on the target as the source
has it (an owner the target's login cannot become, a grantee that will not exist there, what the target refuses on
objects it holds already). Warnings whose differences verify accepts; nothing changes on either side."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import psycopg

from timescale_migration.checks.findings import WARNING, Finding
from timescale_migration.checks.preflight import Preflight, check
from timescale_migration.db import catalog
from timescale_migration.db.grants import StatementRunner, apply_objects
from timescale_migration.db.privileges import (
    SECTION,
    DefaultPrivileges,
    ObjectPrivileges,
    dropped,
    read_defaults,
    read_objects,
    renamer,
)

CHECK = "privileges"
OWNER_CHECK = "owners"
"""The check of findings about an owner the login cannot set: the object's other privileges are still applied."""


@check(CHECK, "owners and privileges")
def owners_and_privileges(pre: Preflight) -> list[Finding]:
    """Each owner the target's login cannot become, grantee that will not exist, or privilege the target refuses."""
    if pre.opts.privileges != "as_source":
        return []
    return preflight(pre.src, pre.tgt, pre.reserved, pre.target_info.user_name, roles_migrated=pre.opts.roles)


def preflight(
    source: psycopg.Connection, target: psycopg.Connection, reserved: set[str], login: str, *, roles_migrated: bool
) -> list[Finding]:
    """Owners the target's login cannot become, grantees that will not exist there and what the target refuses on
    objects it holds already, per object (verify accepts those); objects of reserved roles in one line each."""
    objects, defaults = read_objects(source), read_defaults(source)
    rename = renamer(reserved, login)
    rights = LoginRights.read(target)
    superuser, target_roles = rights.superuser, rights.roles
    findings: list[Finding] = []

    def can_become(role: str) -> bool:
        return rights.can_act_as(role, roles_migrated=roles_migrated)

    def exists(role: str) -> bool:
        return role == "PUBLIC" or role in target_roles or roles_migrated

    no_create = {} if superuser else derived_schemas_refused(target, objects, rename, login)
    items: list[ObjectPrivileges | DefaultPrivileges] = [*[o for o in objects if not o.managed], *defaults]
    for item in items:
        owner = rename(item.owner) if isinstance(item, ObjectPrivileges) else rename(item.role)
        missing = sorted({rename(g) for g, _, _ in item.acl if not exists(rename(g))})
        if isinstance(item, ObjectPrivileges) and item.kind == "column":
            owner = login  # a column's grants need no owner change of their own
        if not can_become(owner) and isinstance(item, DefaultPrivileges):
            findings.append(
                Finding(
                    CHECK,
                    WARNING,
                    item.key,
                    f"the target's login {login} cannot become role "
                    f'"{owner}" (no superuser, not a member, will not create it): its default '
                    "privileges stay as the target has them",
                    (SECTION, item.key),
                )
            )
        elif not can_become(owner):
            findings.append(
                Finding(
                    OWNER_CHECK,
                    WARNING,
                    item.key,
                    f"the target's login {login} cannot become role "
                    f'"{owner}" (no superuser, not a member, will not create it): the owner stays '
                    f'{login}; the other privileges are granted as on the source, "{owner}"\'s '
                    "own rights too where it exists",
                    (SECTION, item.key),
                )
            )
        elif item.key in no_create:
            schemas = ", ".join(no_create[item.key])
            findings.append(
                Finding(
                    OWNER_CHECK,
                    WARNING,
                    item.key,
                    f'role "{owner}" may not create in schema(s) {schemas} on the target, where TimescaleDB keeps what '
                    "it derives from this object (chunks, materialization, compressed chunks): changing its owner "
                    f"changes theirs too, which PostgreSQL allows a login without superuser ({login}) only for a new "
                    f"owner with CREATE there. The owner stays {login}; the other privileges are granted as on the "
                    f"source, "
                    f'"{owner}"\'s own rights too',
                    (SECTION, item.key),
                    remedy=f"to keep the source's owner, have the target's superuser GRANT CREATE ON SCHEMA {schemas} "
                    f'TO "{owner}" before the run',
                )
            )
        elif missing:
            findings.append(
                Finding(
                    CHECK,
                    WARNING,
                    item.key,
                    f"role(s) {', '.join(missing)} will not exist on the "
                    "target (roles=false): their privileges are not granted",
                    (SECTION, item.key),
                )
            )
    probed = probe_existing(target, objects, rename, dropped(catalog.server_info(source).major), target_roles)
    findings += _refused_by_target(probed, {f.expected[1] for f in findings if f.expected})
    findings += _reserved_roles(objects, defaults, reserved, login)
    return findings


def _refused_by_target(probed: dict[str, str], flagged: set[str]) -> list[Finding]:
    """A finding for each object the target holds already and refused to make as on the source (probe_existing),
    but those a finding names already (`flagged`)."""
    return [
        Finding(
            CHECK,
            WARNING,
            key,
            f"the target holds it already and refuses to make it as on the "
            f"source ({why}): it stays as the target has it",
            (SECTION, key),
        )
        for key, why in sorted(probed.items())
        if key not in flagged
    ]


def _reserved_roles(
    objects: list[ObjectPrivileges], defaults: list[DefaultPrivileges], reserved: set[str], login: str
) -> list[Finding]:
    """One finding per role reserved on the target (but its login) that owns or is granted something on the
    source: those belong to the target's login there."""
    findings: list[Finding] = []
    every: list[ObjectPrivileges | DefaultPrivileges] = [*objects, *defaults]
    for role in sorted(set(reserved) - {login}):
        owned = [o.key for o in objects if o.owner == role and o.kind != "column"]
        owned_keys = set(owned)
        granted = [
            o.key
            for o in every
            if o.key not in owned_keys
            and any(g == role for g, _, _ in o.acl)
            and not (isinstance(o, DefaultPrivileges) and o.role == role)
        ]
        if owned or granted:
            listed = owned + granted
            findings.append(
                Finding(
                    CHECK,
                    WARNING,
                    f'role "{role}" (reserved on the target)',
                    f"{len(owned)} object(s) owned by it and {len(granted)} with privileges of it on "
                    f"the source belong to the target's login {login} there: "
                    + ", ".join(listed[:10])
                    + (" ..." if len(listed) > 10 else ""),
                )
            )
    return findings


def derived_schemas_refused(
    target: psycopg.Connection, objects: list[ObjectPrivileges], rename: Callable[[str], str], login: str
) -> dict[str, list[str]]:
    """Key of each hypertable or continuous aggregate whose owner on the target may not CREATE in a schema where
    TimescaleDB keeps what it derives from it (an owner change reaches those too) -> those schemas."""
    schemas: dict[str, set[str]] = {}
    for o in objects:
        if o.managed and o.parent and o.schema and o.kind != "column":
            schemas.setdefault(o.parent, set()).add(o.schema)
    owners = {o.key: rename(o.owner) for o in objects if o.key in schemas and rename(o.owner) != login}
    if not owners:
        return {}
    every_schema = sorted(set().union(*schemas.values()))
    allowed = {
        (r["role_name"], r["schema_name"]): r["allowed"]
        for r in catalog.rows(
            target, "checks/schema_create_privilege", {"roles": sorted(set(owners.values())), "schemas": every_schema}
        )
    }
    refused = {}
    for key, owner in owners.items():
        denied = sorted(s for s in schemas[key] if allowed.get((owner, s)) is False)
        if denied:
            refused[key] = denied
    return refused


@dataclass(frozen=True)
class LoginRights:
    """What the target's login may do with roles: act as one (make it an owner, alter its TimescaleDB jobs)."""

    superuser: bool
    createrole: bool
    members: frozenset[str]
    """Roles it is a member of, or may grant itself (ADMIN OPTION)."""
    roles: frozenset[str]
    """Every role of the target server."""

    @classmethod
    def read(cls, conn: psycopg.Connection) -> LoginRights:
        """The connected login's rights."""
        attributes = catalog.rows(conn, "server/login_attributes")[0]
        membership = catalog.rows(conn, "roles/role_membership")
        return cls(
            bool(attributes["superuser"]),
            bool(attributes["createrole"]),
            frozenset(r["name"] for r in membership if r["member"] or r["admin"]),
            frozenset(r["name"] for r in catalog.rows(conn, "roles/role_names")),
        )

    def can_act_as(self, role: str, *, roles_migrated: bool) -> bool:
        """Superuser, a member of `role`, or about to create it (roles.sql, with CREATEROLE: it gets ADMIN)."""
        return self.superuser or role in self.members or (role not in self.roles and roles_migrated and self.createrole)


def probe_existing(
    conn: psycopg.Connection,
    objects: list[ObjectPrivileges],
    rename: Callable[[str], str],
    drop: set[str],
    target_roles: Collection[str],
) -> dict[str, str]:
    """Try, in a transaction that is rolled back, the owners and privileges of the objects the empty target holds
    already (its public schema) whose roles exist there: key -> why the target refused."""
    present = {o.key for o in read_objects(conn)}
    known = {*target_roles, "PUBLIC"}
    subset = [
        o
        for o in objects
        if o.key in present and rename(o.owner) in known and all(rename(g) in known for g, _, _ in o.acl)
    ]
    runner = StatementRunner(conn)
    with conn.transaction(force_rollback=True):
        apply_objects(subset, conn, rename, drop, set(), runner, runner.become, {"owners": 0, "grants": 0})
    refused: dict[str, str] = {}
    for key, why in runner.failed:
        refused.setdefault(key, why)
    return refused
