"""Preflight findings: what a check found before the downtime, blocking the run or shown at the stop_apps gate.

A check returns its findings in its XCom (key "findings" of the dict it returns); `collect` gathers them from
every preflight task, the gate shows them, and verify accepts the differences a finding announced (`expected`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from timescale_migration import phases
from timescale_migration.exceptions import PreflightRefused

BLOCKING = "blocking"
WARNING = "warning"
SEVERITIES = (BLOCKING, WARNING)
PREFLIGHT_FILE = "preflight.json"
"""Every finding of the run's preflight, written in the run's work directory by check_versions."""
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
    remedy: str = ""
    """What to do about it (the message says what and why); empty when the message says it already."""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"finding severity {self.severity!r} is not one of {', '.join(SEVERITIES)}")

    def describe(self) -> str:
        """One line for logs, the gate and failure messages: the check, what it is about, the cause and what to
        do."""
        return f"{self.check}: {self.subject}: {self.explain()}"

    def explain(self) -> str:
        """The cause, then what to do."""
        return f"{self.message}. What to do: {self.remedy}" if self.remedy else self.message

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form for XCom."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """Rebuild from to_dict()."""
        expected = data.get("expected")
        return cls(
            data["check"],
            data["severity"],
            data["subject"],
            data["message"],
            tuple(expected) if expected else None,
            data.get("remedy") or "",
        )


def collect(ti: Any, tasks: Iterable[str] = phases.PREFLIGHT) -> list[Finding]:
    """Every finding the preflight tasks of this run returned, in task order."""
    found = []
    for task in tasks:
        value = ti.xcom_pull(task_ids=task)
        if isinstance(value, dict):
            found += [Finding.from_dict(item) for item in value.get("findings") or []]
    return found


def unfinished(ti: Any, tasks: Iterable[str] = phases.PREFLIGHT) -> list[Finding]:
    """A blocking finding for each preflight task of this run that left no result (it failed or did not run):
    what it would have checked is unknown, so the run must not pass the gate."""
    found = []
    for task in tasks:
        if isinstance(ti.xcom_pull(task_ids=task), dict):
            continue
        failure = ti.xcom_pull(task_ids=task, key=phases.FAILURE_KEY)
        why = f" ({failure['error']})" if isinstance(failure, dict) and failure.get("error") else ""
        found.append(
            Finding(
                task,
                BLOCKING,
                "the check did not finish",
                f"{task} left no result{why}, so what it checks is unknown",
                remedy=f"read {task}'s log, fix what stopped it, and trigger the run again",
            )
        )
    return found


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    """The blocking findings, in order."""
    return [f for f in findings if f.severity == BLOCKING]


def refusal(findings: list[Finding], where: str, changed: str = "nothing was changed") -> str:
    """The message of a refused run: every blocking finding, numbered, each with its cause and what to do."""
    stop = blocking(findings)
    warnings = len(findings) - len(stop)
    lines = [
        f"{where} found {len(stop)} blocking problem(s) before the downtime; {changed} and the "
        f"stop_apps gate was not opened. Fix every one, then trigger the run again"
        + (f" ({warnings} warning(s) besides, listed in the log and in {PREFLIGHT_FILE})" if warnings else "")
        + ":"
    ]
    lines += [f"{number}. {finding.describe()}" for number, finding in enumerate(stop, 1)]
    return "\n".join(lines)


def refuse_if_blocking(findings: list[Finding], where: str, changed: str = "nothing was changed") -> None:
    """Refuse the run once, naming every blocking finding (and what `changed`: nothing, before the gate, but
    TimescaleDB aligned on an empty target); a retry cannot help."""
    if blocking(findings):
        raise PreflightRefused(refusal(findings, where, changed))


def expected_differences(findings: Iterable[Finding]) -> dict[tuple[str, str], Finding]:
    """(verify section, item) -> the finding that announced the difference."""
    return {f.expected: f for f in findings if f.expected}


def gate_lines(findings: list[Finding]) -> list[str]:
    """Markdown lines for the stop_apps gate: each finding with its severity, or nothing when there is none."""
    if not findings:
        return []
    lines = [
        "",
        f"**{len(findings)} preflight finding(s)** — read them before approving:",
        "",
        "| severity | check | about | what it means |",
        "| --- | --- | --- | --- |",
    ]
    shown = sorted(findings, key=lambda f: f.severity != BLOCKING)[:GATE_ROWS]
    lines += [f"| {f.severity} | {_cell(f.check)} | {_cell(f.subject)} | {_cell(f.explain())} |" for f in shown]
    if len(findings) > GATE_ROWS:
        lines += [
            "",
            f"... and {len(findings) - GATE_ROWS} more (every one is in check_versions' log and in {PREFLIGHT_FILE}).",
        ]
    return lines


def _cell(value: object) -> str:
    """A value safe inside a Markdown table cell."""
    return str(value).replace("|", "\\|").replace("\n", " ")
