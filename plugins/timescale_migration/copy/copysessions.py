"""A copy worker's two long-lived psql sessions: one on the source, inside the exported snapshot, one on the
target. Each table's rows pass from the one to the other through a FIFO of its own in the private run directory
(no data passes through Python), so a table costs a few commands instead of two new processes, two connections
and a snapshot import: what a hypertable of thousands of chunks would otherwise pay per chunk."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from psycopg import sql as pgsql

from timescale_migration.exceptions import ClientToolFailed
from timescale_migration.tools.runner import TAIL_LINES, check_exit, dies_with_parent

DONE = "tsm-copy-done"
"""What a session echoes once a table's commands are through (followed by the table's sequence number)."""

SIDES = ("source", "target")

UNQUOTABLE = ("'", "\\", "\n", "\r")
"""Characters a path in psql's \\copy may not hold here (it is quoted as '...' on one line)."""


@contextmanager
def fifo_directory(run_dir: Path) -> Iterator[Path]:
    """A private directory for the copy's FIFOs, removed afterwards: in the run directory, or a temporary one
    when the run directory's path has a character psql's \\copy would not take."""
    if any(ch in str(run_dir) for ch in UNQUOTABLE):
        path = Path(tempfile.mkdtemp(prefix="tsm-copy-"))
    else:
        path = run_dir / "fifos"
        shutil.rmtree(path, ignore_errors=True)  # left by a killed try
        path.mkdir(mode=0o700)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def fifo_literal(fifo: Path) -> pgsql.Composable | None:
    """A FIFO's path as \\copy's quoted file name; None if it cannot be one."""
    if any(ch in str(fifo) for ch in UNQUOTABLE):
        return None
    return pgsql.SQL(f"'{fifo}'")


def one_line(meta_command: str) -> bool:
    """Whether psql can read this \\copy as the one line a meta-command must be (no line break, and no other
    backslash in names, which its parser might read as an escape)."""
    return not any(ch in meta_command[1:] for ch in "\\\n\r")


@dataclass(frozen=True)
class SessionCopy:
    """One table's commands for the two sessions and the FIFO they meet at (created just before, removed after)."""

    fifo: Path
    reader: tuple[str, ...]
    writer: tuple[str, ...]


class _Psql:
    """One psql reading its commands from a pipe; what it prints is logged, and each DONE marker is queued."""

    def __init__(
        self, side: str, argv: list[str], env: dict[str, str], events: queue.Queue[tuple[str, str | None]], log: Any
    ) -> None:
        self.side, self.log = side, log
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.proc = subprocess.Popen(
            dies_with_parent(argv),
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
        self._drain = threading.Thread(target=self._read, args=(events,), name=f"copy-{side}", daemon=True)
        self._drain.start()

    def _read(self, events: queue.Queue[tuple[str, str | None]]) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.rstrip("\n")
            if line.startswith(DONE + " "):
                events.put((self.side, line[len(DONE) + 1 :]))
                continue
            self.tail.append(line)
            self.log.info("psql (%s): %s", self.side, line)
        events.put((self.side, None))

    def send(self, lines: tuple[str, ...]) -> bool:
        """Write commands; False if psql is gone."""
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write("".join(line + "\n" for line in lines))
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, ValueError):
            return False

    def finish(self) -> None:
        """Close its input: psql ends the session (check() waits for it)."""
        with suppress(BrokenPipeError):
            assert self.proc.stdin is not None
            self.proc.stdin.close()

    def kill(self) -> None:
        """SIGKILL its process group and reap it (the backend notices the closed connection and rolls back)."""
        if self.proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)

    def check(self, elapsed: float, *, early: bool) -> None:
        """Wait for it to end; raise ClientToolFailed if it failed (or ended `early`), with its last output."""
        code = self.proc.wait()
        self._drain.join(timeout=5)
        check_exit(f"psql ({self.side})", code, elapsed, self.tail, early=early)


class CopySessions:
    """The source and target psql of one worker, started at its first table; kill() ends both at once."""

    def __init__(
        self,
        reader: tuple[list[str], dict[str, str], tuple[str, ...]],
        writer: tuple[list[str], dict[str, str], tuple[str, ...]],
        log: Any,
    ) -> None:
        self._specs = {"source": reader, "target": writer}
        self.log = log
        self._events: queue.Queue[tuple[str, str | None]] = queue.Queue()
        self._psql: dict[str, _Psql] = {}
        self._lock = threading.Lock()
        self._killed = False
        self._count = 0
        self._started = time.monotonic()

    def start(self) -> None:
        """Start both sessions now, from the calling thread (the tools die with the thread that started them:
        start them from the thread that closes them)."""
        if not self._psql:
            self._start()

    def _start(self) -> None:
        with self._lock:
            if self._killed:
                raise ClientToolFailed("the copy was stopped before this worker started")
            for side, (argv, env, setup) in self._specs.items():
                self._psql[side] = _Psql(side, argv, env, self._events, self.log)
                self._psql[side].send(setup)
            self._started = time.monotonic()

    def copy(self, table: SessionCopy) -> float:
        """Copy one table through its FIFO; seconds taken. Either session failing kills both and raises."""
        if not self._psql:
            self._start()
        started = time.monotonic()
        self._count += 1
        token = str(self._count)
        os.mkfifo(table.fifo, 0o600)
        try:
            marker = f"\\echo {DONE} {token}"
            for side, lines in (("target", table.writer), ("source", table.reader)):
                if not self._psql[side].send((*lines, marker)):
                    self._fail(side)
            waiting = set(SIDES)
            while waiting:
                side, seen = self._events.get()
                if seen is None:
                    self._fail(side)
                if seen == token:
                    waiting.discard(side)
        finally:
            table.fifo.unlink(missing_ok=True)
        return time.monotonic() - started

    def _fail(self, side: str) -> NoReturn:
        """One session ended: end the other (it may wait on the FIFO forever) and raise with the first's story."""
        self.kill()
        self._psql[side].check(time.monotonic() - self._started, early=True)
        raise ClientToolFailed(f"psql ({side}) ended before the table was copied")  # check() raised already

    def close(self) -> None:
        """End both sessions after the last table; a session that fails to end cleanly fails the copy."""
        for side in SIDES:
            psql = self._psql.get(side)
            if psql is not None:
                psql.finish()
                psql.check(time.monotonic() - self._started, early=False)

    def kill(self) -> None:
        """Kill both sessions (on_kill, or another worker failed); later copies refuse to start."""
        with self._lock:
            self._killed = True
            sessions = list(self._psql.values())
        for psql in sessions:
            psql.kill()
