"""migrate_database driven through Airflow's UI in a real browser (Playwright + Debian's chromium): log in, trigger
with the form, answer both human-in-the-loop gates on their Required Action pages, check the migrated data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright

from devtools.rest import AirflowAPI
from devtools.servers import Servers
from tests.live.conftest import LiveAirflow
from timescale_migration.operators.switch_apps import SWITCH

pytestmark = pytest.mark.live
DAG = "migrate_database"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000  # the React UI is slow on two cores while Airflow's components run beside it


@pytest.fixture
def page() -> Iterator[Page]:
    """A fresh headless chromium page with generous timeouts; the browser is closed afterwards."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `bash scripts/browser.sh` (make test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.set_default_timeout(TIMEOUT_MS)
            expect.set_options(timeout=TIMEOUT_MS)
            yield context.new_page()
        finally:
            browser.close()


def login(page: Page, url: str, password: str) -> None:
    """Sign in as admin on the simple auth manager's login page."""
    page.goto(url)
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda address: "/auth/login" not in address)
    expect(page.get_by_role("link", name="Dags", exact=True)).to_be_visible()


def param_field(dialog: Locator, title: str) -> Locator:
    """The text box of one DAG param in the trigger form, found by the param's title."""
    label = dialog.page.locator("label", has_text=title)  # `has` locators are relative to the filtered element
    return dialog.get_by_role("group").filter(has=label).get_by_role("textbox")


def trigger_via_form(page: Page, url: str, section: str, values: dict[str, str], screenshot: Path) -> None:
    """Open the DAG's trigger form, fill params (by title) in one section, screenshot it and trigger."""
    page.goto(f"{url}/dags/{DAG}")
    page.get_by_role("button", name="Trigger Dag").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name=section, exact=True).click()
    for title, value in values.items():
        param_field(dialog, title).fill(value)
        expect(param_field(dialog, title)).to_have_value(value)
    dialog.screenshot(path=screenshot)
    dialog.get_by_role("button", name="Trigger", exact=True).click()
    expect(page.get_by_text("Dag Run Triggered").first).to_be_visible()  # the toast is at times rendered twice


def find_run(api: AirflowAPI, source_database: str) -> dict:
    """The one run of the DAG whose conf names this source database."""
    runs = [
        run
        for run in api.get(f"/dags/{DAG}/dagRuns", limit=100)["dag_runs"]
        if run["conf"].get("source_database") == source_database
    ]
    assert len(runs) == 1, f"expected one run for {source_database}, got {[r['dag_run_id'] for r in runs]}"
    return runs[0]


def task_url(url: str, run_id: str, task_id: str) -> str:
    """The task instance page of one task in one run."""
    return f"{url}/dags/{DAG}/runs/{quote(run_id, safe='')}/tasks/{task_id}"


def open_gate_from_task_page(page: Page, url: str, run_id: str, task_id: str) -> None:
    """The task instance page, then its "Required Action (1)" tab."""
    page.goto(task_url(url, run_id, task_id))
    page.get_by_role("link", name="Required Action").click()


def open_gate_from_browse(page: Page, url: str, run_id: str, task_id: str) -> None:
    """Browse -> Required Actions, then the task's link in the run's row."""
    page.goto(url)
    page.get_by_role("button", name="Browse").click()
    page.get_by_role("menuitem", name="Required Actions").click()
    row = page.get_by_role("row").filter(has_text=run_id).filter(has_text=task_id)
    row.get_by_role("link", name=task_id, exact=True).click()


def answer_in_ui(page: Page, task_id: str, option: str) -> None:
    """Click one option's button on an open Required Action page and wait for the UI's confirmation."""
    button = page.get_by_role("button", name=option, exact=True)
    expect(button).to_be_enabled()
    button.click()
    expect(page.get_by_text(f"{task_id} response successful").first).to_be_visible()


def chosen(api: AirflowAPI, run_id: str, task_id: str) -> list[str]:
    """The options recorded as the answer to one gate."""
    return api.get(f"/dags/{DAG}/dagRuns/{run_id}/taskInstances/{task_id}/-1/hitlDetails")["chosen_options"]


def task_row(page: Page, task_id: str) -> Locator:
    """The row of one task in the run page's task instance table."""
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=task_id, exact=True))


def count_rows(server, dbname: str, table: str) -> int:
    """Rows in one table."""
    with server.connect(dbname) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_migration_through_the_ui(live: LiveAirflow, servers: Servers, page: Page, artifacts: Path) -> None:
    """Trigger from the form, approve stop_apps and switch to the target in the UI: the run verifies and cuts over."""
    api, s = live.api, live.suffix
    source_db, target_db = f"ui_shop_{s}", f"ui_target_{s}"
    shots = {
        step: artifacts / f"{step}.png"
        for step in ("01-logged-in", "02-form-filled", "03-stop-apps-gate", "04-switch-apps-gate", "05-run-succeeded")
    }

    login(page, live.url, live.password)
    page.screenshot(path=shots["01-logged-in"])

    trigger_via_form(
        page,
        live.url,
        "Databases",
        {
            "Source connection": "live_pg15",
            "Source database": source_db,
            "Target connection": "live_target",
            "Target database": target_db,
        },
        shots["02-form-filled"],
    )
    run = find_run(api, source_db)
    run_id = run["dag_run_id"]
    assert run["conf"]["target_database"] == target_db and run["conf"]["require_approval"] is True
    page.wait_for_url(lambda address: run_id in unquote(address))  # the UI goes on to the new run's page

    api.wait_for_gate(DAG, run_id, "stop_apps")  # sleeps past Airflow's answer-too-early race (#72716)
    open_gate_from_task_page(page, live.url, run_id, "stop_apps")
    expect(page.get_by_text("Stop the applications: approve the migration downtime")).to_be_visible()
    expect(page.get_by_text(source_db).first).to_be_visible()
    page.screenshot(path=shots["03-stop-apps-gate"], full_page=True)
    answer_in_ui(page, "stop_apps", "Approve")
    assert chosen(api, run_id, "stop_apps") == ["Approve"]

    api.wait_for_gate(DAG, run_id, "switch_apps", timeout=600)
    open_gate_from_browse(page, live.url, run_id, "switch_apps")
    expect(page.get_by_text("Verification passed")).to_be_visible()
    page.screenshot(path=shots["04-switch-apps-gate"], full_page=True)
    answer_in_ui(page, "switch_apps", SWITCH)
    assert chosen(api, run_id, "switch_apps") == [SWITCH]

    assert api.wait_for_run(DAG, run_id) == "success"
    states = api.task_states(DAG, run_id)
    assert states["verify"] == "success" and states["cutover"] == "success", states
    page.goto(f"{live.url}/dags/{DAG}/runs/{quote(run_id, safe='')}")
    for task_id in ("verify", "cutover"):
        expect(task_row(page, task_id)).to_contain_text("Success")
    page.screenshot(path=shots["05-run-succeeded"], full_page=True)

    source_rows = count_rows(servers.pg15, source_db, "shop.customers")
    assert source_rows > 0 and count_rows(servers.tsdb_target, target_db, "shop.customers") == source_rows
    for path in shots.values():
        assert path.is_file() and path.stat().st_size > 0, path
