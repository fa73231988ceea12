"""The Migrations page's HTML, rendered from templates/migrations/ (Jinja2, every value autoescaped, the one
stylesheet templates/style.css): self-contained pages, no external assets.

Links between the app's pages are absolute paths under the app's mount point (`root`: the api-server's base path
plus /migrations), so they work inside the Airflow UI's frame and on their own. Links to Airflow's own pages carry
`data-airflow`: inside the UI's frame a small script (migrations/frame.js) has the UI itself open them (the frame may
not navigate the window), elsewhere they are ordinary links.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from timescale_migration import phases, rendering
from timescale_migration.fleet import rehearsal
from timescale_migration.fleet.rehearsal import RehearsalRecord
from timescale_migration.ui.links import run_path
from timescale_migration.ui.model import Migration, Overview


def _render(name: str, root: str, title: str, refresh: int | None = None, **context: Any) -> str:
    return rendering.render(
        f"migrations/{name}",
        root=root,
        title=title,
        refresh=refresh,
        run_path=run_path,
        dag_id=phases.DAG_ID,
        **context,
    )


def airflow_run_url(airflow_root: str, dag_id: str, run_id: str) -> str:
    """The run's page in the Airflow UI (grid, logs)."""
    return f"{airflow_root}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"


def overview_page(data: Overview, root: str) -> str:
    """Every migration, the rehearsals with their downtime trend, the ledger."""
    active = any(m.outcome.tone in ("running", "wait") for m in data.migrations)
    latest: dict[str, RehearsalRecord] = {}
    for record in data.rehearsals:
        latest[record.name] = record
    return _render(
        "overview.html",
        root,
        "Timescale migrations",
        30 if active else None,
        migrations=data.migrations,
        rehearsals=data.rehearsals,
        latest_rehearsals=list(latest.values()),
        trend=rehearsal.trend_svg(data.rehearsals) if data.rehearsals else "",
        ledger=data.ledger,
        work_dirs=data.work_dirs,
    )


def run_page(m: Migration, root: str, airflow_root: str) -> str:
    """One run: where it is, its preflight report, its gates, its verification, every phase."""
    extensions = ", ".join(f"{name} {info.get('version', '')}" for name, info in sorted(m.extensions.items()))
    refresh = 15 if m.outcome.tone in ("running", "wait") else None
    return _render(
        "run.html",
        root,
        f"Migration {m.run_id}",
        refresh,
        m=m,
        gates=phases.GATES,
        extensions=extensions,
        airflow_run=airflow_run_url(airflow_root, m.dag_id, m.run_id),
    )


def framed_report(report_html: str, back: str, title: str) -> str:
    """verification.html as verify wrote it, with a line leading back to the run's page."""
    bar = rendering.render("migrations/back.html", back=back, title=title)
    head, marker, rest = report_html.partition("<body>")
    return f"{head}{marker}{bar}{rest}" if marker else bar + report_html


def rehearsals_page(history: list[RehearsalRecord], root: str) -> str:
    """fleet/rehearsal.py's trend report of every rehearsal recorded, with a line back to the overview."""
    return framed_report(rehearsal.render_report(history), f"{root}/#rehearsals", "Migrations")


def not_found_page(root: str, what: str) -> str:
    return _render("message.html", root, "Not found", message=what)


def unauthenticated_page(login_url: str) -> str:
    return rendering.render(
        "migrations/plain.html", title="Sign in", heading="Sign in to Airflow first", login_url=login_url
    )


def forbidden_page() -> str:
    return rendering.render(
        "migrations/plain.html", title="Forbidden", heading="Not allowed", login_url=None, dag_id=phases.DAG_ID
    )
