"""Stand-ins for the parts of a task context that operators touch when they run outside Airflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class FakeOutletEvents(dict):
    """context["outlet_events"]: per outlet, the (asset, extra) pairs a task added."""

    def __missing__(self, key: Any) -> Any:
        events = self[key] = FakeAccessor()
        return events


@dataclass
class FakeAccessor:
    """One outlet's event accessor."""

    added: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)

    def add(self, asset: Any, extra: dict[str, Any] | None = None) -> None:
        """Record an asset event."""
        self.added.append((asset, extra or {}))


def span(started: float, finished: float) -> dict[str, float]:
    """A phase's span as its operator pushes it."""
    return {"started": started, "finished": finished, "seconds": round(finished - started, 2)}
