"""Running one client tool: output streamed into the task log, progress every few seconds, killable."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from timescale_migration.constants import PROGRESS_INTERVAL_S
from timescale_migration.exceptions import ClientToolFailed
from timescale_migration.masking import redacted

TAIL_LINES = 20
SETPRIV = shutil.which("setpriv")


def dies_with_parent(argv: list[str]) -> list[str]:
    """argv run through util-linux's `setpriv --pdeathsig KILL`: the kernel kills the tool when the thread of the
    task process that started it dies, even by SIGKILL (a killed worker leaves no pg_dump or psql loading on its
    own); argv unchanged where setpriv is missing."""
    return [SETPRIV, "--pdeathsig", "KILL", "--", *argv] if SETPRIV else argv


class ToolRunner:
    """Runs client tools one at a time for an operator; `kill()` ends the running one and its children."""

    def __init__(self, log: logging.Logger | Any) -> None:
        self.log = log
        self._proc: subprocess.Popen[str] | None = None
        self._pgid: int | None = None
        self._lock = threading.Lock()

    def run(
        self,
        argv: list[str],
        env: dict[str, str],
        *,
        progress: Callable[[], str | None] | None = None,
        interval: float = PROGRESS_INTERVAL_S,
    ) -> float:
        """Run argv to completion, logging its output (registered secrets masked); returns seconds taken, raises
        ClientToolFailed on failure."""
        tool = Path(argv[0]).name
        self.log.info("running: %s", " ".join(argv))
        started = time.monotonic()
        tail: deque[str] = deque(maxlen=TAIL_LINES)
        with self._lock:
            self._proc = subprocess.Popen(
                dies_with_parent(argv),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                start_new_session=True,
            )
            self._pgid = self._proc.pid
        proc = self._proc
        try:
            with report_every(progress, self.log, tool, interval):
                assert proc.stdout is not None
                for line in proc.stdout:
                    line = redacted(line.rstrip("\n"))
                    tail.append(line)
                    self.log.info("%s: %s", tool, line)
                returncode = proc.wait()
        finally:
            with self._lock:
                self._proc = None
                self._pgid = None
        elapsed = time.monotonic() - started
        check_exit(tool, returncode, elapsed, tail)
        self.log.info("%s finished in %.1fs", tool, elapsed)
        return elapsed

    def run_pipeline(
        self,
        producer: list[str],
        producer_env: dict[str, str],
        consumer: list[str],
        consumer_env: dict[str, str],
        *,
        progress: Callable[[], str | None] | None = None,
        interval: float = PROGRESS_INTERVAL_S,
        quiet: bool = False,
    ) -> float:
        """Run `producer | consumer` (one process group, each with its own environment), logging both (quiet:
        their output only, not the command lines and time); raises ClientToolFailed naming whichever failed.
        No data passes through Python."""
        names = Path(producer[0]).name, Path(consumer[0]).name
        if not quiet:
            self.log.info("running: %s | %s", " ".join(producer), " ".join(consumer))
        started = time.monotonic()
        tails: tuple[deque[str], deque[str]] = (deque(maxlen=TAIL_LINES), deque(maxlen=TAIL_LINES))
        with self._lock:
            first = subprocess.Popen(
                dies_with_parent(producer),
                env=producer_env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                process_group=0,
            )  # a group of its own, joined next
            second = subprocess.Popen(
                dies_with_parent(consumer),
                env=consumer_env,
                stdin=first.stdout,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                process_group=first.pid,
            )
            assert first.stdout is not None
            first.stdout.close()  # the producer gets SIGPIPE if the consumer stops
            self._proc, self._pgid = second, first.pid
        errors = threading.Thread(target=self._drain, args=(first.stderr, names[0], tails[0]), daemon=True)
        errors.start()
        try:
            with report_every(progress, self.log, names[1], interval):
                self._drain(second.stdout, names[1], tails[1])
                codes = second.wait(), first.wait()
        finally:
            errors.join(timeout=2)
            with self._lock:
                self._proc = None
                self._pgid = None
        elapsed = time.monotonic() - started
        check_exit(names[1], codes[0], elapsed, tails[1])  # first: a stopped consumer is why the producer got SIGPIPE
        check_exit(names[0], codes[1], elapsed, tails[0])
        if not quiet:
            self.log.info("%s | %s finished in %.1fs", *names, elapsed)
        return elapsed

    def _drain(self, stream: Any, tool: str, tail: deque[str]) -> None:
        """Log every line a tool writes (bytes or text) and keep the last ones."""
        for raw in stream:
            line = redacted((raw.decode(errors="replace") if isinstance(raw, bytes) else raw).rstrip("\n"))
            tail.append(line)
            self.log.info("%s: %s", tool, line)

    @property
    def pid(self) -> int | None:
        """Process id of the running tool, if any."""
        proc = self._proc
        return proc.pid if proc is not None else None

    def kill(self, grace: float = 5.0) -> None:
        """Terminate the running tool's process group (SIGTERM, then SIGKILL after `grace` seconds)."""
        with self._lock:
            proc, pgid = self._proc, self._pgid
        if proc is None or pgid is None or proc.poll() is not None:
            return
        program = proc.args[0] if isinstance(proc.args, list) else proc.args
        self.log.warning("killing %s (process group %s) and its children", program, pgid)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue


@contextmanager
def report_every(
    progress: Callable[[], str | None] | None, log: logging.Logger, tool: str, interval: float = PROGRESS_INTERVAL_S
) -> Iterator[None]:
    """While the block runs, log `progress()` every `interval` seconds (best effort: a failing progress is
    logged, never raised); no progress: nothing."""
    if progress is None:
        yield
        return
    done = threading.Event()

    def report() -> None:
        while not done.wait(interval):
            try:
                message = progress()
            except Exception as err:  # progress is best effort; never break the tool run
                message = f"progress unavailable: {err}"
            if message:
                log.info("%s progress: %s", tool, message)

    reporter = threading.Thread(target=report, name=f"{tool}-progress", daemon=True)
    reporter.start()
    try:
        yield
    finally:
        done.set()
        reporter.join(timeout=2)


def check_exit(tool: str, returncode: int, elapsed: float, tail: deque[str], *, early: bool = False) -> None:
    """Raise ClientToolFailed for a non-zero exit (or any exit, when the tool ended `early`), with the tool's last
    output."""
    if returncode != 0 or early:
        how = f"was killed by signal {-returncode}" if returncode < 0 else f"exited with code {returncode}"
        last = "\n".join(tail) or "(no output)"
        raise ClientToolFailed(f"{tool} {how} after {elapsed:.1f}s; its last output:\n{last}")
