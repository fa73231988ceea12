"""Both sides' inventories brought to what they mean where PostgreSQL major versions keep the same object
differently, before they are compared.

What the inventory's SQL cannot settle by itself (it reads one side only; what it can, it does: statistics targets,
collation locales, attribute options the server writes, comment names) is settled here with both sides' versions:

- NOT NULL: a domain's is a row of pg_constraint from PostgreSQL 17, a column's from 18 (kind 'n'); older versions
  keep only pg_type.typnotnull / pg_attribute.attnotnull, which the types and columns sections compare on every
  version. Where the older side has no such rows, both sides' are left out; where both have them, their names and
  states (NOT VALID, NO INHERIT) are compared.
- Deparsed queries: PostgreSQL 16 stopped qualifying column names in a query over one relation, so a view's or a
  materialized view's query, and an SQL-standard function body, print differently on 15 and on 16+ for the same
  query. Where the versions differ and the hashes do, the source's text is deparsed again by the target (a
  temporary view or function created from it, in a transaction that is rolled back) and compared with the target's
  own; equal means the same query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql as pgsql

from timescale_migration.db import catalog, sqlfiles

Inventory = dict[str, dict[str, str]]

HIDDEN = "_"
"""Sections whose names start with this hold what normalizing needs (full texts); they are never compared."""
VIEW_TEXTS = "_view queries"
FUNCTION_TEXTS = "_function definitions"
HIDDEN_SECTIONS = {VIEW_TEXTS: "inventory/view_texts", FUNCTION_TEXTS: "inventory/function_texts"}
"""Hidden section -> the include/sql file listing its texts (taken on both sides, used from the source's)."""

NOT_NULL_ROWS = {"domain": 17, "column": 18}
"""Whose NOT NULL constraints are rows of pg_constraint (kind 'n'), from which PostgreSQL major version."""
DEPARSE_CHANGED = 16
"""The major version from which a query over one relation prints its column names unqualified."""
DEFINITION = " definition "
QUERY = " query "


def not_null_kind(detail: str) -> str | None:
    """ "domain" or "column" for a NOT NULL constraint row of the constraints section, None for any other."""
    parts = detail.split(" ", 2)
    return parts[1] if len(parts) > 1 and parts[0] == "n" and parts[1] in NOT_NULL_ROWS else None


def without_not_null_rows(inventory: Inventory, older_major: int) -> Inventory:
    """The inventory without the NOT NULL constraint rows a server of `older_major` does not keep."""
    items = inventory.get("constraints")
    if items is None:
        return inventory
    kept = {
        name: detail
        for name, detail in items.items()
        if (kind := not_null_kind(detail)) is None or older_major >= NOT_NULL_ROWS[kind]
    }
    return {**inventory, "constraints": kept}


def visible(inventory: Inventory) -> Inventory:
    """The sections that are compared (not the hidden ones)."""
    return {section: items for section, items in inventory.items() if not section.startswith(HIDDEN)}


def hidden(conn: psycopg.Connection) -> Inventory:
    """The hidden sections of the connected side (texts for redeparse)."""
    return {
        section: {row["name"]: row["detail"] or "" for row in catalog.rows(conn, query)}
        for section, query in HIDDEN_SECTIONS.items()
    }


def normalized(
    source: Inventory,
    target: Inventory,
    source_major: int,
    target_major: int,
    conn: psycopg.Connection | None,
    log: Any = None,
) -> tuple[Inventory, Inventory]:
    """Both inventories as compared: NOT NULL rows only where both versions keep them, deparsed queries compared
    through the target's deparser when the versions differ (`conn`: a session on the target; None skips that)."""
    older = min(source_major, target_major)
    src, tgt = without_not_null_rows(source, older), without_not_null_rows(target, older)
    if conn is not None and source_major != target_major and older < DEPARSE_CHANGED <= target_major:
        src = redeparsed(conn, src, tgt, log)
    return visible(src), visible(tgt)


def redeparsed(conn: psycopg.Connection, source: Inventory, target: Inventory, log: Any = None) -> Inventory:
    """The source's inventory with each view query and SQL-standard function body that differs from the target's
    replaced by the target's where the target's server deparses the source's text to the target's own."""
    result = dict(source)
    views = _differing(source, target, "view definitions", QUERY)
    if views:
        texts = source.get(VIEW_TEXTS, {})
        result["view definitions"] = _settled(
            conn,
            source["view definitions"],
            target["view definitions"],
            views,
            lambda name: _view_text_matches(conn, texts.get(name), name),
            QUERY,
        )
    functions = _differing(source, target, "functions", DEFINITION)
    if functions:
        texts = source.get(FUNCTION_TEXTS, {})
        result["functions"] = _settled(
            conn,
            source["functions"],
            target["functions"],
            functions,
            lambda name: _function_text_matches(conn, texts.get(name), name),
            DEFINITION,
        )
    if log is not None and (views or functions):
        log.info(
            "deparsed again on the target: %d view queries and %d function definitions that print differently "
            "on the source's PostgreSQL version",
            len(views),
            len(functions),
        )
    return result


def _differing(source: Inventory, target: Inventory, section: str, marker: str) -> list[str]:
    """Names in `section` on both sides whose details differ only after `marker` (the hashed text)."""
    src, tgt = source.get(section, {}), target.get(section, {})
    return sorted(
        name
        for name in src.keys() & tgt.keys()
        if src[name] != tgt[name]
        and marker in src[name]
        and marker in tgt[name]
        and src[name].split(marker)[0] == tgt[name].split(marker)[0]
    )


def _settled(
    conn: psycopg.Connection,
    src: dict[str, str],
    tgt: dict[str, str],
    names: list[str],
    same: Callable[[str], bool],
    marker: str,
) -> dict[str, str]:
    result = dict(src)
    for name in names:
        if same(name):
            result[name] = tgt[name]
    return result


def _view_text_matches(conn: psycopg.Connection, text: str | None, name: str) -> bool:
    """Whether the target deparses the source's query `text` as it deparses its own view `name`."""
    if not text:
        return False
    try:
        with conn.transaction(force_rollback=True):
            catalog.run(conn, sqlfiles.query("verify/redeparse_session"))
            catalog.run(
                conn, pgsql.SQL("CREATE TEMPORARY VIEW tsm_redeparse AS {}").format(pgsql.SQL(text.strip().rstrip(";")))
            )
            row = catalog.rows(conn, "verify/redeparse_view", {"view": name})[0]
    except psycopg.Error:
        if conn.broken:
            raise
        return False
    return bool(row["same"])


def _function_text_matches(conn: psycopg.Connection, text: str | None, name: str) -> bool:
    """Whether the target deparses the source's function definition `text` (as pg_get_functiondef wrote it) as it
    deparses its own function `name`: the source's created again as pg_temp.tsm_redeparse and both printed
    without their first line (which names them)."""
    if not text or "\n" not in text:
        return False
    header, _, body = text.partition("\n")
    opening = header.split("(", 1)
    if len(opening) != 2 or not opening[0].startswith("CREATE OR REPLACE "):
        return False
    kind = opening[0].removeprefix("CREATE OR REPLACE ").split(" ", 1)[0]
    statement = f"CREATE {kind} pg_temp.tsm_redeparse({opening[1]}\n{body}"
    try:
        with conn.transaction(force_rollback=True):
            catalog.run(conn, sqlfiles.query("verify/redeparse_session"))
            catalog.run(conn, pgsql.SQL(statement))
            row = catalog.rows(conn, "verify/redeparse_function", {"function": name})[0]
    except psycopg.Error:
        if conn.broken:
            raise
        return False
    return bool(row["same"])
