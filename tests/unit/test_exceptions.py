"""Unit tests of timescale_migration.exceptions: which failures Airflow retries."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowFailException

from timescale_migration import exceptions

pytestmark = pytest.mark.unit

FATAL = [
    exceptions.ConnectionConfigError,
    exceptions.ExtensionCheckError,
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
