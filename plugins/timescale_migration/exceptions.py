"""Errors a migration raises; each message names what failed and what to do."""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowFailException


class MigrationError(AirflowFailException):
    """A migration problem that a retry will not fix."""


class ConnectionConfigError(MigrationError):
    """An Airflow connection is missing, unreachable or refuses the credentials."""


class VersionCheckError(MigrationError):
    """PostgreSQL, TimescaleDB or client tool versions do not allow the migration."""


class TargetNotEmptyError(MigrationError):
    """The target database already holds user objects."""


class ClientToolsError(MigrationError):
    """No usable pg_dump/pg_dumpall/pg_restore/psql was found."""


class ClientToolFailed(Exception):
    """A client tool exited non-zero (retryable: the next attempt starts over)."""


class VerificationError(MigrationError):
    """The target does not hold what the source held."""


class PermanentError(MigrationError):
    """An error a retry cannot fix (a missing feature, privilege or object): the task fails at once."""


class PreflightRefused(PermanentError):
    """The checks before the downtime found blocking problems: the run is refused once, naming every one."""


RETRYABLE_SQLSTATES = ("08", "40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300")
"""Connection exceptions (class 08), serialization failure, deadlock, lock not available (lock_timeout),
server shut down or starting, too many connections: errors that can go away by themselves."""

TRANSIENT_TOOL_OUTPUT = (
    "could not connect to server",
    "connection to server",
    "server closed the connection",
    "terminating connection",
    "no connection to the server",
    "connection refused",
    "connection reset",
    "ssl syscall error",
    "the database system is",
    "too many clients",
    "deadlock detected",
    "could not serialize access",
    "lock timeout",
    "could not obtain lock",
    "was killed by signal",
)
"""Words in a client tool's last output that mean a lost connection, a lock timeout or a serialization failure
(or a tool killed from outside): the only tool failures a retry may cure."""


def retryable(error: BaseException) -> bool:
    """Whether a retry can cure `error`: lost connections, lock timeouts, serialization failures and deadlocks."""
    import psycopg  # here, so that importing the exceptions stays cheap for the DAG files

    if isinstance(error, AirflowFailException):
        return False
    if isinstance(error, psycopg.Error):
        state = error.sqlstate or ""
        if not state:
            return isinstance(error, psycopg.OperationalError)  # no server answer: the connection failed
        return state.startswith(RETRYABLE_SQLSTATES)
    if isinstance(error, ClientToolFailed):
        text = str(error).lower()
        return any(words in text for words in TRANSIENT_TOOL_OUTPUT)
    return True


def fail_at_once(error: BaseException) -> BaseException:
    """`error` as it is when a retry can cure it, else a PermanentError naming it (Airflow does not retry it)."""
    if retryable(error) or isinstance(error, AirflowFailException):
        return error
    return PermanentError(f"{error} (not retried: a {type(error).__name__} of this kind cannot go away by itself)")
