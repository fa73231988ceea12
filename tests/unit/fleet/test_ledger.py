"""Unit tests of timescale_migration.fleet.ledger: the private record of each verified target database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.files import mode
from timescale_migration.constants import LEDGER_DIR
from timescale_migration.fleet import ledger
from timescale_migration.settings import WORK_DIR
from timescale_migration.workdir import unique_name

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("usual_umask")]


@pytest.fixture
def base(tmp_path: Path) -> str:
    """A base work directory that does not exist yet."""
    return str(tmp_path / "work")


def test_record_path_layout(base: str) -> None:
    """A record is <base>/ledger/<unique target_conn_id>/<unique database>.json."""
    expected = Path(base) / LEDGER_DIR / unique_name("migration_target") / f"{unique_name('tsdb')}.json"
    assert ledger.record_path(base, "migration_target", "tsdb") == expected


def test_record_path_uses_env_work_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a work_dir, the ledger lives under $TSM_WORK_DIR."""
    monkeypatch.setenv(WORK_DIR.name, str(tmp_path))
    assert ledger.record_path(None, "tgt", "db").parent.parent == tmp_path / LEDGER_DIR


def test_write_read_round_trip(base: str) -> None:
    """What was written is read back, with the time it was verified added."""
    ledger.write(base, "tgt", "shop", {"run_id": "r1", "rows": 42})
    record = ledger.read(base, "tgt", "shop")
    assert record is not None
    assert record["run_id"] == "r1"
    assert record["rows"] == 42
    assert record["verified_at"].endswith("+00:00")


def test_write_returns_record_path(base: str) -> None:
    """write() returns where the record went."""
    assert ledger.write(base, "tgt", "shop", {}) == ledger.record_path(base, "tgt", "shop")


def test_write_does_not_change_callers_entry(base: str) -> None:
    """The caller's dict is not given a verified_at."""
    entry = {"run_id": "r1"}
    ledger.write(base, "tgt", "shop", entry)
    assert entry == {"run_id": "r1"}


def test_write_replaces_earlier_record(base: str) -> None:
    """A second write for the same database replaces the first record."""
    ledger.write(base, "tgt", "shop", {"run_id": "r1", "old": True})
    ledger.write(base, "tgt", "shop", {"run_id": "r2"})
    record = ledger.read(base, "tgt", "shop")
    assert record is not None
    assert record["run_id"] == "r2"
    assert "old" not in record


def test_record_file_is_private(base: str) -> None:
    """The record file is 0600."""
    assert mode(ledger.write(base, "tgt", "shop", {})) == 0o600


def test_ledger_directories_are_private(base: str) -> None:
    """The ledger directory and each target connection's directory are 0700."""
    path = ledger.write(base, "tgt", "shop", {})
    assert mode(path.parent) == 0o700
    assert mode(path.parent.parent) == 0o700
    assert path.parent.parent == Path(base) / LEDGER_DIR


def test_write_leaves_no_temporary_file(base: str) -> None:
    """The record is written beside and renamed into place: only the .json file remains."""
    path = ledger.write(base, "tgt", "shop", {"run_id": "r1"})
    ledger.write(base, "tgt", "shop", {"run_id": "r2"})
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert path.suffix == ".json"


def test_write_renames_over_old_file(base: str) -> None:
    """A replaced record is a new file (os.replace), not the old one rewritten in place."""
    path = ledger.write(base, "tgt", "shop", {"run_id": "r1"})
    before = path.stat().st_ino
    ledger.write(base, "tgt", "shop", {"run_id": "r2"})
    assert path.stat().st_ino != before


def test_read_missing_record_is_none(base: str) -> None:
    """A database without a record (even with no ledger directory at all) reads as None."""
    assert ledger.read(base, "tgt", "shop") is None
    ledger.write(base, "tgt", "other", {})
    assert ledger.read(base, "tgt", "shop") is None


def test_records_kept_apart_by_connection(base: str) -> None:
    """The same database name on two target connections has two records."""
    ledger.write(base, "tgt_a", "tsdb", {"run_id": "a"})
    ledger.write(base, "tgt_b", "tsdb", {"run_id": "b"})
    assert (ledger.read(base, "tgt_a", "tsdb") or {})["run_id"] == "a"
    assert (ledger.read(base, "tgt_b", "tsdb") or {})["run_id"] == "b"


@pytest.mark.parametrize("database", ["my db", "a/b", "../../escape", "données", "Shop.Orders"])
def test_odd_names_stay_inside_ledger(base: str, database: str) -> None:
    """A database name with spaces, slashes, dots or non-ASCII letters gives one file inside its connection's folder."""
    path = ledger.write(base, "tgt", database, {"run_id": "r1"})
    assert path.parent == Path(base) / LEDGER_DIR / unique_name("tgt")
    assert path.name.endswith(".json")
    assert (ledger.read(base, "tgt", database) or {})["run_id"] == "r1"


@pytest.mark.parametrize(
    ("migrated", "other"),
    [("my db", "my_db"), ("a/b", "a_b"), (".x", "x"), ("Shop", "shop")],
    ids=["space", "slash", "leading-dot", "case"],
)
def test_odd_names_kept_apart(base: str, migrated: str, other: str) -> None:
    """Two database names that safe_name would merge still have separate records."""
    ledger.write(base, "tgt", migrated, {"run_id": "r1"})
    assert ledger.read(base, "tgt", other) is None
    ledger.write(base, "tgt", other, {"run_id": "r2"})
    assert (ledger.read(base, "tgt", migrated) or {})["run_id"] == "r1"


def test_odd_connection_ids_kept_apart(base: str) -> None:
    """Two target connection ids that safe_name would merge keep separate folders."""
    ledger.write(base, "tgt a", "tsdb", {"run_id": "r1"})
    assert ledger.read(base, "tgt_a", "tsdb") is None
    assert ledger.remove(base, "tgt_a", "tsdb") is False
    assert ledger.read(base, "tgt a", "tsdb") is not None


def test_remove_existing_record(base: str) -> None:
    """remove() deletes the record and says there was one."""
    path = ledger.write(base, "tgt", "shop", {})
    assert ledger.remove(base, "tgt", "shop") is True
    assert not path.exists()
    assert ledger.read(base, "tgt", "shop") is None


def test_remove_missing_record(base: str) -> None:
    """remove() of a database without a record is fine and says there was none."""
    assert ledger.remove(base, "tgt", "shop") is False
    ledger.write(base, "tgt", "shop", {})
    ledger.remove(base, "tgt", "shop")
    assert ledger.remove(base, "tgt", "shop") is False


def test_remove_leaves_other_records(base: str) -> None:
    """Removing one record keeps the others."""
    ledger.write(base, "tgt", "shop", {})
    ledger.write(base, "tgt", "metrics", {})
    ledger.remove(base, "tgt", "shop")
    assert ledger.read(base, "tgt", "metrics") is not None


# --- a record true to the server it describes -------------------------------------------------------------------------

WAS = {"system_identifier": "7001", "database_oid": 16500}


@pytest.mark.parametrize(
    ("now", "why"),
    [
        ({"system_identifier": "7001", "database_oid": 16500}, None),
        ({"system_identifier": None, "database_oid": 16500}, None),
        ({"system_identifier": "7001", "database_oid": None}, "database 'shop' no longer exists on that server"),
        ({"system_identifier": "9002", "database_oid": 16500}, "the server of 'shop' is another one now"),
        ({"system_identifier": "7001", "database_oid": 16999}, "database 'shop' was dropped and created again"),
    ],
    ids=["same", "identifier unreadable", "gone", "other server", "created again"],
)
def test_stale_because(now: dict, why: str | None) -> None:
    """A record describes its target while the database exists, on the same server incarnation, as the same
    database; what the target cannot tell (an unreadable system identifier) does not make it stale."""
    found = ledger.stale_because({"target_database": "shop", ledger.IDENTITY_KEY: WAS}, now)
    assert found == why if why is None else found.startswith(why)


def test_a_record_without_an_identity_is_stale_only_when_its_database_is_gone() -> None:
    """Records written before they named their server: only a missing database tells them stale."""
    record = {"target_database": "shop"}
    assert ledger.stale_because(record, {"system_identifier": "1", "database_oid": 5}) is None
    assert ledger.stale_because(record, {"system_identifier": "1", "database_oid": None}) is not None


def test_set_aside_takes_the_record_out_and_keeps_it_beside(base: str) -> None:
    """The record leaves the ledger (read, records, the fleet no longer see it) and is kept as .json.stale with
    why, private like the ledger."""
    ledger.write(base, "tgt", "shop", {"run_id": "r1", ledger.IDENTITY_KEY: WAS})
    aside = ledger.set_aside(base, "tgt", "shop", "gone")
    assert aside == ledger.record_path(base, "tgt", "shop").with_name(f"{unique_name('shop')}.json.stale")
    assert ledger.read(base, "tgt", "shop") is None and ledger.records(base) == []
    assert json.loads(aside.read_text(encoding="utf-8"))["set_aside"] == "gone"
    assert mode(aside) == 0o600
    assert ledger.set_aside(base, "tgt", "shop", "again") is None
