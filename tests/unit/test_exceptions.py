"""Unit tests of timescale_migration.exceptions: which failures Airflow retries."""

from __future__ import annotations

import psycopg
import pytest
from airflow.sdk.exceptions import AirflowFailException

from timescale_migration import exceptions
from timescale_migration.exceptions import (
    ClientToolFailed,
    MigrationError,
    PermanentError,
    fail_at_once,
    retryable,
)

pytestmark = pytest.mark.unit

FATAL = [
    exceptions.ConnectionConfigError,
    exceptions.VersionCheckError,
    exceptions.TargetNotEmptyError,
    exceptions.ClientToolsError,
    exceptions.VerificationError,
]


@pytest.mark.parametrize("cls", FATAL)
def test_configuration_errors_are_not_retried(cls: type[Exception]) -> None:
    """Every MigrationError subclass is an AirflowFailException, so Airflow does not retry it."""
    assert issubclass(cls, exceptions.MigrationError)
    assert issubclass(cls, AirflowFailException)


def test_client_tool_failure_is_retryable() -> None:
    """A failed client tool run is an ordinary exception that task retries handle."""
    assert not issubclass(exceptions.ClientToolFailed, AirflowFailException)
    assert not issubclass(exceptions.ClientToolFailed, exceptions.MigrationError)


def test_messages_are_kept() -> None:
    """The message given is the exception's text."""
    assert str(exceptions.VersionCheckError("target too old")) == "target too old"


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (psycopg.errors.SerializationFailure("could not serialize access"), True),
        (psycopg.errors.DeadlockDetected("deadlock detected"), True),
        (psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"), True),
        (psycopg.errors.AdminShutdown("terminating connection due to administrator command"), True),
        (psycopg.OperationalError("connection to server at 127.0.0.1 failed: Connection refused"), True),
        (
            psycopg.errors.FeatureNotSupported(
                'function "alter_job" is not supported under the current "apache" license'
            ),
            False,
        ),
        (psycopg.errors.InsufficientPrivilege("permission denied for table t"), False),
        (psycopg.errors.UndefinedTable('relation "x" does not exist'), False),
        (
            ClientToolFailed("pg_dump exited with code 1; its last output:\nserver closed the connection unexpectedly"),
            True,
        ),
        (ClientToolFailed("psql was killed by signal 9 after 3.0s; its last output:\n(no output)"), True),
        (ClientToolFailed('psql exited with code 3; its last output:\nERROR:  relation "x" already exists'), False),
        (MigrationError("a refused check"), False),
        (OSError("no space left on device"), True),
    ],
)
def test_only_connection_losses_lock_timeouts_and_serialization_failures_are_retried(error, retried) -> None:
    """What a retry can cure passes unchanged; anything else becomes a PermanentError that Airflow fails at once."""
    assert retryable(error) is retried
    raised = fail_at_once(error)
    if retried or isinstance(error, MigrationError):
        assert raised is error
    else:
        assert isinstance(raised, PermanentError) and isinstance(raised, AirflowFailException)
        assert str(error) in str(raised) and "not retried" in str(raised)
