"""preload.py and the plugin's call of it: in a process that loads plugins as it starts (`[core]
lazy_load_plugins = False`, the setting of `make airflow` and docker-compose.yaml) every module of the package is
imported before any task process forks; with Airflow's default (lazy) nothing more than before."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from devtools.servers import REPO
from timescale_migration.preload import SKIPPED, modules

pytestmark = pytest.mark.unit

PROBE = """
import json
import sys
import airflow  # with lazy_load_plugins = False this loads the plugins, as in the scheduler and the workers
from airflow import plugins_manager
plugins_manager.ensure_plugins_loaded()
print(json.dumps(sorted(name for name in sys.modules if name.startswith("timescale_migration."))))
"""


def test_every_module_but_the_ui_is_listed() -> None:
    names = modules()
    assert "timescale_migration.copy.parallel" in names and "timescale_migration.operators.load" in names
    assert "timescale_migration.verify.verification" in names and "timescale_migration.checks.hypertables" in names
    assert not any(name.startswith(SKIPPED) for name in names)
    on_disk = {
        path.relative_to(REPO / "plugins").with_suffix("").as_posix().replace("/", ".")
        for path in (REPO / "plugins" / "timescale_migration").rglob("*.py")
    }
    on_disk = {name.removesuffix(".__init__") for name in on_disk if not name.startswith(SKIPPED)}
    assert set(names) == on_disk - {"timescale_migration"}


def loaded_modules(lazy: str, tmp_path) -> list[str]:
    """The package's modules a fresh Airflow process holds once its plugins are loaded."""
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__LAZY_LOAD_PLUGINS": lazy,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "plugins")]),
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_plugins_loaded_at_start_import_the_whole_package(tmp_path) -> None:
    loaded = set(loaded_modules("False", tmp_path))
    assert set(modules()) <= loaded


def test_lazy_plugins_import_only_what_the_page_needs(tmp_path) -> None:
    loaded = set(loaded_modules("True", tmp_path))
    assert "timescale_migration.copy.parallel" not in loaded and "timescale_migration.operators.load" not in loaded
    assert "timescale_migration.ui.app" in loaded
