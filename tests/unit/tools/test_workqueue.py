"""Unit tests of workqueue.py: items shared by worker threads, the first failure stops the rest."""

from __future__ import annotations

import threading

import pytest

from timescale_migration.tools.workqueue import work_through

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_every_item_once_each_by_some_worker(workers: int) -> None:
    """Every item is done exactly once, by one of the workers, in order for a single worker."""
    done: list[tuple[str, int]] = []
    lock = threading.Lock()

    def do(worker: str, item: int) -> None:
        with lock:
            done.append((worker, item))

    stopped = threading.Event()
    errors = work_through(range(20), [f"w{i}" for i in range(workers)], do, stopped=stopped, stop=stopped.set, name="t")
    assert errors == []
    assert sorted(item for _, item in done) == list(range(20))
    assert {worker for worker, _ in done} <= {f"w{i}" for i in range(workers)}
    if workers == 1:
        assert [item for _, item in done] == list(range(20))


def test_first_failure_stops_the_rest() -> None:
    """The failing item's exception is returned, stop() is called, and no item is started after it."""
    started: list[int] = []
    stops: list[int] = []
    stopped = threading.Event()

    def do(worker: str, item: int) -> None:
        started.append(item)
        if item == 3:
            raise ValueError("item 3 broke")

    def stop() -> None:
        stops.append(1)
        stopped.set()

    errors = work_through(range(10), ["only"], do, stopped=stopped, stop=stop, name="t")
    assert [str(e) for e in errors] == ["item 3 broke"]
    assert started == [0, 1, 2, 3] and stops == [1]


def test_nothing_runs_once_stopped() -> None:
    """With `stopped` already set (on_kill came first), no item is started."""
    stopped = threading.Event()
    stopped.set()
    ran: list[int] = []
    assert (
        work_through(range(5), ["a", "b"], lambda w, i: ran.append(i), stopped=stopped, stop=stopped.set, name="t")
        == []
    )
    assert ran == []
