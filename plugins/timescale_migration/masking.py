"""Secrets in logs: what is registered with Airflow's secrets masker is replaced by *** in every line a client tool
prints, before the line reaches a logger or an error message.

Airflow masks task log files (the supervisor redacts what it writes), but not every output goes through that: the
console of `airflow dags test` is not masked. Client tools print what the server sends back (psql echoes a failed
statement, the server's CONTEXT quotes it), so their lines are redacted here, under any executor.
"""

from __future__ import annotations

from airflow.sdk._shared.secrets_masker import redact
from airflow.sdk.log import mask_secret


def mask(secret: str) -> None:
    """Register a secret with Airflow's masker, in this process and in the task's supervisor."""
    mask_secret(secret)


def redacted(text: str) -> str:
    """`text` with every registered secret replaced by ***."""
    return str(redact(text))
