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


class RecordingLog:
    """Stands in for a logger: keeps (level, message) pairs."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def _add(self, level: str, message: str, *args: Any) -> None:
        self.lines.append((level, message % args if args else message))

    def info(self, message: str, *args: Any) -> None:
        self._add("info", message, *args)

    def warning(self, message: str, *args: Any) -> None:
        self._add("warning", message, *args)

    def levels(self, level: str) -> list[str]:
        """Messages logged at one level."""
        return [text for lvl, text in self.lines if lvl == level]
