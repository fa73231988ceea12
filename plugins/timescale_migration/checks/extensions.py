"""Extensions: the target must offer every extension of the source, at a version no older than the source's, and
its login must be able to create it (the dump says `CREATE EXTENSION IF NOT EXISTS name WITH SCHEMA s`, with no
version: the target creates its default version, or keeps the one its database has already).

TimescaleDB's own version is the versions check's (checks/versions.py): it is aligned on an empty target.
"""

from __future__ import annotations

import re

import psycopg
from psycopg import sql as pgsql

from timescale_migration.checks import preflight
from timescale_migration.checks.findings import BLOCKING, WARNING, Finding
from timescale_migration.checks.preflight import Preflight, check, quote_ident
from timescale_migration.constants import TIMESCALEDB
from timescale_migration.db import catalog

CHECK = "extensions"
SECTION = "extensions"
"""verify's inventory section of the extensions (by quoted name, with the version as detail)."""
BUILT_IN = frozenset({"plpgsql"})
"""Extensions every database has: never created by the dump's load."""


@check(CHECK, "extensions the target offers")
def missing(pre: Preflight) -> list[Finding]:
    """Each source extension the target server does not offer at all: the load's CREATE EXTENSION fails."""
    pre.log.info(
        "source extensions: %s", ", ".join(f"{n} {i['version']}" for n, i in pre.source_extensions.items()) or "none"
    )
    return [
        Finding(
            CHECK,
            BLOCKING,
            f"extension {name} {info['version']}",
            f"installed in {pre.source.label} but not available on {pre.target.label}: the load's "
            f"CREATE EXTENSION {name} would fail",
            remedy=f"drop it from the source database (DROP EXTENSION {name}) if nothing uses it, or choose "
            "a target that offers it",
        )
        for name, info in sorted(pre.source_extensions.items())
        if name not in pre.target_available
    ]


def version_key(version: str) -> tuple[int, ...] | None:
    """A version as numbers for ordering ("1.10" > "1.9"), None when it has no number."""
    numbers = re.findall(r"\d+", version)
    return tuple(int(n) for n in numbers) if numbers else None


def compare_versions(source: str, target: str) -> int | None:
    """-1 when the target's version is older, 0 equal, 1 newer; None when they cannot be ordered."""
    if source == target:
        return 0
    a, b = version_key(source), version_key(target)
    if a is None or b is None or a == b:
        return None
    return 1 if b > a else -1


@check(CHECK, "extension versions")
def versions(pre: Preflight) -> list[Finding]:
    """Each extension whose version on the target (the one its database has, else the target's default) differs
    from the source's: newer is a warning verify accepts, older (or unordered) blocks the run."""
    found = []
    for name, info in sorted(pre.source_extensions.items()):
        if name == TIMESCALEDB or name in BUILT_IN or name not in pre.target_available:
            continue
        installed = pre.target_extensions.get(name, {}).get("version")
        target = installed or pre.target_available[name]
        if target is None or target == info["version"]:
            continue
        how = "the target database has it already" if installed else "the target's default version"
        subject = f"extension {name}: source {info['version']}, target {target}"
        order = compare_versions(info["version"], target)
        if order == 1:
            found.append(
                Finding(
                    CHECK,
                    WARNING,
                    subject,
                    f"the target will have {name} {target} ({how}; the dump names no version): the newer version's "
                    "functions and behaviour, which extensions keep compatible; verify accepts this difference",
                    (SECTION, quote_ident(name)),
                    remedy="none needed; test the application against the newer version if it relies on the "
                    "extension's "
                    "details",
                )
            )
        else:
            older = "older than" if order == -1 else "not comparable with"
            found.append(
                Finding(
                    CHECK,
                    BLOCKING,
                    subject,
                    f"the target would have {name} {target} ({how}; the dump names no version), {older} the source's "
                    f"{info['version']}: objects that use what the source's version has may fail to load or behave "
                    "differently, and verify would find the version different after the downtime",
                    remedy=f"create it on the target database at the source's version beforehand "
                    f"(CREATE EXTENSION {name} VERSION '{info['version']}'; an empty target may hold extensions) "
                    f"if the target offers it, or update it on the target (ALTER EXTENSION {name} UPDATE), or "
                    "choose a target that offers that version",
                )
            )
    return found


@check(CHECK, "extensions the target's login may create")
def creatable(pre: Preflight) -> list[Finding]:
    """Each source extension the target database lacks and that the target's login may not create: untrusted ones
    are tried in a transaction that is rolled back (a provider may allow them by other means)."""
    if pre.target_superuser:
        return []
    trusted = {(r["name"], r["version"]): r["trusted"] for r in catalog.rows(pre.tgt, "checks/extension_versions")}
    todo = [
        name
        for name in sorted(pre.source_extensions)
        if name not in pre.target_extensions
        and name in pre.target_available
        and name not in BUILT_IN
        and name != TIMESCALEDB
        and not trusted.get((name, pre.target_available[name]), False)
    ]
    refused: list[tuple[str, str]] = []
    untried: list[tuple[str, str]] = []
    for name in todo:
        err = preflight.refused(pre.tgt, pgsql.SQL("CREATE EXTENSION {} CASCADE").format(pgsql.Identifier(name)))
        if err is not None:
            denied = isinstance(err, psycopg.errors.InsufficientPrivilege)
            (refused if denied else untried).append((name, preflight.server_message(err)))
    found = []
    if refused:
        found.append(
            Finding(
                CHECK,
                BLOCKING,
                f"extension(s) {preflight.names(refused)}",
                f"the target's login {pre.target_info.user_name} may not create them (not trusted, no "
                f"superuser): {preflight.described(refused, 5)}; the load's CREATE EXTENSION would fail",
                remedy="have the provider or a superuser create them in the target database beforehand "
                "(an empty target may hold extensions), or drop them from the source",
            )
        )
    if untried:
        found.append(
            Finding(
                CHECK,
                WARNING,
                f"extension(s) {preflight.names(untried)}",
                f"not trusted on the target and creating them in a rolled-back transaction failed for "
                f"another reason: {preflight.described(untried, 5)}; the load may fail at their "
                "CREATE EXTENSION",
                remedy="create them in the target database beforehand, or make sure the load can",
            )
        )
    return found
