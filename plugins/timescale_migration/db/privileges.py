"""Owners and privileges that the guide's `--no-owner --no-privileges` drop, read from either side.

Both sides are read the same way (include/sql/privileges/*.sql: owner and exploded ACL of every migrated object,
implicit defaults spelled out, and ALTER DEFAULT PRIVILEGES). Roles match by name; roles reserved on the target
(postgres, tsdbadmin, its login) stand for the target's login. db/grants.py brings the target to the source's
state; checks/ownership.py tells before the downtime what it will not.

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

from timescale_migration.constants import TIMESCALEDB
from timescale_migration.db import catalog

SECTION = "privileges"
MANAGED_SECTION = "privileges of timescaledb's internal objects"
"""Owners and privileges of the relations TimescaleDB derives from others (MANAGED): the target may hold more."""
CONTINUOUS_AGGREGATE = "continuous aggregate"
MANAGED = ("chunk", "internal")
"""Roles of managed_relations.sql whose owner and privileges TimescaleDB derives (no statement names them)."""
NEWER_PRIVILEGES = {"MAINTAIN": 17}
"""Privileges a server knows from this major version on: left out of comparisons with an older source."""
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
            return pgsql.SQL("{}({})").format(name, pgsql.SQL(self.sub or ""))
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


def default_baseline(conn: psycopg.Connection, objtype: str, role: str) -> frozenset[Entry]:
    """The built-in default privileges of `role` on one kind of object (`objtype` of DEFAULT_OBJECTS), which hold
    where no ALTER DEFAULT PRIVILEGES entry does."""
    return _acl(catalog.rows(conn, "privileges/default_baseline", {"objtype": objtype, "role": role})[0]["acl"])


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
