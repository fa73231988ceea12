"""Locks: pg_dump locks every table, chunk and sequence it dumps in one transaction, and the shared lock table
of a server holds max_locks_per_transaction * (max_connections + max_prepared_transactions) locks. A dump of
more relations fails with `out of shared memory` (hint: increase max_locks_per_transaction); restoring and
verifying that many relations on the target needs the same room."""

from __future__ import annotations

import math
from typing import Any

from timescale_migration.checks.findings import BLOCKING, WARNING, Finding
from timescale_migration.checks.preflight import Preflight, check
from timescale_migration.db import catalog

CHECK = "locks"
HEADROOM = 1.2
"""The setting to raise to leaves 20% of the lock table to the other sessions."""


def capacity(row: dict[str, Any]) -> int:
    """Locks the server's shared lock table holds."""
    return row["max_locks_per_transaction"] * (row["max_connections"] + row["max_prepared_transactions"])


def needed_setting(relations: int, row: dict[str, Any]) -> int:
    """max_locks_per_transaction that holds `relations` locks with headroom for the other sessions."""
    return math.ceil(relations * HEADROOM / (row["max_connections"] + row["max_prepared_transactions"]))


def judge(side: str, label: str, relations: int, row: dict[str, Any]) -> list[Finding]:
    """A blocking finding when `relations` locks do not fit in the lock table, a warning when one transaction
    takes more than max_locks_per_transaction (it then fits only while the other sessions leave room)."""
    total, per = capacity(row), row["max_locks_per_transaction"]
    settings = (f"max_locks_per_transaction {per} × (max_connections {row['max_connections']} + "
                f"max_prepared_transactions {row['max_prepared_transactions']})")
    raise_to = needed_setting(relations, row)
    remedy = (f"raise max_locks_per_transaction on the {side} to at least {raise_to} (ALTER SYSTEM SET "
              f"max_locks_per_transaction = {raise_to}, then restart it; on a managed service, in its settings)")
    if relations > total:
        what = ("pg_dump would fail with 'out of shared memory'" if side == "source" else
                "restoring and verifying them can fail with 'out of shared memory'")
        return [Finding(CHECK, BLOCKING, f"lock table of {label}",
                        f"the database has {relations:,} relations to lock and the {side}'s lock table holds "
                        f"{total:,} ({settings}): {what}", remedy=remedy)]
    if relations > per and side == "source":
        return [Finding(CHECK, WARNING, f"lock table of {label}",
                        f"pg_dump locks {relations:,} relations in one transaction, more than "
                        f"max_locks_per_transaction {per}: it works only while the other sessions leave room in "
                        f"the lock table of {total:,} ({settings})", remedy=remedy)]
    return []


@check(CHECK, "lock table sizes")
def lock_table(pre: Preflight) -> list[Finding]:
    """The source's relation count against both servers' lock tables."""
    source = catalog.rows(pre.src, "checks/lock_capacity")[0]
    target = catalog.rows(pre.tgt, "checks/lock_capacity")[0]
    relations = source["relations"]
    pre.log.info("%d relation(s) to lock; lock tables: source %d, target %d", relations, capacity(source),
                 capacity(target))
    return judge("source", pre.source.label, relations, source) + judge("target", pre.target.label, relations,
                                                                         target)
