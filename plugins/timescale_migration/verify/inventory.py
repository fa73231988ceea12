"""What one side holds, as structure: every kind of object pg_dump carries (SECTIONS), the database's settings and
comment, owners and privileges, and TimescaleDB's hypertables, dimensions, chunks, compression settings and jobs. Each
section maps an object's name to a detail string: what the object is and the state it is in (populated or not, valid
or not, enabled or not...). Where PostgreSQL versions keep the same thing differently, the SQL reads it so that it
means the same, or verify/normalize.py brings both sides to what it means.
"""

from __future__ import annotations

import psycopg

from timescale_migration.db import catalog, dbsettings, privileges, sqlfiles
from timescale_migration.verify import normalize

SECTIONS = {
    "schemas": "inventory/schemas",
    "tables": "inventory/tables",
    "columns": "inventory/columns",
    "view definitions": "inventory/view_definitions",
    "indexes": "inventory/indexes",
    "constraints": "inventory/constraints",
    "types": "inventory/types",
    "functions": "inventory/functions",
    "aggregates": "inventory/aggregates",
    "operators": "inventory/operators",
    "operator classes": "inventory/operator_classes",
    "operator families": "inventory/operator_families",
    "casts": "inventory/casts",
    "collations": "inventory/collations",
    "conversions": "inventory/conversions",
    "text search": "inventory/text_search",
    "statistics": "inventory/statistics",
    "triggers": "inventory/triggers",
    "rules": "inventory/rules",
    "policies": "inventory/policies",
    "comments": "inventory/comments",
    "security labels": "inventory/security_labels",
    "sequence definitions": "inventory/sequences",
    "foreign data": "inventory/foreign_data",
    "publications": "inventory/publications",
    "subscriptions": "inventory/subscriptions",
    "event triggers": "inventory/event_triggers",
    "languages, access methods, transforms": "inventory/languages",
    "extensions": "inventory/extensions",
    "roles": "inventory/roles",
}
"""Section name -> the include/sql file that lists its objects, each in what it means and the state it is in (sequence
values, rows and large objects are data, not structure: fingerprint.py)."""
TIMESCALE_SECTIONS = {
    "hypertables": "timescaledb/hypertables",
    "dimensions": "timescaledb/dimensions",
    "chunks": "timescaledb/chunks",
    "chunk states": "timescaledb/chunk_states",
    "compression": "timescaledb/compression",
    "continuous aggregates": "timescaledb/continuous_aggregates",
    "jobs": "timescaledb/jobs",
}
"""TimescaleDB's sections (as "timescaledb <section>") -> the include/sql file listing them."""


def take(conn: psycopg.Connection) -> dict[str, dict[str, str]]:
    """Every section of the inventory of the connected database, and the hidden ones normalizing uses."""
    catalog.run(conn, sqlfiles.query("verify/verify_session"))
    result = {name: catalog.section(conn, query) for name, query in SECTIONS.items()}
    result.update(normalize.hidden(conn))
    result[dbsettings.SECTION] = dbsettings.read(conn).inventory()
    result.update(privileges.inventory(conn))
    if "timescaledb" in catalog.installed_extensions(conn):
        for name, query in TIMESCALE_SECTIONS.items():
            result[f"timescaledb {name}"] = catalog.section(conn, query)
    return result
