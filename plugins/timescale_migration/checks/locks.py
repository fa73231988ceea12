"""Locks: pg_dump locks every table, chunk and sequence it dumps in one transaction, and a server's shared lock
table holds max_locks_per_transaction × (max_connections + max_prepared_transactions) locks, plus whatever room its
shared memory has beyond that. A dump of more relations than fit fails with `out of shared memory`.

Refused only what is certain: where the relations could exceed a transaction's share, the source's lock table is
tried, in the sessions the chosen format holds locks in at once (pg_dump's; for `directory` also its workers',
which keep a lock on every table they dump until the dump ends; `parallel` dumps its skeleton before its copy
sessions lock the large tables they read), each locking every relation in a transaction that is rolled back.
Only a failure of that try blocks; an estimate above the nominal size is a warning with the numbers. The target
locks nothing across statements (every restore statement and verify query is its own transaction), so its lock
table is an estimate only."""

from __future__ import annotations

import math
from contextlib import ExitStack
from typing import Any

import psycopg

from timescale_migration.checks.findings import BLOCKING, WARNING, Finding
from timescale_migration.checks.preflight import Preflight, check
from timescale_migration.constants import DumpFormat
from timescale_migration.db import catalog, sqlfiles
from timescale_migration.db.endpoints import Endpoint

CHECK = "locks"
HEADROOM = 1.2
"""The setting to raise to leaves 20% of the lock table to the other sessions."""
TRY_LOCK_TIMEOUT = "5s"
"""How long the try waits for a relation someone holds exclusively before it gives up without an answer."""
OUT_OF_SHARED_MEMORY = "53200"


def capacity(row: dict[str, Any]) -> int:
    """Locks the server's shared lock table holds by its settings."""
    return row["max_locks_per_transaction"] * (row["max_connections"] + row["max_prepared_transactions"])


def needed_setting(relations: int, row: dict[str, Any], sessions: int = 1) -> int:
    """max_locks_per_transaction that holds `relations` locks in each of `sessions`, with headroom."""
    return math.ceil(relations * sessions * HEADROOM / (row["max_connections"] + row["max_prepared_transactions"]))


def lock_sessions(dump_format: str) -> int:
    """Sessions of the source that hold a lock on (nearly) every relation at once during the dump."""
    return 2 if dump_format == DumpFormat.DIRECTORY else 1


def _settings(row: dict[str, Any]) -> str:
    return (
        f"max_locks_per_transaction {row['max_locks_per_transaction']} × (max_connections "
        f"{row['max_connections']} + max_prepared_transactions {row['max_prepared_transactions']})"
    )


def _remedy(side: str, raise_to: int) -> str:
    return (
        f"raise max_locks_per_transaction on the {side} to at least {raise_to} (ALTER SYSTEM SET "
        f"max_locks_per_transaction = {raise_to}, then restart it; on a managed service, in its settings)"
    )


def try_locks(source: Endpoint, sessions: int) -> str | None:
    """Lock every relation in `sessions` sessions at once, each in a transaction that is rolled back: None when
    they all fit, else "out of shared memory" or why the try could not answer (prefixed "untried: ")."""
    with ExitStack() as stack:
        try:
            for _ in range(sessions):
                conn = stack.enter_context(source.connect())
                stack.enter_context(conn.transaction(force_rollback=True))
                catalog.run(conn, sqlfiles.query("checks/set_lock_timeout"), {"timeout": TRY_LOCK_TIMEOUT})
                catalog.run(conn, sqlfiles.query("checks/lock_every_relation"))
        except psycopg.Error as err:
            message = (err.diag.message_primary if err.diag else None) or str(err)
            if err.sqlstate == OUT_OF_SHARED_MEMORY:
                return message
            return f"untried: {message}"
    return None


def source_findings(pre: Preflight, row: dict[str, Any]) -> list[Finding]:
    """The source's lock table: tried when the relations could exceed a transaction's share of it."""
    relations, per, total = row["relations"], row["max_locks_per_transaction"], capacity(row)
    if relations <= per:
        return []
    sessions = lock_sessions(pre.opts.dump_format)
    label = f"lock table of {pre.source.label}"
    raise_to = needed_setting(relations, row, sessions)
    numbers = (
        f"{relations:,} relations locked in {sessions} session(s) at once (format {pre.opts.dump_format}); "
        f"the lock table holds {total:,} by its settings ({_settings(row)})"
    )
    outcome = try_locks(pre.source, sessions)
    pre.log.info(
        "locking every relation on the source in %d session(s), rolled back: %s", sessions, outcome or "they fit"
    )
    if outcome is None:
        if relations * sessions <= total:
            return [
                Finding(
                    CHECK,
                    WARNING,
                    label,
                    f"pg_dump locks {relations:,} relations in one transaction, more than "
                    f"max_locks_per_transaction {per}: it works only while the other sessions leave room in "
                    f"the lock table ({numbers}); tried now: they fit",
                    remedy=_remedy("source", raise_to),
                )
            ]
        return [
            Finding(
                CHECK,
                WARNING,
                label,
                f"{numbers}, fewer than the dump needs, but tried now they fit (the lock table has room beyond "
                "its nominal size): other sessions on the source could take that room during the dump",
                remedy=_remedy("source", raise_to),
            )
        ]
    if outcome.startswith("untried: "):
        return [
            Finding(
                CHECK,
                WARNING,
                label,
                f"{numbers}; trying to lock them all could not finish ({outcome.removeprefix('untried: ')}), "
                "so whether the dump fits is not known",
                remedy=_remedy("source", raise_to),
            )
        ]
    return [
        Finding(
            CHECK,
            BLOCKING,
            label,
            f"{numbers}; tried now (in a transaction rolled back), locking them failed with '{outcome}': "
            "pg_dump would fail the same way after the downtime began",
            remedy=_remedy("source", raise_to),
        )
    ]


def target_findings(pre: Preflight, relations: int, row: dict[str, Any]) -> list[Finding]:
    """The target's lock table, an estimate: a warning only (it holds no lock across statements)."""
    total = capacity(row)
    if relations <= total:
        return []
    return [
        Finding(
            CHECK,
            WARNING,
            f"lock table of {pre.target.label}",
            f"the database has {relations:,} relations and the target's lock table holds {total:,} by its "
            f"settings ({_settings(row)}); the load and verify lock one relation per statement, so this is "
            "a warning only: a session that locks many at once there (yours, after the cutover) may not fit",
            remedy=_remedy("target", needed_setting(relations, row)),
        )
    ]


@check(CHECK, "lock table sizes")
def lock_table(pre: Preflight) -> list[Finding]:
    """The source's lock table tried where it may be too small; the target's estimated."""
    source = catalog.rows(pre.src, "checks/lock_capacity")[0]
    target = catalog.rows(pre.tgt, "checks/lock_capacity")[0]
    relations = source["relations"]
    pre.log.info(
        "%d relation(s) to lock; lock tables by their settings: source %d, target %d",
        relations,
        capacity(source),
        capacity(target),
    )
    return source_findings(pre, source) + target_findings(pre, relations, target)
