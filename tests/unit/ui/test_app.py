"""Unit tests of timescale_migration.ui.app: the Migrations page's routes over a fake metadata database and a real
work directory, mounted the way the api-server mounts it; and that nobody reads it without Airflow's login."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.unit.ui.conftest import ALL_DONE, FakeStore, cut_over_xcoms, history_line, write_verification
from timescale_migration import phases
from timescale_migration.fleet import ledger
from timescale_migration.ui import app as ui_app

pytestmark = pytest.mark.unit
RUN = "manual__2026-12-01T10:00:00+00:00"
PAGE = "/airflow/migrations/runs/migrate_database/manual__2026-12-01T10%3A00%3A00%2B00%3A00/"


def mounted(store: FakeStore, *, user: Any = "admin", allowed: bool = True) -> TestClient:
    """The app under /migrations of an api-server whose base path is /airflow; `user` None: nobody signed in."""
    sub = ui_app.create_app(store, lambda who, dag_id: allowed)
    if user is not None:

        async def signed_in() -> Any:
            return user

        sub.dependency_overrides[ui_app.current_user] = signed_in
    root = FastAPI(root_path="/airflow")
    root.mount("/migrations", sub)
    return TestClient(root)


@pytest.fixture
def client(store: FakeStore, base: Path) -> Iterator[TestClient]:
    """A cut-over run with its verification report, a rehearsal and a ledger record."""
    store.add(
        RUN,
        conf={
            "source_conn_id": "src",
            "source_database": "shop",
            "target_conn_id": "tgt",
            "target_database": "shop_new",
        },
        tasks=ALL_DONE,
        xcoms=cut_over_xcoms(),
    )
    write_verification(base, RUN, tables=("shop.orders", "shop.customers"))
    (base / "rehearsals").mkdir()
    (base / "rehearsals" / "history.jsonl").write_text(history_line())
    ledger.write(
        None,
        "tgt",
        "shop_new",
        {
            "source": "source 'src'",
            "target_conn_id": "tgt",
            "target_database": "shop_new",
            "dag_id": phases.DAG_ID,
            "run_id": RUN,
            "tables": 12,
            "rows": 4321,
        },
    )
    with mounted(store) as test_client:
        yield test_client


def hrefs(text: str) -> list[str]:
    return re.findall(r"href='([^']*)'", text)


def test_overview_lists_migrations_rehearsals_and_ledger(client: TestClient) -> None:
    """Every migration with its state, downtime and verification; the rehearsals with their trend; the ledger."""
    resp = client.get("/airflow/migrations/")
    assert resp.status_code == 200
    text = resp.text
    assert "cut over: the applications use the target" in text
    assert "40.0 s" in text and "passed: 12 relations, 4,321 rows identical" in text
    assert "src / shop → tgt / shop_new" in text
    assert PAGE in hrefs(text) and PAGE + "verification.html" in hrefs(text)
    assert "<svg" in text and "predicted downtime per rehearsal" in text  # the trend chart
    assert "12.5 s" in text and "/airflow/migrations/rehearsals/" in hrefs(text)
    assert "<table class='ledger'>" in text and "shop_new" in text


def test_run_page(client: TestClient) -> None:
    """One run: outcome, downtime, preflight (plan and findings), gates, verification with its report's link,
    every phase, and a link to the run in Airflow."""
    text = client.get(PAGE).text
    assert "<p class='banner ok'>cut over: the applications use the target</p>" in text
    assert "<h2 id='preflight'>Preflight</h2>" in text and "15.18" in text and "17.12" in text
    assert "lc_messages = C" in text and "only a superuser may set it" in text
    assert "Approve <span class='muted'>(admin)</span>" in text
    assert "relations compared</th><td class='num'>12" in text
    assert f"{PAGE}verification.html" in hrefs(text) and f"{PAGE}verification.json" in hrefs(text)
    assert "/airflow/dags/migrate_database/runs/manual__2026-12-01T10%3A00%3A00%2B00%3A00" in hrefs(text)
    assert all(f"<td>{task}" in text for task in phases.TASKS)


def test_run_without_slash_redirects(client: TestClient) -> None:
    resp = client.get(PAGE.rstrip("/"), follow_redirects=False)
    assert resp.status_code == 307 and resp.headers["location"] == PAGE


def test_verification_report_as_verify_wrote_it(client: TestClient, base: Path) -> None:
    """verification.html with a line back to the run's page; verification.json as is."""
    text = client.get(PAGE + "verification.html").text
    assert text.startswith("<!doctype html>") and "<h1>Migration verification</h1>" in text
    assert "<code>shop.orders</code>" in text and "<code>shop.customers</code>" in text
    assert hrefs(text)[0] == "./"
    data = client.get(PAGE + "verification.json").json()
    assert data["summary"]["tables"] == 2 and data["context"]["run"] == RUN


def test_rehearsals_page(client: TestClient) -> None:
    text = client.get("/airflow/migrations/rehearsals/").text
    assert "<h1>Migration rehearsals</h1>" in text and "rehearsal__shop__scheduled__1" in text


def test_index_json(client: TestClient) -> None:
    data = client.get("/airflow/migrations/index.json").json()
    [run] = data["migrations"]
    assert run["run_id"] == RUN and run["verified"] is True and run["downtime_s"] == 40.0
    assert run["page"] == PAGE and run["verification_report"] == PAGE + "verification.html"
    assert data["rehearsals"][0]["name"] == "shop" and data["ledger"][0]["rows"] == 4321


def test_unknown_runs_and_other_dags(client: TestClient) -> None:
    assert client.get("/airflow/migrations/runs/migrate_database/nope/").status_code == 404
    assert client.get("/airflow/migrations/runs/migrate_fleet/x/").status_code == 404
    assert client.get("/airflow/migrations/runs/migrate_database/nope/verification.html").status_code == 404


def test_missing_report(store: FakeStore, base: Path) -> None:
    """A run whose report is gone (or not written yet): the page says so, the file route is 404."""
    store.add("manual__x", tasks={phases.CHECK_EXTENSIONS: "success"})
    with mounted(store) as client:
        page = "/airflow/migrations/runs/migrate_database/manual__x/"
        assert "Verification report" not in client.get(page).text
        assert client.get(page + "verification.html").status_code == 404
        assert client.get(page + "verification.json").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/index.json",
        "/runs/migrate_database/manual__x/",
        "/runs/migrate_database/manual__x/verification.html",
        "/runs/migrate_database/manual__x/verification.json",
        "/rehearsals/",
    ],
)
def test_anonymous_is_refused(store: FakeStore, base: Path, path: str) -> None:
    """Without Airflow's login cookie or a bearer token every page is 401 (the real api-server dependency)."""
    store.add("manual__x")
    with mounted(store, user=None) as client:
        resp = client.get("/airflow/migrations" + path)
    assert resp.status_code == 401
    assert "manual__x" not in resp.text
    if not path.endswith(".json"):
        assert "Sign in to Airflow first" in resp.text


@pytest.fixture
def auth_manager() -> Any:
    """The api-server's auth manager (the simple one, as configured for the tests), initialized."""
    from airflow.api_fastapi.app import init_auth_manager

    return init_auth_manager()


def test_airflow_tokens(store: FakeStore, base: Path, auth_manager: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the real user resolution and permission check: an admin's Airflow token is accepted (as a bearer token
    and as the UI's _token cookie), a token that is not Airflow's is refused. (Logged-out tokens are looked up in
    the metadata database, which a unit test has not: none is.)"""
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.models.revoked_token import RevokedToken

    monkeypatch.setattr(RevokedToken, "is_revoked", classmethod(lambda cls, jti, **kwargs: False))

    store.add("manual__x")
    sub = ui_app.create_app(store)
    root = FastAPI()
    root.mount("/migrations", sub)
    token = auth_manager.generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))
    with TestClient(root) as client:
        assert client.get("/migrations/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        client.cookies.set("_token", token)
        assert "manual__x" in client.get("/migrations/").text
        client.cookies.clear()
        resp = client.get("/migrations/", headers={"Authorization": "Bearer not-a-token"})
    assert resp.status_code in (401, 403) and "manual__x" not in resp.text


def test_user_without_permission_is_forbidden(store: FakeStore, base: Path) -> None:
    store.add("manual__x")
    with mounted(store, allowed=False) as client:
        resp = client.get("/airflow/migrations/")
    assert resp.status_code == 403 and "manual__x" not in resp.text


def test_icon_is_public(store: FakeStore) -> None:
    with mounted(store, user=None) as client:
        resp = client.get("/airflow/migrations/icon.svg")
    assert resp.status_code == 200 and resp.text.startswith("<svg")
