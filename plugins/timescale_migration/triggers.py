"""Triggers (run by Airflow's triggerer, no worker held while they wait).

SessionsClosedTrigger: the drain's wait for the applications' sessions on the source to end. drain_source blocks
new sessions (and keeps its block record) in the worker, then defers to this trigger, which polls the source's
client sessions (other than the migration's own) until there are none or the deadline passes, and hands back to
drain_source (`finish_drain`), which ends what is left (terminate_sessions) or fails naming them. Nothing secret is
serialized: the connection id, the database and the deadline; the triggerer resolves the connection itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import psycopg
from airflow.triggers.base import BaseTrigger, TriggerEvent
from asgiref.sync import sync_to_async

from timescale_migration.db import drain
from timescale_migration.db.endpoints import Endpoint

POLL_S = 2.0


class _SessionWatch:
    """One session on the source, opened on first use and reused by every poll (all in one thread)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._context: Any = None
        self._conn: psycopg.Connection | None = None

    def sessions(self) -> list[dict[str, Any]]:
        if self._conn is None or self._conn.closed:
            self._context = self.endpoint.connect()
            self._conn = self._context.__enter__()
        return [
            {key: session[key] for key in ("pid", "user_name", "application_name")}
            for session in drain.other_sessions(self._conn)
        ]

    def close(self) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)
            self._context = self._conn = None


class SessionsClosedTrigger(BaseTrigger):
    """Fires {"status": "closed"} once the source has no other client session, or {"status": "timeout",
    "sessions": [...]} at `deadline` (epoch seconds) with those still open; either with `handback`, what the task
    needs when it resumes (in the event itself: `airflow dags test` hands a resumed task the event alone)."""

    def __init__(
        self,
        conn_id: str,
        database: str | None,
        deadline: float,
        poll: float = POLL_S,
        handback: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.conn_id, self.database, self.deadline, self.poll = conn_id, database, deadline, poll
        self.handback = handback or {}

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "conn_id": self.conn_id,
                "database": self.database,
                "deadline": self.deadline,
                "poll": self.poll,
                "handback": self.handback,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        watch = _SessionWatch(Endpoint("source", self.conn_id, self.database))
        sessions = await sync_to_async(watch.sessions)()
        try:
            while sessions and time.time() < self.deadline:
                self.log.info("waiting for %d session(s) to close: %s", len(sessions), drain.describe(sessions))
                await asyncio.sleep(max(0.1, min(self.poll, self.deadline - time.time())))
                sessions = await sync_to_async(watch.sessions)()
        finally:
            await sync_to_async(watch.close)()
        status = {"status": "timeout", "sessions": sessions} if sessions else {"status": "closed"}
        yield TriggerEvent({**status, "handback": self.handback})
