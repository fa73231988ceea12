"""Airflow's `hostname_callable` for several workers on one machine: each reports $TSM_WORKER_HOSTNAME (as two
hosts would report their own names), else the machine's name. Set by `make airflow-celery` and tests/live."""

from __future__ import annotations

import os
import socket


def hostname() -> str:
    """$TSM_WORKER_HOSTNAME, or the fully qualified name of this machine (Airflow's default)."""
    return os.environ.get("TSM_WORKER_HOSTNAME") or socket.getfqdn()
