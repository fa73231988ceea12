"""A queue of work items shared by a few worker threads, each with its own resource (a runner, a session): items
are taken in order, and the first failure stops the rest."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Worker = TypeVar("Worker")


def work_through(
    items: Iterable[Item],
    workers: Sequence[Worker],
    do: Callable[[Worker, Item], None],
    *,
    stopped: threading.Event,
    stop: Callable[[], None],
    name: str,
) -> list[BaseException]:
    """Run do(worker, item) for every item, one thread per worker, until the items run out or `stopped` is set;
    the first exception calls stop() (which should set `stopped` and end what the others run). The exceptions,
    in the order they happened."""
    todo: queue.Queue[Item] = queue.Queue()
    for item in items:
        todo.put(item)
    errors: list[BaseException] = []

    def loop(worker: Worker) -> None:
        while not stopped.is_set():
            try:
                item = todo.get_nowait()
            except queue.Empty:
                return
            try:
                do(worker, item)
            except BaseException as err:
                errors.append(err)
                stop()
                return

    threads = [threading.Thread(target=loop, args=(worker,), name=f"{name}-{i}") for i, worker in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
