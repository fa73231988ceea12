"""The plugin registration: Airflow's loader finds exactly it in plugins/ (the package itself is ignored), and what
it registers is what the api-server mounts and the UI shows."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from devtools.servers import REPO

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def loaded() -> tuple[list, dict]:
    """The plugins folder loaded the way every Airflow component loads it."""
    from airflow._shared.plugins_manager.plugins_manager import _load_plugins_from_plugin_directory

    return _load_plugins_from_plugin_directory(plugins_folder=str(REPO / "plugins"))


def test_only_the_registration_file_is_loaded(loaded: tuple[list, dict]) -> None:
    """One plugin, no import error; the loader does not import the package's modules under their bare names."""
    plugins, errors = loaded
    assert errors == {}
    assert [(p.name, str(p.source)) for p in plugins] == [
        ("timescale_migration", "$PLUGINS_FOLDER/timescale_migration_plugin.py")
    ]


def test_app_and_view(loaded: tuple[list, dict]) -> None:
    """A FastAPI app at /migrations (not a prefix Airflow reserves) and a top-level "Migrations" entry whose page
    frames it (href relative: the UI's base href adds the api-server's base path)."""
    from airflow.api_fastapi.app import RESERVED_URL_PREFIXES
    from airflow.api_fastapi.core_api.datamodels.plugins import ExternalViewResponse

    [plugin] = loaded[0]
    [app] = plugin.fastapi_apps
    assert app["url_prefix"] == "/migrations" and isinstance(app["app"], FastAPI)
    assert not any(app["url_prefix"].startswith(prefix) for prefix in RESERVED_URL_PREFIXES)
    [view] = plugin.external_views
    parsed = ExternalViewResponse(**view)
    assert (parsed.name, parsed.url_route, parsed.destination, parsed.category) == (
        "Migrations",
        "migrations",
        "nav",
        None,
    )
    assert parsed.href == "migrations/" and not parsed.href.startswith("/")
