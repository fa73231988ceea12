"""Where the Migrations page of a run is, and the operator extra links (buttons on a task's page) that lead there.

The plugin's FastAPI app is mounted by the api-server at APP_PREFIX; the Airflow UI shows it inside its own frame
at <base>/plugin/<URL_ROUTE>, and a path after that is the page the frame opens. So a link that shows a run's page
inside the Airflow UI is <base_url>/plugin/migrations<base path>/migrations/runs/<dag_id>/<run_id>/.

Light on purpose: workers import it (through the operators), so no FastAPI and no metadata database here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from airflow.sdk import BaseOperatorLink

APP_PREFIX = "/migrations"
"""Where the api-server mounts the plugin's FastAPI app."""
URL_ROUTE = "migrations"
"""The page of the Airflow UI that frames the app: <base>/plugin/migrations (the "Migrations" navigation entry)."""
VERIFICATION_FILE = "verification.html"


def run_path(dag_id: str, run_id: str, *, prefix: str = APP_PREFIX) -> str:
    """The app's page of one run (both ids URL-quoted; a run id holds ':' and '+')."""
    return f"{prefix}/runs/{quote(dag_id, safe='')}/{quote(run_id, safe='')}/"


def base_url() -> str:
    """[api] base_url without its trailing slash; '' when unset (links are then relative to the server's root)."""
    from airflow.sdk.configuration import conf

    return (conf.get("api", "base_url", fallback="") or "").rstrip("/")


def in_ui(app_path: str, base: str | None = None) -> str:
    """The Airflow UI's address that shows an app path (APP_PREFIX/...) inside its frame."""
    base = base_url() if base is None else base.rstrip("/")
    return f"{base}/plugin/{URL_ROUTE}{urlsplit(base).path.rstrip('/')}{app_path}"


def run_page_url(dag_id: str, run_id: str, base: str | None = None) -> str:
    """A run's page in the Airflow UI: state, downtime, preflight, verification, every phase."""
    return in_ui(run_path(dag_id, run_id), base)


def verification_url(dag_id: str, run_id: str, base: str | None = None) -> str:
    """A run's verification report (the verification.html verify wrote) in the Airflow UI."""
    return in_ui(run_path(dag_id, run_id) + VERIFICATION_FILE, base)


class MigrationReportLink(BaseOperatorLink):
    """The button "Migration report" on a task of a migrate_database run: the run's page."""

    name = "Migration report"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        return run_page_url(ti_key.dag_id, ti_key.run_id)


class VerificationReportLink(BaseOperatorLink):
    """The button "Verification report" on verify: the report it wrote, every relation compared."""

    name = "Verification report"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        return verification_url(ti_key.dag_id, ti_key.run_id)
