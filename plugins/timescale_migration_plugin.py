"""Registers the Migrations page with Airflow: the api-server mounts its FastAPI app at /migrations and the UI shows
it under the "Migrations" navigation entry (timescale_migration/ui). Airflow loads this file from the plugins
folder; .airflowignore keeps the loader out of the timescale_migration package, which is imported normally.
Loading it also imports the package's modules (preload.py), so that task processes forked later find them."""

from __future__ import annotations

from typing import Any

from airflow.configuration import conf
from airflow.plugins_manager import AirflowPlugin

from timescale_migration.preload import preload
from timescale_migration.ui.app import create_app
from timescale_migration.ui.links import APP_PREFIX, URL_ROUTE

if not conf.getboolean("core", "lazy_load_plugins", fallback=True):
    preload()  # loaded as the process starts: once per long-lived process, before its task processes fork


class TimescaleMigrationPlugin(AirflowPlugin):
    """The Migrations page: every migration, its reports, the rehearsals' downtime trend and the ledger."""

    name = "timescale_migration"
    # AirflowPlugin declares both as instance attributes (a ClassVar here is a type error), and Airflow reads them
    # from the class as lists: so they are plain class attributes (ruff's RUF012 asks for a ClassVar)
    fastapi_apps: list[dict[str, Any]] = [  # noqa: RUF012
        {"app": create_app(), "url_prefix": APP_PREFIX, "name": "Timescale migrations"},
    ]
    external_views: list[dict[str, Any]] = [  # noqa: RUF012
        {
            "name": "Migrations",
            "href": APP_PREFIX.lstrip("/") + "/",  # relative: the UI's <base href> adds the api-server's base path
            "url_route": URL_ROUTE,
            "destination": "nav",
            "icon": APP_PREFIX.lstrip("/") + "/icon.svg",
        }
    ]
