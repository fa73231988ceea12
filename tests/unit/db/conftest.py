"""Helpers shared by the unit tests of db/."""

from __future__ import annotations

from timescale_migration.db.privileges import ObjectPrivileges


def obj(
    kind: str, schema: str | None, name: str, sub: str | None = None, owner: str = "app", acl: frozenset = frozenset()
) -> ObjectPrivileges:
    """An object as read from a server."""
    return ObjectPrivileges(kind, schema, name, sub, owner, False, acl)
