"""Owners and privileges that the guide's `--no-owner --no-privileges` drop, read from the source and re-applied.

Both sides are read the same way (include/sql/privileges/*.sql: owner and exploded ACL of every migrated object,
implicit defaults spelled out, and ALTER DEFAULT PRIVILEGES). Roles match by name; roles reserved on the target
(postgres, tsdbadmin, its login) stand for the target's login. The target is brought to the source's state by
differences only (ALTER ... OWNER, GRANT, REVOKE), so a retry does what is left and nothing twice.

TimescaleDB's objects go the way TimescaleDB allows: a hypertable's owner and grants reach its chunks through the
hypertable, a continuous aggregate takes ALTER MATERIALIZED VIEW, and what TimescaleDB derives (chunks, compressed
chunks and hypertables, materialization hypertables, an aggregate's partial and direct views) is left to it: no
statement names them, and they are compared (MANAGED_SECTION) only where the source has the same object.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql as pgsql

from timescale_migration.checks.findings import WARNING, Finding
from timescale_migration.constants import TIMESCALEDB
from timescale_migration.db import catalog, sqlfiles

SECTION = "privileges"
OWNER_CHECK = "owners"
"""The check of findings about an owner the login cannot set: the object's other privileges are still applied."""
MANAGED_SECTION = "privileges of timescaledb's internal objects"
"""Owners and privileges of the relations TimescaleDB derives from others (MANAGED): the target may hold more."""
CHECK = "privileges"
CONTINUOUS_AGGREGATE = "continuous aggregate"
MANAGED = ("chunk", "internal")
"""Roles of managed_relations.sql whose owner and privileges TimescaleDB derives (no statement names them)."""
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
NEWER_PRIVILEGES = {"MAINTAIN": 17}
"""Privileges a server knows from this major version on: left out of comparisons with an older source."""
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
RELATION_KINDS = frozenset({"table", "view", "materialized view", "sequence", "foreign table", "column"})
ROUTINES = ("function", "procedure", "aggregate")
DEFAULT_OBJECTS = {"r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES", "n": "SCHEMAS"}

Entry = tuple[str, str, bool]
"""(grantee or "PUBLIC", privilege, with grant option)."""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class ObjectPrivileges:
    """Owner and privileges of one object (a column: only its own grants)."""

    kind: str
    schema: str | None
    name: str
    sub: str | None
    owner: str
    linked: bool
    acl: frozenset[Entry]
    managed: bool = False
    """A relation (or its column) whose owner and privileges TimescaleDB derives from another object."""
    parent: str | None = None
    """For a managed one: the key of the hypertable or continuous aggregate it derives from (None: unknown)."""

    @property
    def key(self) -> str:
        """Its name in the inventory and in findings."""
        if self.kind == "large object":
            return f"large object {self.name}"
        qualified = ".".join(_quoted(p) for p in (self.schema, self.name) if p is not None)
        if self.kind == "column":
            return f"column {qualified}.{_quoted(self.sub or '')}"
        if self.kind in ROUTINES:
            return f"{self.kind} {qualified}({self.sub or ''})"
        return f"{self.kind} {qualified}"

    def target(self) -> pgsql.Composable:
        """The object as GRANT and ALTER ... OWNER name it (without the column)."""
        if self.kind == "large object":
            return pgsql.Literal(int(self.name))
        name = pgsql.Identifier(*[p for p in (self.schema, self.name) if p is not None])
        if self.kind in ROUTINES:  # the argument list as the server printed it (quoted by it)
            return pgsql.SQL("{}({})").format(name, pgsql.SQL(self.sub or ""))  # type: ignore[arg-type]
        return name


@dataclass(frozen=True)
class DefaultPrivileges:
    """ALTER DEFAULT PRIVILEGES for one role (in one schema or everywhere) on one kind of object."""

    role: str
    schema: str | None
    objtype: str
    acl: frozenset[Entry]

    @property
    def key(self) -> str:
        """Its name in the inventory and in findings."""
        where = f" in schema {_quoted(self.schema)}" if self.schema is not None else ""
        return f"default privileges of role {_quoted(self.role)}{where} on {DEFAULT_OBJECTS[self.objtype].lower()}"


def _acl(value: Any) -> frozenset[Entry]:
    items = json.loads(value) if isinstance(value, str) else value
    return frozenset((str(g), str(p), bool(o)) for g, p, o in items or [])


def timescaledb_relations(conn: psycopg.Connection) -> dict[tuple[str, str], dict[str, Any]]:
    """(schema, relation) -> its row of managed_relations.sql (role, parent); empty without TimescaleDB, or where
    its catalog is not one this project reads (the TimescaleDB checks refuse such a version before the gate)."""
    if TIMESCALEDB not in catalog.installed_extensions(conn):
        return {}
    try:
        with conn.transaction():
            rows = catalog.rows(conn, "timescaledb/managed_relations")
    except (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn):
        return {}
    return {(r["schema_name"], r["relation_name"]): r for r in rows}


def _parent_key(row: dict[str, Any]) -> str | None:
    if not row["parent_name"]:
        return None
    return ObjectPrivileges(
        row["parent_kind"], row["parent_schema"], row["parent_name"], None, "", False, frozenset()
    ).key


def read_objects(conn: psycopg.Connection) -> list[ObjectPrivileges]:
    """Owner and privileges of every migrated object of the connected database (TimescaleDB's objects marked)."""
    timescale = timescaledb_relations(conn)
    found = []
    for r in catalog.rows(conn, "privileges/objects"):
        ts = timescale.get((r["schema_name"], r["object_name"])) if r["kind"] in RELATION_KINDS else None
        role = ts["role"] if ts else None
        kind = CONTINUOUS_AGGREGATE if role == CONTINUOUS_AGGREGATE and r["kind"] == "view" else r["kind"]
        managed = role in MANAGED
        found.append(
            ObjectPrivileges(
                kind,
                r["schema_name"],
                r["object_name"],
                r["sub_name"],
                r["owner"],
                r["linked"],
                _acl(r["acl"]),
                managed,
                _parent_key(ts) if ts and managed else None,
            )
        )
    return found


def read_defaults(conn: psycopg.Connection) -> list[DefaultPrivileges]:
    """The database's ALTER DEFAULT PRIVILEGES entries."""
    return [
        DefaultPrivileges(r["role_name"], r["schema_name"], r["objtype"], _acl(r["acl"]))
        for r in catalog.rows(conn, "privileges/defaults")
    ]


def inventory(conn: psycopg.Connection) -> dict[str, dict[str, str]]:
    """The sections SECTION and MANAGED_SECTION: key -> JSON of owner and sorted privileges (roles by name, as
    the server shows them)."""
    items: dict[str, dict[str, str]] = {SECTION: {}, MANAGED_SECTION: {}}
    for o in read_objects(conn):
        parent = {"parent": o.parent} if o.parent else {}
        items[MANAGED_SECTION if o.managed else SECTION][o.key] = json.dumps(
            {"owner": o.owner, "acl": sorted(o.acl), **parent}
        )
    items[SECTION].update({d.key: json.dumps({"acl": sorted(d.acl)}) for d in read_defaults(conn)})
    return items


def renamer(reserved: Iterable[str], login: str) -> Callable[[str], str]:
    """A source role's name on the target: roles reserved there stand for the target's login."""
    names = set(reserved)
    return lambda role: login if role in names else role


def dropped(source_major: int) -> set[str]:
    """Privileges the source's server does not know (compared without them)."""
    return {p for p, major in NEWER_PRIVILEGES.items() if source_major < major}


def normalize(items: dict[str, str], rename: Callable[[str], str], drop: set[str]) -> dict[str, str]:
    """An inventory section with role names mapped to the target's and privileges in `drop` left out."""
    out = {}
    for key, detail in items.items():
        data = json.loads(detail)
        acl = sorted({(rename(g) if g != "PUBLIC" else g, p, o) for g, p, o in data["acl"] if p not in drop})
        out[key] = json.dumps(
            {
                **({"owner": rename(data["owner"])} if "owner" in data else {}),
                "acl": acl,
                **({"parent": data["parent"]} if "parent" in data else {}),
            }
        )
    return out


def derived_expectations(managed: dict[str, str], expected: dict[tuple[str, str], Any]) -> dict[tuple[str, str], Any]:
    """(MANAGED_SECTION, key) -> the finding that announced its parent's difference: what TimescaleDB derives
    from an object the gate said would differ differs the same way."""
    derived = {}
    for key, detail in managed.items():
        parent = json.loads(detail).get("parent")
        if parent and (SECTION, parent) in expected:
            derived[(MANAGED_SECTION, key)] = expected[(SECTION, parent)]
    return derived


def _entry_statements(
    names: tuple[str, str],
    values: dict[str, pgsql.Composable],
    want: set[Entry],
    have: set[Entry],
    column: pgsql.Composable | None = None,
) -> list[pgsql.Composed]:
    """GRANTs and REVOKEs (from the two SQL files `names`, filled with `values`) that turn `have` into `want`
    (`column`: a column's privileges)."""
    statements = []
    wanted = {(g, p): o for g, p, o in want}
    held = {(g, p): o for g, p, o in have}
    for (grantee, privilege), option in sorted(wanted.items()):
        if held.get((grantee, privilege)) is None or (option and not held[(grantee, privilege)]):
            statements.append(
                sqlfiles.compose(
                    names[0],
                    privilege=_privilege(privilege, column),
                    grantee=_grantee(grantee),
                    grant_option=pgsql.SQL(" WITH GRANT OPTION" if option else ""),
                    **values,
                )
            )
    for (grantee, privilege), option in sorted(held.items()):
        if (grantee, privilege) not in wanted or (option and not wanted[(grantee, privilege)]):
            only_option = (grantee, privilege) in wanted
            statements.append(
                sqlfiles.compose(
                    names[1],
                    privilege=_privilege(privilege, column),
                    grantee=_grantee(grantee),
                    grant_option_for=pgsql.SQL("GRANT OPTION FOR " if only_option else ""),
                    **values,
                )
            )
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
    target_roles: set[str],
) -> dict[str, str]:
    """Try, in a transaction that is rolled back, the owners and privileges of the objects the empty target holds
    already (its public schema) whose roles exist there: key -> why the target refused."""
    present = {o.key for o in read_objects(conn)}
    known = target_roles | {"PUBLIC"}
    subset = [
        o
        for o in objects
        if o.key in present and rename(o.owner) in known and all(rename(g) in known for g, _, _ in o.acl)
    ]
    runner = StatementRunner(conn)
    with conn.transaction(force_rollback=True):
        _apply_objects(subset, conn, rename, drop, set(), runner, runner.become, {"owners": 0, "grants": 0})
    refused: dict[str, str] = {}
    for key, why in runner.failed:
        refused.setdefault(key, why)
    return refused


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
    for item in [*[o for o in objects if not o.managed], *defaults]:
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
    flagged = {f.expected[1] for f in findings if f.expected}
    for key, why in sorted(probed.items()):
        if key in flagged:
            continue
        findings.append(
            Finding(
                CHECK,
                WARNING,
                key,
                f"the target holds it already and refuses to make it as on the "
                f"source ({why}): it stays as the target has it",
                (SECTION, key),
            )
        )
    for role in sorted(set(reserved) - {login}):
        owned = [o.key for o in objects if o.owner == role and o.kind != "column"]
        owned_keys = set(owned)
        granted = [
            o.key
            for o in [*objects, *defaults]
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


def _apply_objects(
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
    _apply_objects(source_objects, conn, rename, drop, skip, run, become, done, keep_owner, roles, current)
    current = {d.key: d for d in read_defaults(conn)}
    for entry in source_defaults:
        role = rename(entry.role)
        if entry.key in skip:
            continue
        if entry.key in current:
            have = set(current[entry.key].acl)
        elif entry.schema is None:
            have = set(
                _acl(
                    catalog.rows(conn, "privileges/default_baseline", {"objtype": entry.objtype, "role": role})[0][
                        "acl"
                    ]
                )
            )
        else:
            have = set()
        want = {(rename(g) if g != "PUBLIC" else g, p, o) for g, p, o in entry.acl if p not in drop}
        have = {e for e in have if e[1] not in drop}
        become(role)
        for statement in default_statements(entry, role, want, have):
            if run(statement, entry.key, entry.key):
                done["defaults"] += 1
    return {**done, "memberships": run.memberships, "failed": [why for _, why in run.failed]}
