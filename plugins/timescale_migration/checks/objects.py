"""What the target's login cannot create: objects of the source that only a superuser may create (the dump's
statement for them fails during the load, after the downtime began), subscriptions, and roles the login cannot
create or attributes it cannot give them.

Settings that only a superuser (or ALTER SYSTEM) may set, stored on the database, are the database settings
check's (checks/sessiondefaults.py): they are tried on the target and shown at the gate.
"""

from __future__ import annotations

import re
from collections import defaultdict

from psycopg import sql as pgsql

from timescale_migration.checks import preflight
from timescale_migration.checks.findings import BLOCKING, WARNING, Finding
from timescale_migration.checks.preflight import Preflight, check, listed
from timescale_migration.db import catalog, sqlfiles

CHECK = "objects"
ROLES_CHECK = "roles"
REMEDY = {
    "event trigger": "drop them from the source database before the migration (DROP EVENT TRIGGER) and have a "
    "superuser or the provider recreate them on the target afterwards, or migrate with a "
    "superuser login on the target",
    "function in language": "rewrite them in a trusted language (e.g. plpgsql) or drop them from the source before "
    "the migration, or have a superuser create them on the target (and the library they "
    "load must exist there), or migrate with a superuser login on the target",
    "subscription": "drop them from the source before the migration (ALTER SUBSCRIPTION ... DISABLE, SET "
    "(slot_name = NONE), DROP SUBSCRIPTION) and create them on the target after the cutover, or give "
    "the target's login the pg_create_subscription role",
}
DEFAULT_REMEDY = (
    "drop them from the source database before the migration and recreate what you need on the target "
    "afterwards with a superuser's (the provider's) help, or migrate with a superuser login on the "
    "target"
)


def _remedy(kind: str) -> str:
    return next((text for prefix, text in REMEDY.items() if kind.startswith(prefix)), DEFAULT_REMEDY)


@check(CHECK, "objects only a superuser may create")
def superuser_only(pre: Preflight) -> list[Finding]:
    """Event triggers, functions in untrusted languages (C and internal included) outside extensions, procedural
    languages, foreign-data wrappers outside extensions, user mappings without password_required, casts the login
    may not create, operator classes and families, access methods, text search parsers and templates: each kind is
    one blocking finding naming its objects, when the target's login is no superuser."""
    if pre.target_superuser:
        return []
    by_kind: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in catalog.rows(pre.src, "checks/superuser_objects"):
        by_kind[row["kind"]].append((row["name"], row["detail"]))
    login = pre.target_info.user_name
    return [
        Finding(
            CHECK,
            BLOCKING,
            f"{len(items)} {kind}(s): {preflight.names(items, 10)}",
            f"only a superuser may create them and the target's login {login} is none: the load would fail "
            f"at them (permission denied) after the downtime began; {preflight.described(items, 10)}",
            remedy=_remedy(kind),
        )
        for kind, items in sorted(by_kind.items())
    ]


@check(CHECK, "foreign servers")
def foreign_servers(pre: Preflight) -> list[Finding]:
    """Foreign servers of the source whose wrapper the target database has already (created by someone else) and
    the target's login may not use: the dump's CREATE SERVER fails. A wrapper the load creates itself (its
    extension) belongs to the login; one outside an extension is the superuser objects' check's."""
    if pre.target_superuser:
        return []
    servers = catalog.rows(pre.src, "checks/foreign_servers")
    if not servers:
        return []
    usable = {r["wrapper"]: r["usable"] for r in catalog.rows(pre.tgt, "checks/wrapper_usage")}
    denied = [(r["name"], r["wrapper"]) for r in servers if usable.get(r["wrapper"]) is False]
    if not denied:
        return []
    wrappers = sorted({r["wrapper"] for r in servers if usable.get(r["wrapper"]) is False})
    return [
        Finding(
            CHECK,
            BLOCKING,
            f"foreign server(s) {preflight.names(denied, 10)}",
            f"the target database has the wrapper(s) {', '.join(wrappers)} already and its login "
            f"{pre.target_info.user_name} may not use them (no USAGE): the load's CREATE SERVER would fail "
            f"at {preflight.described(denied, 10)}",
            remedy=f"have the wrapper's owner GRANT USAGE ON FOREIGN DATA WRAPPER {wrappers[0]} TO "
            f"{pre.target_info.user_name} on the target, or drop the servers from the source and "
            "create them on the target afterwards",
        )
    ]


@check(CHECK, "subscriptions")
def subscriptions(pre: Preflight) -> list[Finding]:
    """Subscriptions of the source database: the dump creates them on the target (disabled, without connecting)
    only where the target's login may create subscriptions, and only when the source's login is a superuser."""
    rows = catalog.rows(pre.src, "checks/subscriptions")
    subs = [r["name"] for r in rows]
    if not subs:
        return []
    names = listed(subs, 10)
    if not pre.source_info.is_superuser:
        return [
            Finding(
                CHECK,
                WARNING,
                f"subscription(s) {names}",
                "pg_dump dumps subscriptions only for a superuser and the source's login is none: they will "
                "not exist on the target",
                remedy="create them on the target after the cutover if the target must replicate from their publishers",
            )
        ]
    if not pre.target_login["subscriptions"]:
        return [
            Finding(
                CHECK,
                BLOCKING,
                f"subscription(s) {names}",
                f"the target's login {pre.target_info.user_name} may not create subscriptions (no superuser, "
                "not a member of pg_create_subscription): the load would fail at them after the downtime "
                "began",
                remedy=_remedy("subscription"),
            )
        ]
    return [
        Finding(
            CHECK,
            WARNING,
            f"subscription(s) {names}",
            "the dump creates them on the target disabled and without a replication slot (connect = false); "
            "the source's keep replicating",
            remedy="after the cutover, drop the source's, then on the target "
            "ALTER SUBSCRIPTION ... ENABLE and REFRESH PUBLICATION (or recreate them)",
        )
    ] + [
        Finding(
            CHECK,
            WARNING,
            f"subscription {r['name']} enabled",
            "enabled on the source, it arrives disabled (the dump's connect = false): verify accepts this difference",
            ("subscriptions", r["name"]),
            remedy="enable it on the target after the cutover",
        )
        for r in rows
        if r["enabled"]
    ]


@check(CHECK, "indexes that are not valid")
def invalid_indexes(pre: Preflight) -> list[Finding]:
    """Each index of the source that is not valid (a failed concurrent build): pg_dump leaves it out, so it will be
    missing on the target; a warning whose difference verify accepts."""
    return [
        Finding(
            CHECK,
            WARNING,
            f"index {row['name']} not valid",
            f"the index on {row['table_name']} is not valid on the source (a CREATE or REINDEX CONCURRENTLY "
            "that failed): pg_dump leaves it out, so the target will not have it; verify accepts this",
            ("indexes", row["name"]),
            remedy="drop it on the source, or build it again (REINDEX INDEX CONCURRENTLY) so that it "
            "migrates; until then queries do not use it",
        )
        for row in catalog.rows(pre.src, "checks/invalid_indexes")
    ]


STRIPPED_OPTIONS = "stripped_column_options"
"""Preflight note (and plan field): the server's own column options the load leaves out of the dump."""
SERVER_OPTION = re.compile(r"pg_[a-z0-9_]+")
"""A column option a server writes itself (no user can set one: only n_distinct and n_distinct_inherited)."""


@check(CHECK, "column options")
def column_options(pre: Preflight) -> list[Finding]:
    """Each column option of the source the target refuses (tried on a temporary table, rolled back): pg_dump
    writes every option back as ALTER TABLE ... ALTER COLUMN ... SET (...), which the load would stop at. An option
    the source's server writes itself (pg_..., e.g. the pg_attver of a PostgreSQL 17 build here, which its own
    pg_dump leaves out and a newer pg_dump writes) means nothing elsewhere: the load leaves it out (noted in the
    plan) and says so. Any other would be lost: the run is refused."""
    found, stripped = [], []
    for row in catalog.rows(pre.src, "checks/column_options"):
        name, value, columns = row["name"], row["value"], row["columns"]
        probe = sqlfiles.compose("checks/column_option_probe", option=name, value=pgsql.Literal(value))
        err = preflight.refused(pre.tgt, probe)
        if err is None:
            continue
        why = preflight.server_message(err)
        if SERVER_OPTION.fullmatch(name):
            stripped.append(name)
            found.append(
                Finding(
                    CHECK,
                    WARNING,
                    f"column option {name} on {columns} column(s)",
                    f"the source's server writes {name} on columns itself and the target refuses it ({why}): the load "
                    f"leaves it out of the dump's ALTER TABLE ... ALTER COLUMN ... SET statements (other options "
                    f"stay); "
                    "verification does not compare options a server writes itself",
                    remedy="none needed",
                )
            )
        else:
            found.append(
                Finding(
                    CHECK,
                    BLOCKING,
                    f"column option {name} on {columns} column(s)",
                    f"the target refuses the option ({why}): the load would stop at the dump's ALTER TABLE ... ALTER "
                    "COLUMN ... SET statement after the downtime began",
                    remedy=f"reset it on the source (ALTER TABLE ... ALTER COLUMN ... RESET ({name})) before the "
                    "migration, or choose a target that accepts it",
                )
            )
    pre.notes[STRIPPED_OPTIONS] = stripped
    return found


@check(ROLES_CHECK, "roles the target's login may create")
def roles(pre: Preflight) -> list[Finding]:
    """With roles=true: the source's roles the target lacks must be creatable by its login (CREATEROLE), with
    attributes it may give (CREATEDB only by a login that has it, on PostgreSQL 16+); SUPERUSER, REPLICATION and
    BYPASSRLS are removed from roles.sql (a warning names who loses them)."""
    if not pre.opts.roles or pre.target_superuser:
        return []
    existing = {r["name"] for r in catalog.rows(pre.tgt, "roles/role_names")}
    login, me = pre.target_login, pre.target_info.user_name
    todo = [
        r for r in catalog.rows(pre.src, "checks/roles") if r["name"] not in pre.reserved and r["name"] not in existing
    ]
    if not todo:
        return []
    names = [r["name"] for r in todo]
    if not login["createrole"]:
        in_policies = {r["name"] for r in catalog.rows(pre.src, "checks/policy_roles")} & set(names)
        why = (
            f"; row-level security policies of the source name {listed(sorted(in_policies), 10)}, so the load's "
            "CREATE POLICY would fail"
            if in_policies
            else ""
        )
        return [
            Finding(
                ROLES_CHECK,
                BLOCKING,
                f"{len(names)} role(s): {listed(names, 10)}",
                f"the source's roles do not exist on the target and its login {me} may not create roles (no "
                f"CREATEROLE): objects, owners and privileges meant for them cannot arrive{why}",
                remedy=f"give {me} CREATEROLE, or create these roles on the target beforehand, or set "
                "roles=false and create them yourself",
            )
        ]
    found = []
    if pre.target_info.major >= 16 and not login["createdb"]:
        createdb = [r["name"] for r in todo if r["createdb"]]
        if createdb:
            found.append(
                Finding(
                    ROLES_CHECK,
                    BLOCKING,
                    f"CREATEDB of role(s) {listed(createdb, 10)}",
                    f"the target's login {me} lacks CREATEDB, so PostgreSQL {pre.target_info.major} refuses to give "
                    f"it: "
                    "the role's whole ALTER ROLE (LOGIN, password, limits) would be refused and verify would find the "
                    "role different after the downtime",
                    remedy=f"give {me} CREATEDB, or remove CREATEDB from these roles on the source (ALTER ROLE ... "
                    "NOCREATEDB), or create them on the target beforehand",
                )
            )
    lost = [
        (r["name"], ", ".join(a.upper() for a in ("superuser", "replication", "bypassrls") if r[a]))
        for r in todo
        if r["superuser"] or r["replication"] or r["bypassrls"]
    ]
    if lost:
        found.append(
            Finding(
                ROLES_CHECK,
                WARNING,
                f"attributes of role(s) {preflight.names(lost, 10)}",
                f"only a superuser may give SUPERUSER, REPLICATION and BYPASSRLS, so roles.sql leaves them out: "
                f"{preflight.described(lost, 10)} arrive without them",
                remedy="if an application needs one, ask the provider; a role that bypassed row-level security sees "
                "only "
                "what its policies allow on the target",
            )
        )
    return found
