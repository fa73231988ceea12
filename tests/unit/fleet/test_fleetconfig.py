"""Unit tests of timescale_migration.fleet.fleetconfig: fleet.json and rehearsals.json read, validated and merged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from timescale_migration import settings
from timescale_migration.constants import REHEARSAL_DATABASE_PREFIX, TARGET_POOL_PREFIX
from timescale_migration.exceptions import MigrationError
from timescale_migration.fleet.fleetconfig import (
    DatabaseEntry,
    FleetConfig,
    RehearsalConfig,
    pool_name,
    pools_json,
)

pytestmark = pytest.mark.unit


def db(name: str = "shop", **extra: Any) -> dict[str, Any]:
    """One entry of "databases" with both connection ids set."""
    return {"name": name, "source_conn_id": "src", "target_conn_id": "tgt", **extra}


def write(tmp_path: Path, data: Any, filename: str = "config.json") -> Path:
    """A config file holding data as JSON (or the text itself when data is a str)."""
    path = tmp_path / filename
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def no_config_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither config env var leaks in from the shell."""
    monkeypatch.delenv(settings.FLEET_CONFIG.name, raising=False)
    monkeypatch.delenv(settings.REHEARSALS_CONFIG.name, raising=False)


# --- FleetConfig.load -------------------------------------------------------------------------------------------------


def test_fleet_load_reads_every_field(tmp_path: Path) -> None:
    """An entry's connections, databases and create flag are read; work_dir and the path are kept."""
    path = write(
        tmp_path,
        {
            "work_dir": "/srv/tsm",
            "databases": [
                db(source_database="shop_src", target_database="shop_tgt", create_target_database=True),
            ],
        },
    )
    config = FleetConfig.load(path)
    assert config.path == path
    assert config.work_dir == "/srv/tsm"
    assert config.databases == [
        DatabaseEntry(
            name="shop",
            source_conn_id="src",
            target_conn_id="tgt",
            source_database="shop_src",
            target_database="shop_tgt",
            create_target_database=True,
        )
    ]


def test_fleet_load_empty_optional_fields_are_none(tmp_path: Path) -> None:
    """Empty database names, scratch connection and work_dir become None; create_target_database is False."""
    path = write(
        tmp_path,
        {
            "work_dir": "",
            "databases": [
                db(source_database="", target_database="", scratch_conn_id=""),
            ],
        },
    )
    config = FleetConfig.load(path)
    entry = config.databases[0]
    assert (entry.source_database, entry.target_database, entry.scratch_conn_id) == (None, None, None)
    assert entry.create_target_database is False
    assert config.work_dir is None


def test_fleet_load_merges_defaults_under_entry_params(tmp_path: Path) -> None:
    """Each entry gets the defaults, and its own run params win over them."""
    path = write(
        tmp_path,
        {
            "defaults": {"dump_format": "directory", "jobs": 2, "require_approval": True},
            "databases": [db("shop", jobs=8, keep_dump=True), db("metrics")],
        },
    )
    shop, metrics = FleetConfig.load(path).databases
    assert shop.params == {"dump_format": "directory", "jobs": 8, "require_approval": True, "keep_dump": True}
    assert metrics.params == {"dump_format": "directory", "jobs": 2, "require_approval": True}


def test_fleet_load_without_defaults_has_no_params(tmp_path: Path) -> None:
    """No "defaults" and no run params in an entry: the entry's params are empty."""
    path = write(tmp_path, {"defaults": None, "databases": [db()]})
    assert FleetConfig.load(path).databases[0].params == {}


def test_fleet_load_from_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a path, $TSM_FLEET_CONFIG names the file."""
    path = write(tmp_path, {"databases": [db("from_env")]})
    monkeypatch.setenv(settings.FLEET_CONFIG.name, str(path))
    config = FleetConfig.load()
    assert config.path == path
    assert [entry.name for entry in config.databases] == ["from_env"]


def test_fleet_load_path_wins_over_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit path is read even when $TSM_FLEET_CONFIG is set."""
    monkeypatch.setenv(settings.FLEET_CONFIG.name, str(write(tmp_path, {"databases": [db("from_env")]}, "env.json")))
    path = write(tmp_path, {"databases": [db("from_arg")]}, "arg.json")
    assert [entry.name for entry in FleetConfig.load(path).databases] == ["from_arg"]


def test_fleet_targets_default_to_one_per_target(tmp_path: Path) -> None:
    """A target connection without a "targets" entry (or without max_parallel) takes one migration at once."""
    path = write(
        tmp_path,
        {
            "targets": {"t1": {"max_parallel": 3}, "t2": {}},
            "databases": [
                {**db("a"), "target_conn_id": "t1"},
                {**db("b"), "target_conn_id": "t2"},
                {**db("c"), "target_conn_id": "t3"},
            ],
        },
    )
    assert FleetConfig.load(path).targets == {"t1": 3, "t2": 1, "t3": 1}


def test_fleet_targets_ignore_unused_connections(tmp_path: Path) -> None:
    """A "targets" entry no database uses does not become a target (nor a pool)."""
    path = write(tmp_path, {"targets": {"unused": {"max_parallel": 4}}, "databases": [db()]})
    assert FleetConfig.load(path).targets == {"tgt": 1}


def test_fleet_pools_one_per_target(tmp_path: Path) -> None:
    """pools() maps each target connection's pool name to its max_parallel."""
    path = write(
        tmp_path,
        {
            "targets": {"t1": {"max_parallel": 2}},
            "databases": [
                {**db("a"), "target_conn_id": "t1"},
                {**db("b"), "target_conn_id": "t1"},
                {**db("c"), "target_conn_id": "t2"},
            ],
        },
    )
    assert FleetConfig.load(path).pools() == {f"{TARGET_POOL_PREFIX}t1": 2, f"{TARGET_POOL_PREFIX}t2": 1}


def test_pools_json_for_airflow_pools_import(tmp_path: Path) -> None:
    """pools_json gives each pool its slots and include_deferred, as `airflow pools import` reads it."""
    path = write(
        tmp_path,
        {
            "targets": {"t1": {"max_parallel": 2}},
            "databases": [
                {**db("a"), "target_conn_id": "t1"},
                {**db("b"), "target_conn_id": "t2"},
            ],
        },
    )
    pools = json.loads(pools_json(FleetConfig.load(path)))
    assert sorted(pools) == [f"{TARGET_POOL_PREFIX}t1", f"{TARGET_POOL_PREFIX}t2"]
    assert pools[f"{TARGET_POOL_PREFIX}t1"]["slots"] == 2
    assert pools[f"{TARGET_POOL_PREFIX}t2"]["slots"] == 1
    assert all(pool["include_deferred"] is True and pool["description"] for pool in pools.values())


@pytest.mark.parametrize(
    ("conn_id", "expected"),
    [("migration_target", "tsm_target_migration_target"), ("my target/eu", "tsm_target_my_target_eu")],
)
def test_pool_name(conn_id: str, expected: str) -> None:
    """The pool name is the prefix and the file-system-safe form of the connection id."""
    assert pool_name(conn_id) == expected


# --- errors -----------------------------------------------------------------------------------------------------------


def load_error(path: Path, loader: type[FleetConfig] | type[RehearsalConfig] = FleetConfig) -> str:
    """The message of the MigrationError loading path raises."""
    with pytest.raises(MigrationError) as caught:
        loader.load(path)
    return str(caught.value)


@pytest.mark.parametrize("loader", [FleetConfig, RehearsalConfig])
def test_missing_file_named(tmp_path: Path, loader: type[FleetConfig] | type[RehearsalConfig]) -> None:
    """A missing config file is named in the error."""
    path = tmp_path / "nowhere.json"
    message = load_error(path, loader)
    assert str(path) in message
    assert "does not exist" in message


@pytest.mark.parametrize("loader", [FleetConfig, RehearsalConfig])
def test_bad_json_named(tmp_path: Path, loader: type[FleetConfig] | type[RehearsalConfig]) -> None:
    """A file that is not JSON is named, with the parser's complaint."""
    path = write(tmp_path, '{"databases": [')
    message = load_error(path, loader)
    assert str(path) in message
    assert "is not valid JSON" in message


@pytest.mark.parametrize("data", [[], "a string", 3, None])
def test_non_object_named(tmp_path: Path, data: Any) -> None:
    """A JSON value other than an object is refused, naming the file."""
    path = write(tmp_path, json.dumps(data))
    message = load_error(path)
    assert str(path) in message
    assert "must hold a JSON object" in message


@pytest.mark.parametrize("data", [{}, {"databases": {"shop": {}}}, {"databases": "shop"}, {"databases": None}])
def test_databases_not_a_list(tmp_path: Path, data: dict[str, Any]) -> None:
    """A missing or non-list "databases" is refused, naming the file."""
    path = write(tmp_path, data)
    message = load_error(path)
    assert str(path) in message
    assert '"databases" must be a list' in message


def test_entry_not_an_object(tmp_path: Path) -> None:
    """An entry that is not an object is refused, naming the file and showing the entry."""
    path = write(tmp_path, {"databases": ["shop"]})
    message = load_error(path)
    assert str(path) in message
    assert "'shop'" in message


@pytest.mark.parametrize("name", [None, "", 7, "bad name", "-leading-dash", ".hidden", "naïve", "x" * 64])
def test_bad_name(tmp_path: Path, name: Any) -> None:
    """A name that is missing, empty, not a string, or not 1-63 of letters, digits, _ . - is refused."""
    entry = db()
    entry["name"] = name
    path = write(tmp_path, {"databases": [entry]})
    message = load_error(path)
    assert str(path) in message
    assert repr(name) in message


@pytest.mark.parametrize("name", ["x" * 63, "_x", "a.b-c_D9"])
def test_good_names(tmp_path: Path, name: str) -> None:
    """Names of up to 63 letters, digits, _ . - (not starting with . or -) are accepted."""
    path = write(tmp_path, {"databases": [db(name)]})
    assert FleetConfig.load(path).databases[0].name == name


def test_duplicate_names(tmp_path: Path) -> None:
    """A name used twice is refused, naming the file and the name."""
    path = write(tmp_path, {"databases": [db("shop"), db("metrics"), db("shop")]})
    message = load_error(path)
    assert str(path) in message
    assert "share the name shop" in message
    assert "metrics" not in message


def test_unknown_entry_key(tmp_path: Path) -> None:
    """An entry with a key the config does not know is refused, naming the file, the entry and the key."""
    path = write(tmp_path, {"databases": [db("shop", colour="red", dump_fromat="plain")]})
    message = load_error(path)
    assert str(path) in message
    assert "'shop'" in message
    assert "colour, dump_fromat" in message


def test_unknown_defaults_key(tmp_path: Path) -> None:
    """A defaults key that is not a migrate_database run param is refused, naming the file and the key."""
    path = write(tmp_path, {"defaults": {"jobs": 2, "target_conn_id": "tgt"}, "databases": [db()]})
    message = load_error(path)
    assert str(path) in message
    assert "defaults has unknown key(s) target_conn_id" in message


@pytest.mark.parametrize("key", ["source_conn_id", "target_conn_id"])
@pytest.mark.parametrize("value", [None, "", 5])
def test_missing_conn_id(tmp_path: Path, key: str, value: Any) -> None:
    """An entry without a non-empty connection id is refused, naming the file, the entry and the key."""
    entry = db("shop")
    entry[key] = value
    if value is None:
        del entry[key]
    path = write(tmp_path, {"databases": [entry]})
    message = load_error(path)
    assert str(path) in message
    assert "'shop'" in message
    assert f"needs {key}" in message


@pytest.mark.parametrize("limit", [0, -1, "2", True, 1.5, None])
def test_bad_target_max_parallel(tmp_path: Path, limit: Any) -> None:
    """A target's max_parallel that is not an integer >= 1 is refused, naming the file and the target."""
    path = write(tmp_path, {"targets": {"tgt": {"max_parallel": limit}}, "databases": [db()]})
    message = load_error(path)
    assert str(path) in message
    assert "targets.tgt.max_parallel must be an integer >= 1" in message


@pytest.mark.parametrize("limit", [0, -3, "1", False, 2.0, None])
def test_bad_rehearsal_max_parallel(tmp_path: Path, limit: Any) -> None:
    """A rehearsal config's max_parallel that is not an integer >= 1 is refused, naming the file."""
    path = write(tmp_path, {"max_parallel": limit, "databases": [db()]})
    message = load_error(path, RehearsalConfig)
    assert str(path) in message
    assert "max_parallel must be an integer >= 1" in message


def test_rehearsal_entry_errors_name_file(tmp_path: Path) -> None:
    """The rehearsal config validates its entries as the fleet config does, naming its own file."""
    path = write(tmp_path, {"databases": [db("shop", nonsense=1)]})
    message = load_error(path, RehearsalConfig)
    assert str(path) in message
    assert "'shop' has unknown key(s) nonsense" in message


def test_name_with_trailing_newline_refused(tmp_path: Path) -> None:
    """A name ending in a newline is not 1-63 letters, digits, _ . - and is refused."""
    path = write(tmp_path, {"databases": [db("shop\n")]})
    load_error(path)


@pytest.mark.parametrize(
    "data",
    [
        {"defaults": ["jobs"], "databases": [db()]},
        {"targets": {"tgt": 2}, "databases": [db()]},
        {"targets": ["tgt"], "databases": [db()]},
    ],
    ids=["defaults-list", "target-int", "targets-list"],
)
def test_non_object_defaults_or_targets_named(tmp_path: Path, data: dict[str, Any]) -> None:
    """defaults, targets and each target entry must be objects; anything else is refused naming the file."""
    path = write(tmp_path, data)
    assert str(path) in load_error(path)


@pytest.mark.parametrize(
    ("first", "second"),
    [("Shop", "shop"), ("shop", "shop_"), ("a" * 50, "a" * 51)],
    ids=["case", "trailing-underscore", "truncation"],
)
def test_names_colliding_after_normalising_refused(tmp_path: Path, first: str, second: str) -> None:
    """Two names that give the same scratch database (or run id) are refused like duplicates."""
    path = write(tmp_path, {"databases": [db(first), db(second)]})
    load_error(path, RehearsalConfig)


# --- RehearsalConfig.load ---------------------------------------------------------------------------------------------


def test_rehearsal_load_defaults(tmp_path: Path) -> None:
    """Without schedule, max_parallel or work_dir: @weekly, one at a time, the default work dir."""
    config = RehearsalConfig.load(write(tmp_path, {"databases": [db()]}))
    assert (config.schedule, config.max_parallel, config.work_dir) == ("@weekly", 1, None)


def test_rehearsal_load_reads_settings(tmp_path: Path) -> None:
    """schedule, max_parallel, work_dir and the entries (defaults merged) are read."""
    path = write(
        tmp_path,
        {
            "schedule": "0 3 * * 6",
            "max_parallel": 3,
            "work_dir": "/srv/tsm",
            "defaults": {"jobs": 4},
            "databases": [db("shop", scratch_conn_id="scratch")],
        },
    )
    config = RehearsalConfig.load(path)
    assert (config.schedule, config.max_parallel, config.work_dir) == ("0 3 * * 6", 3, "/srv/tsm")
    assert config.databases[0].scratch_conn_id == "scratch"
    assert config.databases[0].params == {"jobs": 4}


def test_rehearsal_null_schedule_means_manual(tmp_path: Path) -> None:
    """ "schedule": null turns the schedule off (None), it does not fall back to @weekly."""
    assert RehearsalConfig.load(write(tmp_path, {"schedule": None, "databases": [db()]})).schedule is None


def test_rehearsal_load_from_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a path, $TSM_REHEARSALS_CONFIG names the file."""
    path = write(tmp_path, {"databases": [db("from_env")]})
    monkeypatch.setenv(settings.REHEARSALS_CONFIG.name, str(path))
    config = RehearsalConfig.load()
    assert config.path == path
    assert [entry.name for entry in config.databases] == ["from_env"]


# --- shipped configs --------------------------------------------------------------------------------------------------


def test_shipped_fleet_config_loads() -> None:
    """include/fleet.json is valid: two databases into one target taking two at once."""
    config = FleetConfig.load()
    assert config.path == settings.INCLUDE_DIR / "fleet.json"
    assert [entry.name for entry in config.databases] == ["shop", "metrics"]
    assert config.targets == {"migration_target": 2}


def test_shipped_rehearsals_config_loads() -> None:
    """include/rehearsals.json is valid, and no scratch database is a real target database."""
    config = RehearsalConfig.load()
    assert config.path == settings.INCLUDE_DIR / "rehearsals.json"
    assert config.schedule == "@weekly"
    assert all(entry.scratch_database != entry.target_database for entry in config.databases)


# --- DatabaseEntry ----------------------------------------------------------------------------------------------------


def test_run_conf_drops_none_values() -> None:
    """Unset databases and work_dir are left out of the run's conf."""
    entry = DatabaseEntry(name="shop", source_conn_id="src", target_conn_id="tgt", params={"jobs": 2})
    assert entry.run_conf(None) == {"source_conn_id": "src", "target_conn_id": "tgt", "jobs": 2}


def test_run_conf_keeps_false_and_applies_overrides() -> None:
    """Overrides win over the entry and its params; False is kept; an override of None removes the key."""
    entry = DatabaseEntry(
        name="shop",
        source_conn_id="src",
        target_conn_id="tgt",
        source_database="shop",
        target_database="tsdb",
        params={"jobs": 2, "require_approval": False},
    )
    conf = entry.run_conf("/srv/tsm", target_conn_id="scratch", jobs=4, rehearsal=True, source_database=None)
    assert conf == {
        "source_conn_id": "src",
        "target_conn_id": "scratch",
        "target_database": "tsdb",
        "work_dir": "/srv/tsm",
        "jobs": 4,
        "require_approval": False,
        "rehearsal": True,
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [("shop", "tsm_rehearsal_shop"), ("Metrics.EU-1", "tsm_rehearsal_metrics.eu-1")],
)
def test_scratch_database_prefix_and_lowercase(name: str, expected: str) -> None:
    """The scratch database is the rehearsal prefix and the lower-cased entry name."""
    assert DatabaseEntry(name=name, source_conn_id="s", target_conn_id="t").scratch_database == expected


def test_scratch_database_fits_postgres_identifier() -> None:
    """A 63-character name still gives a scratch database of at most 63 characters, with the prefix."""
    scratch = DatabaseEntry(name="N" * 63, source_conn_id="s", target_conn_id="t").scratch_database
    assert scratch.startswith(REHEARSAL_DATABASE_PREFIX)
    assert len(scratch) == 63
    assert scratch == REHEARSAL_DATABASE_PREFIX + "n" * (63 - len(REHEARSAL_DATABASE_PREFIX))


# --- hypertables in the configs ---------------------------------------------------------------------------------------

TABLES = [{"table": "readings", "time_column": "ts", "chunk_interval": "1 day"}]


@pytest.mark.parametrize("loader", [FleetConfig, RehearsalConfig])
def test_hypertables_in_defaults_or_per_database(
    tmp_path: Path, loader: type[FleetConfig] | type[RehearsalConfig]
) -> None:
    """hypertables is a run param like the others: from defaults, overridden per database, passed to the run."""
    other = [{"table": "events", "time_column": "at", "chunk_interval": 86400}]
    path = write(
        tmp_path, {"defaults": {"hypertables": TABLES}, "databases": [db("shop"), db("metrics", hypertables=other)]}
    )
    shop, metrics = loader.load(path).databases
    assert shop.run_conf(None)["hypertables"] == TABLES
    assert metrics.run_conf(None)["hypertables"] == other


@pytest.mark.parametrize("loader", [FleetConfig, RehearsalConfig])
def test_bad_hypertables_in_a_config_named(tmp_path: Path, loader: type[FleetConfig] | type[RehearsalConfig]) -> None:
    """A malformed hypertables value fails the config's load, naming the file, the database and the entry."""
    path = write(tmp_path, {"databases": [db("shop", hypertables=[{"table": "readings", "time_column": "ts"}])]})
    message = load_error(path, loader)
    assert str(path) in message and "database 'shop': hypertables[0]" in message
    assert "'chunk_interval' is a required property" in message


# --- every param validated with migrate_database's Params ----------------------------------------------------------


@pytest.mark.parametrize("loader", [FleetConfig, RehearsalConfig])
def test_bad_params_fail_the_load_naming_file_entry_and_each_key(
    tmp_path: Path, loader: type[FleetConfig] | type[RehearsalConfig]
) -> None:
    """jobs 999, dump_format bogus and drain_timeout -5 in one entry: the load fails naming the file, the entry
    and all three keys with their values and why (the Params' own schema)."""
    path = write(tmp_path, {"databases": [db("metrics"), db("shop", jobs=999, dump_format="bogus", drain_timeout=-5)]})
    message = load_error(path, loader)
    assert message.startswith(f"{path}: database 'shop': ")
    assert "jobs=999: 999 is greater than the maximum of 64" in message
    assert "dump_format='bogus': 'bogus' is not one of ['plain', 'directory', 'stream', 'parallel']" in message
    assert "drain_timeout=-5: -5 is less than the minimum of 0" in message


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({"require_approval": "yes"}, "require_approval='yes': 'yes' is not of type 'boolean'"),
        ({"notify": ["not-an-address"]}, "notify[0]='not-an-address': 'not-an-address' is not a 'email'"),
        ({"source_database": 5}, "source_database=5: 5 is not of type 'null', 'string'"),
        ({"create_target_database": "yes"}, "create_target_database='yes': give true or false"),
        ({"scratch_conn_id": 3}, "scratch_conn_id=3: give an Airflow connection id"),
    ],
    ids=lambda v: next(iter(v)) if isinstance(v, dict) else "",
)
def test_each_entry_key_is_checked(tmp_path: Path, entry: dict[str, Any], words: str) -> None:
    """Run params, the entry's own connection and database params, and the entry's other keys."""
    message = load_error(write(tmp_path, {"databases": [db("shop", **entry)]}), FleetConfig)
    assert f"database 'shop': {words}" in message


def test_bad_defaults_named_as_defaults(tmp_path: Path) -> None:
    """A bad value in "defaults" is named there, not in every entry."""
    message = load_error(write(tmp_path, {"defaults": {"jobs": 0}, "databases": [db("shop")]}), FleetConfig)
    assert message.endswith(": defaults: jobs=0: 0 is less than the minimum of 1")
