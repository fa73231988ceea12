"""Every port of a local deployment (`make airflow`, `make airflow-celery`) moves with its variable, and the
README's Ports table lists each with its default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devtools import local_airflow
from devtools.local_airflow import PORTS, LocalAirflow

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]


def test_readme_lists_every_port_with_its_default() -> None:
    """One row per port, in PORTS' order: what it is, its default and its variable."""
    section = (REPO / "README.md").read_text(encoding="utf-8").split("\n### Ports\n", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| (.+) \| (\d+) \| `(TSM_\w+)` \|$", section, flags=re.MULTILINE)
    assert [(int(default), variable) for _, default, variable in rows] == [(p.default, p.variable) for p in PORTS]


def test_each_port_moves_with_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unset: the default; set: its value."""
    for port in PORTS:
        monkeypatch.delenv(port.variable, raising=False)
        assert port.value() == port.default
        monkeypatch.setenv(port.variable, str(port.default + 1000))
        assert port.value() == port.default + 1000


def test_log_ports_reach_every_component(tmp_path: Path) -> None:
    """The worker and triggerer log ports a deployment is given are the ones its components serve logs on."""
    airflow = LocalAirflow(tmp_path, 9999, log_ports=(9793, 9794))
    env = airflow.env()
    assert (env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"], env["AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT"]) == (
        "9793",
        "9794",
    )
    assert airflow.worker_env("worker-a", 9803)["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] == "9803"
    assert local_airflow.CELERY_LOG_PORT.default == 8803
