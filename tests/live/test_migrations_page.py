"""The Migrations page in a real Airflow: the api-server loads the plugin, refuses anonymous callers, and in a real
browser (Playwright + Debian's chromium) shows a finished migration, its run's page and its verification report
with every table compared; the verify task's extra link opens the same report."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from playwright.sync_api import FrameLocator, Page, expect

from tests.live.conftest import LiveAirflow
from tests.live.test_browser import login, page  # noqa: F401 - `page` is a fixture
from timescale_migration.workdir import safe_name

pytestmark = pytest.mark.live
DAG = "migrate_database"


def test_plugin_is_loaded_and_behind_the_login(live: LiveAirflow) -> None:
    """The api-server lists the plugin; /migrations refuses a caller without Airflow's login and serves one with it."""
    [plugin] = [p for p in live.api.get("/plugins", limit=100)["plugins"] if p["name"] == "timescale_migration"]
    assert [app["url_prefix"] for app in plugin["fastapi_apps"]] == ["/migrations"]
    assert [view["name"] for view in plugin["external_views"]] == ["Migrations"]
    for path in (
        "/migrations/",
        "/migrations/index.json",
        "/migrations/rehearsals/",
        "/migrations/runs/migrate_database/anything/verification.html",
    ):
        anonymous = httpx.get(f"{live.url}{path}", timeout=30)
        assert anonymous.status_code == 401, (path, anonymous.status_code)
    assert "Sign in to Airflow first" in httpx.get(f"{live.url}/migrations/", timeout=30).text
    forged = httpx.get(f"{live.url}/migrations/", headers={"Authorization": "Bearer forged"}, timeout=30)
    assert forged.status_code in (401, 403)
    signed_in = httpx.get(f"{live.url}/migrations/index.json", headers=dict(live.api.client.headers), timeout=60)
    assert signed_in.status_code == 200 and "migrations" in signed_in.json()


def compared_relations(live: LiveAirflow, run_id: str) -> list[str]:
    """The relations verify compared, from the verification.json it wrote."""
    report = live.work_dir / DAG / safe_name(run_id) / "verification.json"
    return [check["name"] for check in json.loads(report.read_text())["checks"] if check["section"] == "data"]


def frame(tab: Page) -> FrameLocator:
    """The Migrations page inside the Airflow UI's frame."""
    return tab.frame_locator("iframe[title='Migrations']")


def test_migrations_page_in_the_browser(live: LiveAirflow, page: Page, artifacts: Path) -> None:  # noqa: F811
    """After a migration: Migrations in the navigation lists the run (cut over, downtime, verification passed); its
    page has the preflight report; its verification link shows every table compared; verify's extra link opens
    the same report inside the UI; the run's link to Airflow opens the UI's own run page (not inside the frame)."""
    api, s = live.api, live.suffix
    shots = {
        step: artifacts / f"{step}.png"
        for step in ("01-migrations", "02-run", "03-verification", "04-verify-extra-link", "05-run-in-airflow")
    }
    run_id = api.trigger(
        DAG,
        {
            "source_conn_id": "live_pg15",
            "source_database": f"page_shop_{s}",
            "target_conn_id": "live_target",
            "target_database": f"page_target_{s}",
            "require_approval": False,
        },
    )
    assert api.wait_for_run(DAG, run_id) == "success"
    relations = compared_relations(live, run_id)
    assert "shop.customers" in relations and len(relations) >= 10

    login(page, live.url, live.password)
    page.get_by_role("link", name="Migrations").click()
    page.wait_for_url(lambda address: "/plugin/migrations" in address)
    listing = frame(page)
    row = listing.locator("table.migrations tr").filter(has_text=run_id)
    expect(row).to_contain_text("cut over: the applications use the target")
    expect(row).to_contain_text(f"passed: {len(relations)} relations")
    expect(row).to_contain_text(" s")  # the downtime
    page.screenshot(path=shots["01-migrations"], full_page=True)

    row.get_by_role("link", name=run_id).click()
    expect(listing.get_by_role("heading", name=f"Migration {run_id}")).to_be_visible()
    expect(listing.locator("table.checks")).to_contain_text("check_versions")
    expect(listing.locator("table.plan")).to_contain_text("PostgreSQL")
    expect(listing.locator("table.gates")).to_contain_text("Approve")
    page.wait_for_url(lambda address: run_id in unquote(address))  # the UI's address follows the frame
    page.screenshot(path=shots["02-run"], full_page=True)

    listing.get_by_role("link", name="Verification report").click()
    expect(listing.get_by_role("heading", name="Migration verification")).to_be_visible()
    expect(listing.get_by_text("The target holds what the source held.")).to_be_visible()
    data_table = listing.locator("table").filter(has_text="source rows")
    for name in relations:
        expect(data_table.locator("code").filter(has_text=name).first).to_be_attached()
    page.screenshot(path=shots["03-verification"], full_page=True)

    links = api.get(f"/dags/{DAG}/dagRuns/{run_id}/taskInstances/verify/links")["extra_links"]
    assert set(links) == {"Migration report", "Verification report"}
    assert links["Verification report"].startswith(f"{live.url}/plugin/migrations/migrations/runs/{DAG}/")
    page.goto(links["Verification report"])
    expect(frame(page).get_by_role("heading", name="Migration verification")).to_be_visible()
    expect(frame(page).locator("code").filter(has_text="shop.customers").first).to_be_visible()
    page.screenshot(path=shots["04-verify-extra-link"], full_page=True)

    frame(page).get_by_role("link", name=f"← Migration {run_id}").click()
    frame(page).get_by_role("link", name="open the run in Airflow").click()  # the UI itself opens its run page
    page.wait_for_url(lambda address: f"/dags/{DAG}/runs/" in address and "/plugin/" not in address)
    expect(page.get_by_role("link", name="cutover", exact=True).first).to_be_visible()
    page.screenshot(path=shots["05-run-in-airflow"], full_page=True)
    for path in shots.values():
        assert path.is_file() and path.stat().st_size > 0, path
