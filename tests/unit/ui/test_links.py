"""Unit tests of timescale_migration.ui.links: where a run's page is, inside the Airflow UI and on its own."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from timescale_migration.ui.links import (
    MigrationReportLink,
    VerificationReportLink,
    in_ui,
    run_page_url,
    run_path,
    verification_url,
)

pytestmark = pytest.mark.unit
RUN = "manual__2026-12-01T10:00:00.123456+00:00"
QUOTED = "manual__2026-12-01T10%3A00%3A00.123456%2B00%3A00"


def test_run_path_quotes_both_ids() -> None:
    """':' and '+' of a run id (and '/' anywhere) never leave their path segment."""
    assert run_path("migrate_database", RUN) == f"/migrations/runs/migrate_database/{QUOTED}/"
    assert run_path("a/b", "c d", prefix="/x/migrations") == "/x/migrations/runs/a%2Fb/c%20d/"


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("", f"/plugin/migrations/migrations/runs/migrate_database/{QUOTED}/"),
        (
            "http://localhost:8080",
            f"http://localhost:8080/plugin/migrations/migrations/runs/migrate_database/{QUOTED}/",
        ),
        (
            "https://example.com/airflow/",
            f"https://example.com/airflow/plugin/migrations/airflow/migrations/runs/migrate_database/{QUOTED}/",
        ),
    ],
    ids=["no-base-url", "base-url", "base-url-with-path"],
)
def test_run_page_url_opens_the_app_inside_the_ui(base: str, expected: str) -> None:
    """<base>/plugin/migrations then the app's path from the server's root (the UI's frame opens that path)."""
    assert run_page_url("migrate_database", RUN, base) == expected
    assert verification_url("migrate_database", RUN, base) == expected + "verification.html"


def test_base_url_comes_from_airflow_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an explicit base, [api] base_url is used."""
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "http://airflow.internal:8080/")
    assert in_ui("/migrations/") == "http://airflow.internal:8080/plugin/migrations/migrations/"


def test_operator_links(monkeypatch: pytest.MonkeyPatch) -> None:
    """The buttons' names, and their links built from the task instance's dag and run ids."""
    monkeypatch.delenv("AIRFLOW__API__BASE_URL", raising=False)
    key = SimpleNamespace(dag_id="migrate_database", run_id=RUN, task_id="verify", map_index=-1)
    assert MigrationReportLink().name == "Migration report"
    assert MigrationReportLink().get_link(None, ti_key=key) == run_page_url("migrate_database", RUN, "")
    assert VerificationReportLink().name == "Verification report"
    assert VerificationReportLink().get_link(None, ti_key=key).endswith(f"{QUOTED}/verification.html")
