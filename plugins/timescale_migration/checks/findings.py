"""Preflight findings: what a check found before the downtime, blocking the run or shown at the stop_apps gate.

A check returns its findings in its XCom (key "findings" of the dict it returns); `collect` gathers them from
every preflight task, the gate shows them, and verify accepts the differences a finding announced (`expected`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from timescale_migration import phases
from timescale_migration.exceptions import MigrationError

BLOCKING = "blocking"
WARNING = "warning"
SEVERITIES = (BLOCKING, WARNING)
GATE_ROWS = 100
"""At most this many findings are shown at the gate, blocking ones first."""


@dataclass(frozen=True)
class Finding:
    """One problem a check found: what it is about, its cause and what to do, and how it shows in verify."""

    check: str
    severity: str
    subject: str
    message: str
    expected: tuple[str, str] | None = None
    """(verify section, item) that will differ because of this finding: verify accepts it, naming the finding."""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"finding severity {self.severity!r} is not one of {', '.join(SEVERITIES)}")

    def describe(self) -> str:
        """One line for logs, the gate and failure messages."""
        return f"{self.check}: {self.subject}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form for XCom."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """Rebuild from to_dict()."""
        expected = data.get("expected")
        return cls(data["check"], data["severity"], data["subject"], data["message"],
                   tuple(expected) if expected else None)  # type: ignore[arg-type]


def collect(ti: Any, tasks: Iterable[str] = phases.PREFLIGHT) -> list[Finding]:
    """Every finding the preflight tasks of this run returned, in task order."""
    found = []
    for task in tasks:
        value = ti.xcom_pull(task_ids=task)
        if isinstance(value, dict):
            found += [Finding.from_dict(item) for item in value.get("findings") or []]
    return found


def refuse_if_blocking(findings: Iterable[Finding], where: str) -> None:
    """Fail the check naming every blocking finding (nothing was changed yet)."""
    blocking = [f for f in findings if f.severity == BLOCKING]
    if blocking:
        raise MigrationError(f"{where} found {len(blocking)} blocking problem(s); nothing was changed: "
                             + "; ".join(f.describe() for f in blocking))


def expected_differences(findings: Iterable[Finding]) -> dict[tuple[str, str], Finding]:
    """(verify section, item) -> the finding that announced the difference."""
    return {f.expected: f for f in findings if f.expected}


def gate_lines(findings: list[Finding]) -> list[str]:
    """Markdown lines for the stop_apps gate: each finding with its severity, or nothing when there is none."""
    if not findings:
        return []
    lines = ["", f"**{len(findings)} preflight finding(s)** — read them before approving:", "",
             "| severity | check | about | what it means |", "| --- | --- | --- | --- |"]
    shown = sorted(findings, key=lambda f: f.severity != BLOCKING)[:GATE_ROWS]
    lines += [f"| {f.severity} | {_cell(f.check)} | {_cell(f.subject)} | {_cell(f.message)} |" for f in shown]
    if len(findings) > GATE_ROWS:
        lines += ["", f"... and {len(findings) - GATE_ROWS} more (every one is in check_versions' log)."]
    return lines


def _cell(value: object) -> str:
    """A value safe inside a Markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")
