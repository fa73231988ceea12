"""Unit tests of the checks' rules that need no server: version order, lock table sizes, encodings and locales,
collation probes, `df` output, the dump's size by format. Each check is tried on real servers in
tests/integration/test_preflight.py."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tests.support.fakes import RecordingLog
from tests.unit.operators.conftest import statement_text
from timescale_migration.checks import extensions, locales, locks, preflight, space, versions
from timescale_migration.checks.findings import BLOCKING, WARNING
from timescale_migration.exceptions import VersionCheckError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("source", "target", "order"),
    [
        ("1.6", "1.6", 0),
        ("1.6", "1.10", 1),
        ("1.10", "1.9", -1),
        ("3.5.2", "3.5.2.1", 1),
        ("1.0", "unpackaged", None),
    ],
)
def test_extension_version_order(source: str, target: str, order: int | None) -> None:
    """Versions compare by their numbers ("1.10" is newer than "1.9"); a version without numbers has no order."""
    assert extensions.compare_versions(source, target) == order


def test_quote_ident_as_the_server_does() -> None:
    """verify's inventory names extensions with quote_ident(): plain names bare, others quoted."""
    assert preflight.quote_ident("pg_trgm") == "pg_trgm"
    assert preflight.quote_ident("uuid-ossp") == '"uuid-ossp"'


def test_check_majors() -> None:
    """An older target is refused naming both versions; the same or newer passes."""
    versions.check_majors(15, 17, "15.8", "17.2")
    with pytest.raises(VersionCheckError, match=r"target PostgreSQL 15 is older than source PostgreSQL 17 \(15.8"):
        versions.check_majors(17, 15, "17.2", "15.8")


@pytest.mark.parametrize(
    ("target", "installable", "action"),
    [
        ("2.19.3", [], "ok"),
        (None, ["2.19.3"], "create"),
        ("2.20.0", ["2.19.3", "2.20.0"], "replace"),
    ],
)
def test_timescaledb_action(target: str | None, installable: list[str], action: str) -> None:
    """Identical: nothing; installable: create or replace on the empty target."""
    assert versions.timescaledb_action("2.19.3", target, installable) == action


def test_timescaledb_the_target_cannot_install() -> None:
    """Refused naming both versions, what the target offers, and what to do."""
    with pytest.raises(VersionCheckError) as err:
        versions.timescaledb_action("2.19.3", None, ["2.20.0"])
    assert "source 2.19.3, target not installed" in str(err.value) and "offers 2.20.0" in str(err.value)
    assert "ALTER EXTENSION timescaledb UPDATE" in str(err.value)


SETTINGS = {"max_locks_per_transaction": 64, "max_connections": 100, "max_prepared_transactions": 0}


def lock_pre(dump_format: str = "plain") -> Any:
    """What the lock check reads of a Preflight."""
    return SimpleNamespace(
        opts=SimpleNamespace(dump_format=dump_format),
        source=SimpleNamespace(label="src"),
        target=SimpleNamespace(label="tgt"),
        log=RecordingLog(),
    )


def tried(monkeypatch: pytest.MonkeyPatch, outcome: str | None) -> list[int]:
    """locks.try_locks answering `outcome`; the sessions it was asked for."""
    asked: list[int] = []
    monkeypatch.setattr(locks, "try_locks", lambda source, sessions: asked.append(sessions) or outcome)
    return asked


def test_lock_table_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fewer relations than max_locks_per_transaction: nothing to say, nothing tried."""
    asked = tried(monkeypatch, None)
    assert locks.source_findings(lock_pre(), {**SETTINGS, "relations": 64}) == [] and asked == []


def test_lock_table_borrowed_and_tried_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    """More than max_locks_per_transaction in pg_dump's one transaction, tried and fitting: a warning."""
    asked = tried(monkeypatch, None)
    found = locks.source_findings(lock_pre(), {**SETTINGS, "relations": 65})
    assert [f.severity for f in found] == [WARNING] and asked == [1]
    assert "more than max_locks_per_transaction 64" in found[0].message and "tried now: they fit" in found[0].message


def test_more_than_the_nominal_lock_table_that_fits_when_tried_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    """7,001 relations against a nominal 6,400 that lock fine when tried (the table has room beyond its size): a
    warning with the numbers, never a refusal by estimate."""
    tried(monkeypatch, None)
    found = locks.source_findings(lock_pre("parallel"), {**SETTINGS, "relations": 7001})
    assert [f.severity for f in found] == [WARNING]
    assert "7,001 relations locked in 1 session(s)" in found[0].message and "holds 6,400" in found[0].message
    assert "tried now they fit" in found[0].message


def test_lock_table_that_fails_when_tried_blocks_naming_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The try fails with out of shared memory: blocking, with the value to raise the setting to; a directory
    dump is tried in two sessions (its workers keep their tables locked beside pg_dump's leader)."""
    asked = tried(monkeypatch, "out of shared memory")
    found = locks.source_findings(lock_pre("directory"), {**SETTINGS, "relations": 6401})
    assert [f.severity for f in found] == [BLOCKING] and asked == [2]
    assert "6,401 relations locked in 2 session(s)" in found[0].message
    assert "failed with 'out of shared memory'" in found[0].message
    assert "max_locks_per_transaction = 154" in found[0].remedy  # 6401 * 2 * 1.2 / 100, rounded up


def test_lock_try_without_an_answer_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    """A relation held exclusively by someone (lock_timeout): not known, a warning."""
    tried(monkeypatch, "untried: canceling statement due to lock timeout")
    found = locks.source_findings(lock_pre(), {**SETTINGS, "relations": 6401})
    assert [f.severity for f in found] == [WARNING] and "could not finish (canceling statement" in found[0].message


def test_target_lock_table_is_an_estimate_only() -> None:
    """The target holds no lock across statements: more relations than its table is a warning, never a refusal."""
    assert locks.target_findings(lock_pre(), 6400, SETTINGS) == []
    found = locks.target_findings(lock_pre(), 7041, {**SETTINGS, "max_prepared_transactions": 10})
    assert [f.severity for f in found] == [WARNING] and "7,041 relations" in found[0].message


def side(**changes) -> dict:
    values = {
        "encoding": "UTF8",
        "provider": "libc",
        "collate": "C.UTF-8",
        "ctype": "C.UTF-8",
        "locale": None,
        "version": None,
    }
    return {**values, **changes}


def test_same_encoding_and_locale_pass() -> None:
    assert locales.encoding_findings(side(), side()) == [] == locales.locale_findings(side(), side())


def test_encoding_into_utf8_warns_into_narrower_blocks() -> None:
    """LATIN1 into UTF8 is converted (a warning); UTF8 into LATIN1 cannot hold every character (blocking)."""
    assert [f.severity for f in locales.encoding_findings(side(encoding="LATIN1"), side())] == [WARNING]
    found = locales.encoding_findings(side(), side(encoding="LATIN1"))
    assert [f.severity for f in found] == [BLOCKING] and "ENCODING 'UTF8'" in found[0].remedy
    sql_ascii = locales.encoding_findings(side(encoding="SQL_ASCII"), side())[0]
    assert "not valid UTF-8 fail the load" in sql_ascii.message


def test_locale_differences_are_warnings() -> None:
    """Another LC_COLLATE and LC_CTYPE: one warning each; another collation library version alone: one warning."""
    found = locales.locale_findings(side(collate="C", ctype="C"), side())
    assert [f.subject for f in found] == ["LC_COLLATE: source C, target C.UTF-8", "LC_CTYPE: source C, target C.UTF-8"]
    assert {f.severity for f in found} == {WARNING}
    icu = locales.locale_findings(
        side(provider="icu", locale="und", version="153.120"), side(provider="icu", locale="und", version="153.128")
    )
    assert [f.subject for f in icu] == ["collation version: source 153.120, target 153.128"]


def test_collation_probe_statements() -> None:
    """The probe creates the source's collation as the dump would, in pg_temp."""
    libc = locales._probe_statement({"collprovider": "c", "collcollate": "de_DE.utf8", "collctype": "de_DE.utf8"})
    assert statement_text(libc) == (
        "CREATE COLLATION pg_temp.tsm_preflight_probe (provider = 'libc', lc_collate = "
        "'de_DE.utf8', lc_ctype = 'de_DE.utf8')"
    )
    icu = locales._probe_statement({"collprovider": "i", "colllocale": "und-u-ks-level2", "collisdeterministic": False})
    assert "provider = 'icu', locale = 'und-u-ks-level2', deterministic = 'false'" in statement_text(icu)


def test_df_output() -> None:
    """Free bytes from `df -Pk`; nothing usable: None."""
    lines = [
        "Filesystem     1024-blocks      Used Available Capacity Mounted on",
        "/dev/vda        263174148  27000000  79000000      26% /",
    ]
    assert space.parse_df(lines) == 79_000_000 * 1024
    assert space.parse_df(lines[:1]) is None
