"""Errors a migration raises; each message names what failed and what to do."""

from __future__ import annotations

from airflow.sdk.exceptions import AirflowFailException


class MigrationError(AirflowFailException):
    """A migration problem that a retry will not fix."""


class ConnectionConfigError(MigrationError):
    """An Airflow connection is missing, unreachable or refuses the credentials."""


class ExtensionCheckError(MigrationError):
    """A source extension is not available on the target."""


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
