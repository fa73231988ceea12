"""Every module of this package, and the client libraries its tasks use, imported once in Airflow's long-lived
processes. The LocalExecutor's workers are forked from the scheduler, and each task process is forked from a
worker (a Celery worker's likewise): with `[core] lazy_load_plugins = False` Airflow imports the plugin file, which
calls preload(), when the process starts, so a task process finds these modules loaded instead of importing them
(about 0.3 s per task process on this machine kind, a cost every downtime task paid before its work)."""

from __future__ import annotations

import importlib
import pkgutil
import time

import timescale_migration

LIBRARIES = ("psycopg", "airflow.providers.postgres.hooks.postgres", "airflow.sdk")
SKIPPED = ("timescale_migration.ui",)
"""The Migrations page is the api-server's, which imports it anyway; task processes never need it."""


def modules() -> list[str]:
    """The package's modules (not the UI's), by name."""
    names = []
    for found in pkgutil.walk_packages(timescale_migration.__path__, prefix="timescale_migration."):
        if not found.name.startswith(SKIPPED):
            names.append(found.name)
    return names


def preload() -> float:
    """Import the client libraries and every module of the package; seconds taken."""
    started = time.monotonic()
    for name in (*LIBRARIES, *modules()):
        importlib.import_module(name)
    return time.monotonic() - started
