"""The Migrations page: a FastAPI app the api-server mounts at /migrations (plugins/timescale_migration_plugin.py),
shown inside the Airflow UI under the "Migrations" navigation entry.

Airflow does not authenticate a plugin's app: every page here resolves the caller with the api-server's own
`get_user` (the UI's `_token` cookie, or an `Authorization: Bearer` token from POST /auth/token) and asks the auth
manager whether that user may read migrate_database's runs and XComs. An anonymous caller gets 401 with a link to
the login page, a user without that permission 403.

Pages: / (every migration, rehearsals with their downtime trend, the ledger), /index.json (the same as data),
/runs/<dag_id>/<run_id>/ (one run: state, downtime, preflight, gates, verification, phases) with its
verification.html and verification.json (the files verify wrote), /rehearsals/ (every rehearsal, phase by phase).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from timescale_migration import phases
from timescale_migration.ui import model, store, views
from timescale_migration.ui.links import APP_PREFIX, run_path

ICON = Path(__file__).with_name("icon.svg")
READ_ACCESS = ("RUN", "XCOM")
"""What a reader must be allowed on migrate_database (GET): its runs and what its tasks returned."""


class NotSignedIn(Exception):
    """No valid Airflow login on the request."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail


class Forbidden(Exception):
    """A signed-in user without permission to read migrate_database's runs."""


async def current_user(request: Request) -> Any:
    """The signed-in Airflow user, resolved as the api-server resolves it for its own API (cookie or bearer token).

    Imported when called: workers load this plugin too, and need none of the api-server's security code."""
    from airflow.api_fastapi.core_api.security import bearer_scheme, get_user
    from fastapi import HTTPException

    try:
        return await get_user(request, None, await bearer_scheme(request))
    except HTTPException as error:
        raise NotSignedIn(error.status_code, str(error.detail)) from error


def may_read(user: Any, dag_id: str) -> bool:
    """Whether the auth manager lets this user read the DAG's runs and XComs."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails

    manager = get_auth_manager()
    return all(
        manager.is_authorized_dag(
            method="GET", access_entity=DagAccessEntity[entity], details=DagDetails(id=dag_id), user=user
        )
        for entity in READ_ACCESS
    )


async def reader(request: Request, user: Annotated[Any, Depends(current_user)]) -> Any:
    """The dependency of every page: a signed-in user allowed to read migrate_database."""
    if not request.app.state.may_read(user, phases.DAG_ID):
        raise Forbidden(getattr(user, "get_name", lambda: "this user")())
    return user


Reader = Annotated[Any, Depends(reader)]
"""A page's signed-in, authorized user."""


def _root(request: Request) -> str:
    """The app's own base path (the api-server's base path and /migrations)."""
    return str(request.scope.get("root_path") or APP_PREFIX).rstrip("/")


def _airflow_root(request: Request) -> str:
    """The Airflow UI's base path."""
    return _root(request).removesuffix(APP_PREFIX)


def _login_url(request: Request) -> str:
    try:
        from airflow.api_fastapi.app import get_auth_manager

        return get_auth_manager().get_url_login(next_url=str(request.url))
    except Exception:  # an auth manager without a login page: the UI's root still leads there
        return f"{_airflow_root(request)}/"


def create_app(runs: store.RunStore | None = None, may_read_check: Any = may_read) -> FastAPI:
    """The app; `runs` reads runs (default: Airflow's metadata database), `may_read_check` authorizes."""
    app = FastAPI(title="Timescale migrations", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.store = runs or store.AirflowStore()
    app.state.may_read = may_read_check

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, error: NotSignedIn) -> Response:
        if request.url.path.endswith(".json"):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code)
        return HTMLResponse(views.unauthenticated_page(_login_url(request)), status_code=error.status_code)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden) -> Response:
        if request.url.path.endswith(".json"):
            return JSONResponse({"detail": "Forbidden"}, status_code=403)
        return HTMLResponse(views.forbidden_page(), status_code=403)

    @app.get("/icon.svg", include_in_schema=False)
    def icon() -> Response:
        """The navigation entry's icon (public: it shows nothing)."""
        return FileResponse(ICON, media_type="image/svg+xml")

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request, user: Reader) -> str:
        return views.overview_page(model.overview(request.app.state.store), _root(request))

    @app.get("/index.json")
    def index_json(request: Request, user: Reader) -> dict[str, Any]:
        found = model.overview(request.app.state.store)
        return {
            "migrations": [_summary(m, _root(request)) for m in found.migrations],
            "rehearsals": [vars(r) for r in found.rehearsals],
            "ledger": found.ledger,
            "work_dirs": [str(path) for path in found.work_dirs],
        }

    @app.get("/runs/{dag_id}/{run_id}", include_in_schema=False)
    def run_without_slash(request: Request, dag_id: str, run_id: str) -> Response:
        return RedirectResponse(run_path(dag_id, run_id, prefix=_root(request)), status_code=307)

    @app.get("/runs/{dag_id}/{run_id}/", response_class=HTMLResponse)
    def run(request: Request, dag_id: str, run_id: str, user: Reader) -> Response:
        found = _migration(request, dag_id, run_id)
        if isinstance(found, Response):
            return found
        return HTMLResponse(views.run_page(found, _root(request), _airflow_root(request)))

    @app.get("/runs/{dag_id}/{run_id}/verification.html", response_class=HTMLResponse)
    def verification_html(request: Request, dag_id: str, run_id: str, user: Reader) -> Response:
        found = _migration(request, dag_id, run_id)
        if isinstance(found, Response):
            return found
        try:
            text = found.verification_html.read_text(encoding="utf-8")
        except OSError:
            return _not_found(request, f"Run {run_id} has no verification report in {found.run_dir}.")
        return HTMLResponse(views.framed_report(text, "./", f"Migration {run_id}"))

    @app.get("/runs/{dag_id}/{run_id}/verification.json")
    def verification_json(request: Request, dag_id: str, run_id: str, user: Reader) -> Response:
        found = _migration(request, dag_id, run_id)
        if isinstance(found, Response):
            return found
        if not found.verification_json.is_file():
            return JSONResponse({"detail": f"run {run_id} has no verification.json"}, status_code=404)
        return FileResponse(found.verification_json, media_type="application/json")

    @app.get("/rehearsals/", response_class=HTMLResponse)
    def rehearsals(request: Request, user: Reader) -> str:
        bases = store.base_dirs(m.base_dir for m in model.migrations(request.app.state.store))
        return views.rehearsals_page(store.rehearsal_history(bases), _root(request))

    return app


def _migration(request: Request, dag_id: str, run_id: str) -> model.Migration | Response:
    if dag_id != phases.DAG_ID:
        return _not_found(request, f"The Migrations page shows runs of {phases.DAG_ID}, not of {dag_id}.")
    found = model.migration(request.app.state.store, dag_id, run_id)
    if found is None:
        return _not_found(request, f"No run {run_id} of {dag_id}.")
    return found


def _not_found(request: Request, what: str) -> Response:
    return HTMLResponse(views.not_found_page(_root(request), what), status_code=404)


def _summary(m: model.Migration, root: str) -> dict[str, Any]:
    """One migration as index.json lists it."""
    return {
        "dag_id": m.dag_id,
        "run_id": m.run_id,
        "kind": m.kind,
        "state": m.run.state,
        "outcome": m.outcome.label,
        "source": m.source,
        "target": m.target,
        "started": m.run.start.isoformat() if m.run.start else None,
        "downtime_s": m.downtime_s,
        "verification": m.verification_text.label,
        "verified": (m.verification or {}).get("ok"),
        "page": run_path(m.dag_id, m.run_id, prefix=root),
        "verification_report": (
            run_path(m.dag_id, m.run_id, prefix=root) + "verification.html" if m.has_verification_report else None
        ),
    }
