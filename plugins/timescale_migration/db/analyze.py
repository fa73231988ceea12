"""ANALYZE of a whole database over several sessions: every relation a database-wide ANALYZE would process,
largest first, one statement each, `jobs` at a time. TimescaleDB's chunks are tables of their own, so a
hypertable's statistics spread over the sessions; its root is analyzed as a database-wide ANALYZE does it
(TimescaleDB stepping aside for that one statement), since naming a hypertable analyzes all its chunks again.
A login that may not make TimescaleDB step aside (timescaledb.restoring is a superuser setting) analyzes each
hypertable with its chunks instead, in one statement, and its chunks not again."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql as pgsql

from timescale_migration.constants import TIMESCALEDB_SCHEMA_PREFIX
from timescale_migration.db import catalog, sqlfiles
from timescale_migration.db.endpoints import Connect
from timescale_migration.tools.runner import report_every
from timescale_migration.tools.workqueue import work_through

BATCH = 100
BATCH_BYTES = 8 * 1_048_576
"""Relations smaller than BATCH_BYTES are analyzed BATCH at a time, in one statement."""


@dataclass
class ParallelAnalyze:
    """Analyzes every relation `connect`'s user may analyze over `jobs` sessions; cancel() stops it."""

    connect: Connect
    jobs: int
    log: Any
    analyzed: int = 0
    running: dict[int, str] = field(default_factory=dict)
    roots: set[tuple[str, str]] = field(default_factory=set)
    native_roots: bool = False
    _sessions: list[psycopg.Connection] = field(default_factory=list)
    _stopped: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> dict[str, Any]:
        """ANALYZE every relation; {relations, sessions, seconds}. The first error stops the others and is raised."""
        started = time.monotonic()
        with self._pool() as sessions:
            relations = catalog.rows(sessions[0], "analyze/analyzable_relations")
            if unreachable := [f"{r['schema_name']}.{r['table_name']}" for r in relations if not r["reachable"]]:
                return self._whole_database(sessions[0], unreachable, started)
            names = [(r["schema_name"], r["table_name"]) for r in relations]
            if "timescaledb" in catalog.installed_extensions(sessions[0]):
                names = self._hypertables(sessions[0], names)
            sizes = {(r["schema_name"], r["table_name"]): int(r["bytes"]) for r in relations}
            items = self._statements(names, sizes)
            with report_every(lambda: self._progress(len(names)), self.log, "analyze"):
                errors = work_through(
                    items, sessions, self._analyze_one, stopped=self._stopped, stop=self.cancel, name="analyze"
                )
        if errors:
            raise errors[0]
        if self._stopped.is_set():
            raise RuntimeError("ANALYZE was stopped (on_kill) before every relation was analyzed")
        seconds = round(time.monotonic() - started, 1)
        self.log.info(
            "analyzed %d relations in %d statement(s) in %.1fs over %d session(s)",
            len(names),
            len(items),
            seconds,
            len(sessions),
        )
        return {"relations": len(names), "statements": len(items), "sessions": len(sessions), "seconds": seconds}

    def _statements(
        self, names: list[tuple[str, str]], sizes: dict[tuple[str, str], int]
    ) -> list[tuple[tuple[str, str], ...]]:
        """The relations (largest first) as ANALYZE statements: a large one, or a hypertable's root, alone; the
        small ones BATCH at a time (thousands of tiny chunks or partitions: a round trip each would dominate)."""
        items: list[tuple[tuple[str, str], ...]] = []
        small: list[tuple[str, str]] = []
        for name in names:
            if sizes.get(name, 0) >= BATCH_BYTES or name in self.roots:
                items.append((name,))
            else:
                small.append(name)
        items += [tuple(small[i : i + BATCH]) for i in range(0, len(small), BATCH)]
        return items

    def cancel(self) -> None:
        """Stop handing out relations and cancel the running statements."""
        self._stopped.set()
        with self._lock:
            sessions = list(self._sessions)
        for conn in sessions:
            with suppress(psycopg.Error):  # the session is gone already
                conn.cancel()

    @contextmanager
    def _pool(self) -> Iterator[list[psycopg.Connection]]:
        with ExitStack() as stack:
            for _ in range(max(1, self.jobs)):
                conn = stack.enter_context(self.connect())
                conn.execute("SET statement_timeout = 0")  # a role's timeout must not cut a long ANALYZE short
                with self._lock:
                    self._sessions.append(conn)
            yield list(self._sessions)

    def _analyze_one(self, conn: psycopg.Connection, item: tuple[tuple[str, str], ...]) -> None:
        """One ANALYZE statement: one relation, or several small ones (one by one if that fails)."""
        if len(item) == 1:
            self._analyze_single(conn, item[0])
            return
        with self._lock:
            self.running[id(conn)] = f"{len(item)} small relations"
        try:
            tables = pgsql.SQL(", ").join(pgsql.Identifier(*name) for name in item)
            catalog.run(conn, sqlfiles.compose("analyze/analyze_relations", tables=tables))
        except (psycopg.errors.UndefinedTable, psycopg.errors.InternalError) as err:
            self.log.info("ANALYZE of %d relations together failed (%s): one by one", len(item), str(err).strip())
            for name in item:
                self._analyze_single(conn, name)
            return
        finally:
            with self._lock:
                self.running.pop(id(conn), None)
        with self._lock:
            self.analyzed += len(item)

    def _analyze_single(self, conn: psycopg.Connection, name: tuple[str, str]) -> None:
        shown = ".".join(name)
        with self._lock:
            self.running[id(conn)] = shown
        try:
            self._analyze(conn, name)
        except psycopg.errors.UndefinedTable:
            self.log.warning("%s is gone: not analyzed", shown)
        except psycopg.errors.InternalError as err:
            if not name[0].startswith(TIMESCALEDB_SCHEMA_PREFIX):
                raise
            # TimescaleDB's own tables (the cache-invalidation proxies) can trip its loader's extension-state
            # check after another session's invalidation ("tried calling catalog_get when extension isn't
            # loaded", timescaledb#1682); the next statement finds the extension loaded again.
            self.log.warning("ANALYZE of %s failed (%s): once more", shown, str(err).strip())
            self._analyze(conn, name)
        finally:
            with self._lock:
                self.running.pop(id(conn), None)
        with self._lock:
            self.analyzed += 1

    def _whole_database(self, conn: psycopg.Connection, unreachable: list[str], started: float) -> dict[str, Any]:
        """One database-wide ANALYZE: some relation can only be analyzed without being named."""
        self.log.info(
            "%s has no USAGE on the schema of %s: one ANALYZE of the whole database instead",
            conn.info.user,
            ", ".join(unreachable[:5]),
        )
        with report_every(lambda: "ANALYZE of the whole database running", self.log, "analyze"):
            catalog.run(conn, sqlfiles.query("analyze/analyze_database"))
        seconds = round(time.monotonic() - started, 1)
        return {"relations": None, "sessions": 1, "seconds": seconds}

    def _hypertables(self, conn: psycopg.Connection, names: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Note the hypertable roots; if TimescaleDB cannot step aside for this login, drop the chunks from
        `names` (each root's ANALYZE covers them)."""
        self.roots = {(r["schema_name"], r["table_name"]) for r in catalog.rows(conn, "timescaledb/hypertable_roots")}
        if not self.roots:
            return names
        try:
            with conn.transaction(force_rollback=True):
                catalog.run(conn, sqlfiles.query("analyze/analyze_root_natively"))
            self.native_roots = True
            return names
        except psycopg.errors.InsufficientPrivilege:
            chunks = {(r["schema_name"], r["table_name"]) for r in catalog.rows(conn, "timescaledb/all_chunks")}
            self.log.info(
                "%s may not set timescaledb.restoring: each of %d hypertable(s) is analyzed with its "
                "chunks in one statement",
                conn.info.user,
                len(self.roots),
            )
            return [name for name in names if name not in chunks]

    def _analyze(self, conn: psycopg.Connection, name: tuple[str, str]) -> None:
        """One ANALYZE; a hypertable root's with TimescaleDB stepped aside (if that fails: as TimescaleDB does it)."""
        statement = sqlfiles.compose("analyze/analyze_relation", table=name)
        if name in self.roots and self.native_roots:
            try:
                with conn.transaction():
                    catalog.run(conn, sqlfiles.query("analyze/analyze_root_natively"))
                    catalog.run(conn, statement)
                return
            except psycopg.Error as err:
                self.log.warning(
                    "ANALYZE of hypertable %s alone failed (%s): analyzing it with its chunks", ".".join(name), err
                )
        catalog.run(conn, statement)

    def _progress(self, total: int) -> str:
        with self._lock:
            count, now = self.analyzed, ", ".join(sorted(self.running.values())) or "-"
        return f"{count} of {total} relations analyzed; now: {now}"
