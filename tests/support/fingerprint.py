"""An independent check of a migration: per-table content hashes computed without the project's own code."""

from __future__ import annotations

import psycopg

TABLES = """
SELECT format('%I.%I', n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND (c.relkind <> 'm' OR c.relispopulated)
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE '\\_timescaledb%'
  AND n.nspname NOT LIKE 'timescaledb\\_%'
ORDER BY 1
"""


def fingerprint(conn: psycopg.Connection) -> dict[str, tuple[int, str]]:
    """table -> (rows, md5 of its rows' text sorted); populated materialized views included (one never populated
    cannot be read: objects() compares which are)."""
    result = {}
    names = [row[0] for row in conn.execute(TABLES).fetchall()]
    for name in names:
        count, digest = conn.execute(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {name} t"
        ).fetchone()
        result[name] = (count, digest)
    return result


def sequences(conn: psycopg.Connection) -> dict[str, tuple[int, bool]]:
    """sequence -> (last_value, is_called) for user sequences."""
    rows = conn.execute(
        "SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences "
        "WHERE schemaname NOT LIKE '\\_timescaledb%' ORDER BY 1"
    ).fetchall()
    return {name: tuple(conn.execute(f"SELECT last_value, is_called FROM {name}").fetchone()) for (name,) in rows}


def large_objects(conn: psycopg.Connection) -> dict[int, str]:
    """large object oid -> md5 of its content."""
    rows = conn.execute("SELECT oid, md5(lo_get(oid)) FROM pg_largeobject_metadata ORDER BY oid").fetchall()
    return dict(rows)


def objects(conn: psycopg.Connection) -> dict[str, list[str]]:
    """Names of views, functions, triggers, policies, indexes and comments, for structural comparison."""
    queries = {
        "views": "SELECT format('%I.%I', schemaname, viewname) FROM pg_views "
        "WHERE schemaname NOT IN ('pg_catalog','information_schema') "
        "AND schemaname NOT LIKE 'timescaledb\\_%' AND schemaname NOT LIKE '\\_timescaledb%' ORDER BY 1",
        "matviews": "SELECT format('%I.%I %s', schemaname, matviewname, ispopulated) FROM pg_matviews ORDER BY 1",
        "policies": "SELECT format('%I.%I %s %s', schemaname, tablename, policyname, roles::text) "
        "FROM pg_policies ORDER BY 1",
        "triggers": "SELECT format('%s %I', tgrelid::regclass, tgname) FROM pg_trigger t JOIN pg_class c "
        "ON c.oid = t.tgrelid WHERE NOT tgisinternal AND tgname NOT LIKE 'ts\\_%' "
        "AND c.relnamespace::regnamespace::text NOT LIKE '\\_timescaledb%' ORDER BY 1",
        "indexes": "SELECT format('%I.%I', schemaname, indexname) FROM pg_indexes "
        "WHERE schemaname NOT IN ('pg_catalog') AND schemaname NOT LIKE '\\_timescaledb%' ORDER BY 1",
        "functions": "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname NOT IN ('pg_catalog','information_schema') AND NOT EXISTS (SELECT 1 FROM "
        "pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') ORDER BY 1",
        "comments": "SELECT format('%s %s', classoid::regclass, description) FROM pg_description d "
        "WHERE NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = d.objoid AND e.deptype = 'e') "
        "AND d.objoid >= 16384 AND d.classoid <> 'pg_extension'::regclass ORDER BY 1",
    }
    return {key: [row[0] for row in conn.execute(q).fetchall()] for key, q in queries.items()}
