"""Running one client tool: output streamed into the task log, progress every few seconds, killable."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from timescale_migration.constants import PROGRESS_INTERVAL_S
from timescale_migration.exceptions import ClientToolFailed

TAIL_LINES = 20


class ToolRunner:
    """Runs client tools one at a time for an operator; `kill()` ends the running one and its children."""

    def __init__(self, log: logging.Logger) -> None:
        self.log = log
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def run(
        self,
        argv: list[str],
        env: dict[str, str],
        *,
        progress: Callable[[], str | None] | None = None,
        interval: float = PROGRESS_INTERVAL_S,
    ) -> float:
        """Run argv to completion, logging its output; returns seconds taken, raises ClientToolFailed on failure."""
        tool = Path(argv[0]).name
        self.log.info("running: %s", " ".join(argv))
        started = time.monotonic()
        tail: deque[str] = deque(maxlen=TAIL_LINES)
        with self._lock:
            self._proc = subprocess.Popen(
                argv,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                start_new_session=True,
            )
        proc = self._proc
        done = threading.Event()
        reporter = None
        if progress is not None:
            reporter = threading.Thread(target=self._report, args=(progress, done, interval, tool), daemon=True)
            reporter.start()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                line = line.rstrip("\n")
                tail.append(line)
                self.log.info("%s: %s", tool, line)
            returncode = proc.wait()
        finally:
            done.set()
            if reporter is not None:
                reporter.join(timeout=1)
            with self._lock:
                self._proc = None
        elapsed = time.monotonic() - started
        if returncode != 0:
            how = f"was killed by signal {-returncode}" if returncode < 0 else f"exited with code {returncode}"
            last = "\n".join(tail) or "(no output)"
            raise ClientToolFailed(f"{tool} {how} after {elapsed:.1f}s; its last output:\n{last}")
        self.log.info("%s finished in %.1fs", tool, elapsed)
        return elapsed

    def _report(self, progress: Callable[[], str | None], done: threading.Event, interval: float, tool: str) -> None:
        while not done.wait(interval):
            try:
                message = progress()
            except Exception as err:  # progress is best effort; never break the tool run
                message = f"progress unavailable: {err}"
            if message:
                self.log.info("%s progress: %s", tool, message)

    @property
    def pid(self) -> int | None:
        """Process id of the running tool, if any."""
        proc = self._proc
        return proc.pid if proc is not None else None

    def kill(self, grace: float = 5.0) -> None:
        """Terminate the running tool's process group (SIGTERM, then SIGKILL after `grace` seconds)."""
        with self._lock:
            proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        self.log.warning("killing %s (pid %s) and its children", proc.args[0], proc.pid)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue
