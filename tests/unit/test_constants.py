"""Unit tests of timescale_migration.constants: the invariants other modules rely on."""

from __future__ import annotations

import pytest

from timescale_migration import constants

pytestmark = pytest.mark.unit


def test_client_tools() -> None:
    """The four programs the migration runs."""
    assert set(constants.CLIENT_TOOLS) == {"pg_dump", "pg_dumpall", "pg_restore", "psql"}


def test_child_env_keeps_no_secrets() -> None:
    """The inherited environment never includes PG* or AIRFLOW* variables."""
    assert not [key for key in constants.CHILD_ENV_KEEP if key.startswith(("PG", "AIRFLOW"))]
    assert "PATH" in constants.CHILD_ENV_KEEP


def test_refused_attributes_pair_up() -> None:
    """Each refused attribute is listed with its NO form."""
    refused = set(constants.ROLE_ATTRIBUTES_REFUSED)
    assert {name for name in refused if not name.startswith("NO")} == {"SUPERUSER", "REPLICATION", "BYPASSRLS"}
    assert all(f"NO{name}" in refused for name in ("SUPERUSER", "REPLICATION", "BYPASSRLS"))


def test_reserved_roles() -> None:
    """Timescale's own roles are reserved."""
    assert {"postgres", "tsdbadmin"} <= set(constants.TARGET_RESERVED_ROLES)


def test_dump_formats_are_the_enum_strings() -> None:
    """DumpFormat's members are the param's strings; DUMP_FORMATS and the default stay plain strings."""
    assert constants.DUMP_FORMATS == ("plain", "directory", "stream", "parallel")
    assert all(type(f) is str for f in (*constants.DUMP_FORMATS, constants.DEFAULT_DUMP_FORMAT))
    assert [constants.DumpFormat(f) for f in constants.DUMP_FORMATS] == list(constants.DumpFormat)
    assert constants.DumpFormat.PARALLEL == "parallel" and f"{constants.DumpFormat.STREAM}" == "stream"


@pytest.mark.parametrize(
    ("dump_format", "streamed", "dump_name"),
    [
        ("plain", False, "dump.sql"),
        ("directory", False, "dump.dir"),
        ("stream", True, "dump.sql"),
        ("parallel", True, "dump.sql"),
    ],
)
def test_dump_format_properties(dump_format: str, streamed: bool, dump_name: str) -> None:
    """Which formats write no dump file (load reads the source), and the dump's name in the work directory."""
    fmt = constants.DumpFormat(dump_format)
    assert (fmt.streamed, fmt.dump_name) == (streamed, dump_name)


def test_plain_is_a_dump_format() -> None:
    """plain (the documented commands) is allowed and jobs have a sane bound."""
    assert "plain" in constants.DUMP_FORMATS
    assert constants.MAX_JOBS >= 1
