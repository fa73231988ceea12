"""Encoding, locale and collations of the source database against the target database, and tablespaces: what
makes the load fail (an encoding that cannot hold the source's characters, a collation the target lacks) blocks
the run; what makes the target behave differently (another sort order, another collation library, objects in
the default tablespace) is a warning for the person who approves the downtime."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql as pgsql

from timescale_migration.checks import preflight
from timescale_migration.checks.findings import BLOCKING, WARNING, Finding
from timescale_migration.checks.preflight import Preflight, check, listed, quote_ident
from timescale_migration.db import catalog

CHECK = "locale"
TABLESPACES_CHECK = "tablespaces"
PROVIDERS = {"c": "libc", "i": "icu", "b": "builtin", "d": "default"}


def database_locale(conn: psycopg.Connection) -> dict[str, Any]:
    """Encoding, provider, LC_COLLATE, LC_CTYPE, ICU/builtin locale and collation versions of the connected
    database (keys missing on older servers are None)."""
    row = catalog.rows(conn, "checks/database_locale")[0]
    d = row["row"]
    version = (
        catalog.rows(conn, "checks/database_collation_version")[0]["version"]
        if conn.info.server_version >= 150000
        else None
    )
    return {
        "encoding": row["encoding"],
        "provider": PROVIDERS.get(d.get("datlocprovider") or "c", "libc"),
        "collate": d.get("datcollate"),
        "ctype": d.get("datctype"),
        "locale": d.get("datlocale") or d.get("daticulocale"),
        "version": version,
    }


def encoding_findings(source: dict[str, Any], target: dict[str, Any]) -> list[Finding]:
    """Another encoding: converted into UTF8 (a warning), or into a narrower one (blocking)."""
    src, tgt = source["encoding"], target["encoding"]
    if src == tgt:
        return []
    subject = f"encoding: source {src}, target {tgt}"
    if tgt == "UTF8":
        return [
            Finding(
                CHECK,
                WARNING,
                subject,
                f"the load converts the source's {src} text into UTF8: the same characters arrive, in more "
                "bytes where they are not ASCII"
                + (
                    "; the source's SQL_ASCII holds bytes of no declared "
                    "encoding, and any that are not valid UTF-8 fail the load"
                    if src == "SQL_ASCII"
                    else ""
                ),
                remedy="none needed if the application's client_encoding is set; otherwise it gets UTF8",
            )
        ]
    return [
        Finding(
            CHECK,
            BLOCKING,
            subject,
            f"the target database's {tgt} cannot hold every character {src} can: the first one it cannot "
            "hold fails the load after the downtime began",
            remedy=f"create the target database with ENCODING '{src}' (or 'UTF8') and the locale to match",
        )
    ]


def locale_findings(source: dict[str, Any], target: dict[str, Any]) -> list[Finding]:
    """Another locale provider, LC_COLLATE, LC_CTYPE or ICU/builtin locale, or another collation library version:
    warnings (indexes are built anew on the target, so none is corrupt, but text may sort differently)."""
    remedy = (
        "create the target database with the source's locale (CREATE DATABASE ... LOCALE_PROVIDER ... "
        "LC_COLLATE ... LC_CTYPE ...) if the application depends on the order of text"
    )
    found = []
    for key, what, effect in (
        ("provider", "locale provider", "text sorts and compares by another library's rules"),
        ("collate", "LC_COLLATE", "ORDER BY, comparisons and indexes on text sort differently"),
        (
            "ctype",
            "LC_CTYPE",
            "upper(), lower(), character classes in regular expressions and ILIKE behave differently",
        ),
        ("locale", "locale of the provider", "text sorts and compares differently"),
    ):
        if source[key] != target[key] and (key != "locale" or source["provider"] == target["provider"]):
            found.append(
                Finding(
                    CHECK,
                    WARNING,
                    f"{what}: source {source[key]}, target {target[key]}",
                    f"{effect} on the target",
                    remedy=remedy,
                )
            )
    if source["version"] and target["version"] and source["version"] != target["version"] and not found:
        found.append(
            Finding(
                CHECK,
                WARNING,
                f"collation version: source {source['version']}, target {target['version']}",
                "the target's collation library is another version: some strings may sort differently "
                "(indexes are built anew by the load, so none is corrupt)",
                remedy="none needed unless the application depends on the exact order of rare strings",
            )
        )
    return found


@check(CHECK, "encoding and locale")
def encoding_and_locale(pre: Preflight) -> list[Finding]:
    """The source database's encoding and locale against the target database's."""
    source, target = database_locale(pre.src), database_locale(pre.tgt)
    pre.log.info("encoding and locale: source %s, target %s", source, target)
    return encoding_findings(source, target) + locale_findings(source, target)


def _probe_statement(row: dict[str, Any]) -> pgsql.Composed:
    """CREATE COLLATION pg_temp.<probe> with the options of a source collation (its pg_collation row as JSON)."""
    provider = PROVIDERS.get(row.get("collprovider") or "c", "libc")
    options: list[tuple[str, str | None]] = [("provider", provider)]
    if provider == "libc":
        options += [("lc_collate", row.get("collcollate")), ("lc_ctype", row.get("collctype"))]
    else:
        options.append(("locale", row.get("colllocale") or row.get("colliculocale") or row.get("collcollate")))
    if row.get("collisdeterministic") is False:
        options.append(("deterministic", "false"))
    body = pgsql.SQL(", ").join(
        pgsql.SQL("{} = {}").format(pgsql.SQL(key), pgsql.Literal(value or "")) for key, value in options
    )
    return pgsql.SQL("CREATE COLLATION pg_temp.tsm_preflight_probe ({})").format(body)


@check(CHECK, "collations in use")
def collations(pre: Preflight) -> list[Finding]:
    """Each collation the source's columns, indexes and domains use must exist on the target (pg_catalog's, by
    name) or be creatable there (the dump's CREATE COLLATION, tried in a transaction that is rolled back); a
    pg_catalog collation of another version is a warning."""
    used = catalog.rows(pre.src, "checks/collations_used")
    if not used:
        return []
    system = {r["name"]: r["version"] for r in catalog.rows(pre.tgt, "checks/system_collations")}
    missing: list[str] = []
    uncreatable: list[tuple[str, str]] = []
    versions: list[tuple[str, str]] = []
    for r in used:
        name = f"{quote_ident(r['schema_name'])}.{quote_ident(r['name'])}"
        if r["schema_name"] == "pg_catalog":
            if r["name"] not in system:
                missing.append(name)
            elif r["row"].get("collversion") and system[r["name"]] and r["row"]["collversion"] != system[r["name"]]:
                versions.append((name, f"{r['row']['collversion']} -> {system[r['name']]}"))
        else:
            err = preflight.refused(pre.tgt, _probe_statement(r["row"]))
            if err is not None:
                uncreatable.append((name, preflight.server_message(err)))
    found = []
    if missing:
        found.append(
            Finding(
                CHECK,
                BLOCKING,
                f"collation(s) {listed(missing, 10)}",
                "columns or indexes of the source use them and the target has no collation of that "
                "name: the load would fail at the first of them after the downtime began",
                remedy="change those columns to a collation the target has (ALTER TABLE ... ALTER "
                "COLUMN ... TYPE ... COLLATE ...) before the migration, or choose a target whose "
                "collation library offers them",
            )
        )
    if uncreatable:
        found.append(
            Finding(
                CHECK,
                BLOCKING,
                f"collation(s) {preflight.names(uncreatable, 10)}",
                "the target cannot create them as the source defines them: "
                f"{preflight.described(uncreatable, 5)}; the dump's CREATE COLLATION would fail the load",
                remedy="define them with a locale the target's operating system or ICU has, or choose "
                "a target that has the locale",
            )
        )
    if versions:
        found.append(
            Finding(
                CHECK,
                WARNING,
                f"collation version(s) of {preflight.names(versions)}",
                f"the target's library has other versions of collations the source uses: "
                f"{preflight.described(versions, 10)}; some strings may sort differently (indexes are "
                "built anew)",
                remedy="none needed unless the application depends on the exact order of rare strings",
            )
        )
    return found


@check(TABLESPACES_CHECK, "tablespaces in use")
def tablespaces(pre: Preflight) -> list[Finding]:
    """Tablespaces other than pg_default that the source database uses: the guide's --no-tablespaces puts
    everything in the target's default tablespace."""
    used = catalog.rows(pre.src, "checks/tablespaces")
    if not used:
        return []
    names = [
        f"{r['name']} (" + ("the database default" if r["database_default"] else f"{r['relations']} relation(s)") + ")"
        for r in used
    ]
    return [
        Finding(
            TABLESPACES_CHECK,
            WARNING,
            f"tablespace(s) {listed([r['name'] for r in used], 10)}",
            f"the source keeps data in {listed(names, 10)}; the dump is taken with --no-tablespaces, so "
            "everything lands in the target database's default tablespace (Timescale has no other)",
            remedy="none needed unless the target must split storage; then move relations with ALTER TABLE "
            "... SET TABLESPACE after the migration",
        )
    ]
