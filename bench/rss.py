"""Peak memory of a process tree: RSS (and PSS) of this process's descendants, sampled with psutil."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

TOOL_NAMES = ("pg_dump", "pg_dumpall", "pg_restore", "psql", "vacuumdb")


@dataclass
class RssPeak:
    """Peak memory of a sampled process tree."""

    tree_rss_bytes: int = 0
    tree_pss_bytes: int = 0
    largest_rss_bytes: int = 0
    largest_cmd: str = ""
    samples: int = 0
    max_processes: int = 0


def descendants(root: int) -> list[int]:
    """Every process below `root` (children, grandchildren, ...)."""
    try:
        return [child.pid for child in psutil.Process(root).children(recursive=True)]
    except psutil.Error:
        return []


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes of one process; zeros when it is gone or not ours to read."""
    try:
        info = psutil.Process(pid).memory_full_info()
    except (psutil.Error, OSError):
        return 0, 0
    return info.rss, getattr(info, "pss", 0)


def cmdline(pid: int) -> list[str]:
    """A process's argv; empty when it is gone."""
    try:
        return psutil.Process(pid).cmdline()
    except psutil.Error:
        return []


def _exe(pid: int) -> str:
    try:
        return psutil.Process(pid).exe()
    except (psutil.Error, OSError):
        return ""


def is_python(pid: int) -> bool:
    """A Python (Airflow) process: not the PostgreSQL client tools it runs, not the `timeout` wrapper."""
    return "python" in Path(_exe(pid)).name


def is_pgcopydb(pid: int) -> bool:
    """A pgcopydb process (main or worker), not the pg_dump/pg_restore/psql it runs.

    Programs run through trixie's loader show the loader's whole command line as their argv, so the program is
    recognised by any of its first arguments.
    """
    head = cmdline(pid)[:8]
    if not head or any(Path(arg).name in TOOL_NAMES for arg in head):
        return False
    return any("pgcopydb" in arg for arg in head)


class TreeSampler(threading.Thread):
    """Samples, every `interval` seconds, RSS (and PSS) of this process's descendants that `include` accepts."""

    def __init__(self, include: Callable[[int], bool], interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.include = include
        self.interval = interval
        self.peak = RssPeak()
        self._stop_event = threading.Event()
        self._root = os.getpid()

    def run(self) -> None:
        """Poll until stopped."""
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def sample(self) -> None:
        """One sample of the tree."""
        pids = [pid for pid in descendants(self._root) if self.include(pid)]
        memory = {pid: _memory(pid) for pid in pids}
        rss = {pid: value[0] for pid, value in memory.items()}
        pss = sum(value[1] for value in memory.values())
        peak = self.peak
        peak.samples += 1
        peak.max_processes = max(peak.max_processes, len(pids))
        peak.tree_rss_bytes = max(peak.tree_rss_bytes, sum(rss.values()))
        peak.tree_pss_bytes = max(peak.tree_pss_bytes, pss)
        for pid, value in rss.items():
            if value > peak.largest_rss_bytes:
                peak.largest_rss_bytes = value
                peak.largest_cmd = " ".join(cmdline(pid))[:120]

    def stop(self) -> RssPeak:
        """Stop sampling; the peak seen."""
        self._stop_event.set()
        self.join(timeout=5)
        return self.peak


@contextmanager
def sampled(include: Callable[[int], bool]) -> Iterator[TreeSampler]:
    """A running TreeSampler for the block."""
    sampler = TreeSampler(include)
    sampler.start()
    try:
        yield sampler
    finally:
        sampler.stop()
