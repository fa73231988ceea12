"""What the checks found, handed to every later task through XCom (no secrets in it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from timescale_migration.tools.clienttools import ClientTools


@dataclass(frozen=True)
class TimescaleInfo:
    """TimescaleDB on both sides of a TimescaleDB migration."""

    version: str
    source_schema: str
    target_schema: str


@dataclass(frozen=True)
class MigrationPlan:
    """Versions, sizes, tools and decisions the checks made."""

    source: dict[str, Any]
    target: dict[str, Any]
    client_tools: ClientTools
    timescaledb: TimescaleInfo | None
    source_extensions: dict[str, dict[str, str]] = field(default_factory=dict)
    role_passwords: bool = True
    aligned: str | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    """Preflight findings (findings.Finding.to_dict()), shown at the stop_apps gate."""
    stripped_column_options: list[str] = field(default_factory=list)
    """Column options the source's server writes itself and the target refuses: the load leaves them out of the
    dump (copy/dumpfilter.py)."""

    def to_xcom(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return asdict(self)

    @classmethod
    def from_xcom(cls, data: dict[str, Any]) -> MigrationPlan:
        """Rebuild from to_xcom()."""
        ts = data.get("timescaledb")
        return cls(
            source=data["source"],
            target=data["target"],
            client_tools=ClientTools(**data["client_tools"]),
            timescaledb=TimescaleInfo(**ts) if ts else None,
            source_extensions=data.get("source_extensions", {}),
            role_passwords=data.get("role_passwords", True),
            aligned=data.get("aligned"),
            findings=data.get("findings", []),
            stripped_column_options=data.get("stripped_column_options", []),
        )
