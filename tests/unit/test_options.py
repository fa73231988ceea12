"""Unit tests of timescale_migration.options: the trigger-form params and their validation."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.sdk import Param
from airflow.sdk.exceptions import ParamValidationError

from timescale_migration.constants import MAX_JOBS, DumpFormat
from timescale_migration.exceptions import MigrationError
from timescale_migration.options import (
    HYPERTABLE_EXAMPLE,
    Compression,
    HypertableSpec,
    MigrationOptions,
    OrderBy,
    migration_params,
    parse_hypertables,
    whole_number,
)

pytestmark = pytest.mark.unit

DOCUMENTED_DEFAULTS = {
    "source_conn_id": "migration_source",
    "target_conn_id": "migration_target",
    "source_database": None,
    "target_database": None,
    "require_approval": True,
    "pg_bin_dir": None,
    "dump_format": "parallel",
    "jobs": 2,
    "roles": True,
    "work_dir": None,
    "keep_dump": False,
    "drain": True,
    "drain_timeout": 60,
    "terminate_sessions": False,
    "rehearsal": False,
    "privileges": "as_source",
    "notify": [],
    "smtp_conn_id": "smtp_default",
    "approvers": [],
    "stop_apps_timeout_hours": 24,
    "hypertables": [],
}


def defaults() -> dict[str, Any]:
    """The param values a form submitted unchanged would give."""
    return {name: param.value for name, param in migration_params().items()}


def with_(**changes: Any) -> dict[str, Any]:
    """Default params with some values changed."""
    return {**defaults(), **changes}


# --- migration_params -------------------------------------------------------------------------------------------------


def test_migration_params_names_and_defaults() -> None:
    """Every documented param exists with its documented default."""
    params = migration_params()
    assert set(params) == set(DOCUMENTED_DEFAULTS)
    assert all(isinstance(param, Param) for param in params.values())
    assert {name: param.value for name, param in params.items()} == DOCUMENTED_DEFAULTS


def test_migration_params_override_one_default() -> None:
    """A keyword overrides only that param's default."""
    params = migration_params(source_conn_id="pg15_source", jobs=8)
    assert params["source_conn_id"].value == "pg15_source"
    assert params["jobs"].value == 8
    assert params["target_conn_id"].value == "migration_target"


def test_migration_params_schema_limits() -> None:
    """The form restricts dump_format to the allowed formats and jobs to 1..MAX_JOBS."""
    params = migration_params()
    assert params["dump_format"].schema["enum"] == ["plain", "directory", "stream", "parallel"]
    assert params["jobs"].schema["minimum"] == 1
    assert params["jobs"].schema["maximum"] == MAX_JOBS
    assert params["source_conn_id"].schema["minLength"] == 1
    assert params["drain_timeout"].schema["type"] == "integer"
    assert params["drain_timeout"].schema["minimum"] == 0
    assert params["drain_timeout"].schema["maximum"] == 86400


def test_privileges_param_form_and_validation() -> None:
    """privileges offers as_source and none in the form; any other value is refused naming both."""
    assert migration_params()["privileges"].schema["enum"] == ["as_source", "none"]
    assert MigrationOptions.from_params(with_(privileges="none")).privileges == "none"
    assert MigrationOptions.from_params({k: v for k, v in defaults().items() if k != "privileges"}).privileges == (
        "as_source")
    with pytest.raises(MigrationError, match="param privileges='all' is not one of as_source, none"):
        MigrationOptions.from_params(with_(privileges="all"))


@pytest.mark.parametrize("value", [-1, 86401, "60"])
def test_migration_params_form_rejects_bad_drain_timeout(value: Any) -> None:
    """The form's own validation refuses a bad drain_timeout value."""
    with pytest.raises(ParamValidationError):
        migration_params()["drain_timeout"].resolve(value=value)


@pytest.mark.parametrize("value", [0, MAX_JOBS + 1, "2"])
def test_migration_params_form_rejects_bad_jobs(value: Any) -> None:
    """The form's own validation refuses a bad jobs value."""
    with pytest.raises(ParamValidationError):
        migration_params()["jobs"].resolve(value=value)


def test_migration_params_optional_fields_accept_null() -> None:
    """The optional string params accept null and a string."""
    params = migration_params()
    for name in ("source_database", "target_database", "pg_bin_dir", "work_dir"):
        assert params[name].resolve(value=None) is None
        assert params[name].resolve(value="x") == "x"


# --- MigrationOptions.from_params -------------------------------------------------------------------------------------


def test_from_params_defaults() -> None:
    """The form's defaults parse into the documented options."""
    opts = MigrationOptions.from_params(defaults())
    assert opts == MigrationOptions(
        source_conn_id="migration_source",
        target_conn_id="migration_target",
        source_database=None,
        target_database=None,
        require_approval=True,
        pg_bin_dir=None,
        dump_format="parallel",
        jobs=2,
        roles=True,
        work_dir=None,
        keep_dump=False,
        drain=True,
        drain_timeout=60,
        terminate_sessions=False,
    )


def test_from_params_minimal_mapping() -> None:
    """Only the connection ids are required; everything else has its default."""
    opts = MigrationOptions.from_params({"source_conn_id": "s", "target_conn_id": "t"})
    assert (opts.jobs, opts.dump_format, opts.roles, opts.require_approval, opts.keep_dump) == (
        2, "parallel", True, True, False,
    )
    assert opts.dump_format is DumpFormat.PARALLEL


@pytest.mark.parametrize("dump_format", ["plain", "directory", "stream", "parallel"])
def test_from_params_dump_format_is_the_enum(dump_format: str) -> None:
    """The param's string becomes its DumpFormat member (operators compare members, never strings)."""
    assert MigrationOptions.from_params(with_(dump_format=dump_format)).dump_format is DumpFormat(dump_format)


def test_from_params_empty_strings_become_none() -> None:
    """Empty optional strings (a cleared form field) mean "not set"."""
    opts = MigrationOptions.from_params(with_(source_database="", target_database="", pg_bin_dir="", work_dir=""))
    assert (opts.source_database, opts.target_database, opts.pg_bin_dir, opts.work_dir) == (None, None, None, None)


def test_from_params_keeps_given_values() -> None:
    """Given databases, directories and jobs are kept."""
    opts = MigrationOptions.from_params(with_(source_database="app", target_database="tsdb", jobs=MAX_JOBS,
                                               pg_bin_dir="/usr/lib/postgresql/17/bin", work_dir="/data/w"))
    assert opts.source_database == "app"
    assert opts.target_database == "tsdb"
    assert opts.jobs == MAX_JOBS
    assert opts.pg_bin_dir == "/usr/lib/postgresql/17/bin"
    assert opts.work_dir == "/data/w"


@pytest.mark.parametrize("jobs", [0, -1, MAX_JOBS + 1, True, False, "2", 2.0, None])
def test_from_params_rejects_bad_jobs(jobs: Any) -> None:
    """jobs out of range, a bool, a string, a float or null is refused naming the param."""
    with pytest.raises(MigrationError, match=r"param jobs=") as err:
        MigrationOptions.from_params(with_(jobs=jobs))
    assert repr(jobs) in str(err.value)
    assert str(MAX_JOBS) in str(err.value)


@pytest.mark.parametrize("jobs", [1, MAX_JOBS])
def test_from_params_accepts_jobs_bounds(jobs: int) -> None:
    """1 and MAX_JOBS are both allowed."""
    assert MigrationOptions.from_params(with_(jobs=jobs)).jobs == jobs


@pytest.mark.parametrize("value", [-1, 86401, True, "60", 1.5, None])
def test_from_params_rejects_bad_drain_timeout(value: Any) -> None:
    """drain_timeout out of 0..86400, a bool, a string, a float or null is refused naming the param."""
    with pytest.raises(MigrationError, match=r"param drain_timeout=") as err:
        MigrationOptions.from_params(with_(drain_timeout=value))
    assert repr(value) in str(err.value)
    assert "0 to 86400" in str(err.value)


@pytest.mark.parametrize("value", [0, 1, 86400])
def test_from_params_accepts_drain_timeout_bounds(value: int) -> None:
    """0 (no wait) up to a day are allowed."""
    assert MigrationOptions.from_params(with_(drain_timeout=value)).drain_timeout == value


@pytest.mark.parametrize("dump_format", ["custom", "tar", "PLAIN", ""])
def test_from_params_rejects_dump_format(dump_format: str) -> None:
    """A dump_format other than the allowed ones is refused naming the param and the allowed values."""
    with pytest.raises(MigrationError, match="param dump_format=") as err:
        MigrationOptions.from_params(with_(dump_format=dump_format))
    assert "plain" in str(err.value)


@pytest.mark.parametrize("key", ["source_conn_id", "target_conn_id"])
@pytest.mark.parametrize("value", ["", None])
def test_from_params_rejects_empty_conn_id(key: str, value: Any) -> None:
    """An empty connection id is refused naming the param."""
    with pytest.raises(MigrationError, match=f"param {key} is empty"):
        MigrationOptions.from_params(with_(**{key: value}))


@pytest.mark.parametrize("key", ["source_conn_id", "target_conn_id"])
def test_from_params_rejects_missing_conn_id(key: str) -> None:
    """A missing connection id is refused naming the param."""
    params = defaults()
    del params[key]
    with pytest.raises(MigrationError, match=key):
        MigrationOptions.from_params(params)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True), ("True", True), (" yes ", True), ("1", True), ("on", True),
        ("false", False), ("False", False), ("no", False), ("0", False), ("off", False), ("", False),
        (True, True), (False, False), (1, True), (0, False),
    ],
)
@pytest.mark.parametrize("key", ["require_approval", "roles", "keep_dump", "drain", "terminate_sessions"])
def test_from_params_flags(key: str, value: Any, expected: bool) -> None:
    """Flags given as strings (a CLI run's conf) or bools parse as expected."""
    assert getattr(MigrationOptions.from_params(with_(**{key: value})), key) is expected


def test_from_params_flag_defaults_when_absent() -> None:
    """Absent flags take their documented defaults."""
    opts = MigrationOptions.from_params({"source_conn_id": "s", "target_conn_id": "t"})
    assert opts.require_approval is True
    assert opts.roles is True
    assert opts.keep_dump is False
    assert opts.drain is True
    assert opts.terminate_sessions is False
    assert opts.drain_timeout == 60


def test_options_are_frozen() -> None:
    """Parsed options cannot be changed afterwards."""
    opts = MigrationOptions.from_params(defaults())
    with pytest.raises(AttributeError):
        opts.jobs = 3  # type: ignore[misc]


# --- rehearsal ------------------------------------------------------------------------------------------------------


def test_rehearsal_turns_off_gates_drain_and_termination() -> None:
    """rehearsal=true: no approval, no drain, no ended sessions, whatever the other params say."""
    opts = MigrationOptions.from_params(with_(rehearsal=True, target_database="tsm_rehearsal_shop",
                                              require_approval=True, drain=True, terminate_sessions=True))
    assert opts.rehearsal is True
    assert (opts.require_approval, opts.drain, opts.terminate_sessions) == (False, False, False)


@pytest.mark.parametrize("target_database", [None, "", "tsdb", "shop_tsm_rehearsal_x"])
def test_rehearsal_refuses_a_real_target_database(target_database: str | None) -> None:
    """A rehearsal run names a scratch database, or it is refused before anything happens."""
    with pytest.raises(MigrationError, match="scratch database named tsm_rehearsal_"):
        MigrationOptions.from_params(with_(rehearsal=True, target_database=target_database))


# --- gate params ------------------------------------------------------------------------------------------------------


def test_gate_params_parsed() -> None:
    """notify and approvers as tuples (one string is a list of one), hours as a float."""
    opts = MigrationOptions.from_params(with_(notify="dba@example.com", approvers=["alice", "role:dba"],
                                              stop_apps_timeout_hours=0.5, smtp_conn_id="mail"))
    assert opts.notify == ("dba@example.com",)
    assert opts.approvers == ("alice", "role:dba")
    assert opts.stop_apps_timeout_hours == 0.5 and opts.smtp_conn_id == "mail"
    assert MigrationOptions.from_params(defaults()).stop_apps_timeout_hours == 24


@pytest.mark.parametrize(("key", "value", "words"), [
    ("stop_apps_timeout_hours", -1, "from 0 to 720"),
    ("stop_apps_timeout_hours", True, "out of range"),
    ("approvers", ["alice", ""], "non-empty strings"),
    ("notify", [3], "non-empty strings"),
])
def test_gate_params_refused(key: str, value: Any, words: str) -> None:
    """A bad gate param is named with its value."""
    with pytest.raises(MigrationError, match=words) as err:
        MigrationOptions.from_params(with_(**{key: value}))
    assert key in str(err.value)


@pytest.mark.parametrize(("value", "low", "high", "whole"), [
    (1, 1, None, True), (10**9, 1, None, True), (0, 1, None, False), (4, 1, 4, True), (5, 1, 4, False),
    (0, 0, 86400, True), (-1, 0, 86400, False), (True, 1, None, False), (False, 0, 1, False),
    (2.0, 1, None, False), ("2", 1, None, False), (None, 0, None, False),
])
def test_whole_number_is_an_int_not_a_bool_within_bounds(value: Any, low: int, high: int | None, whole: bool) -> None:
    assert whole_number(value, low, high) is whole


# --- hypertables ------------------------------------------------------------------------------------------------------


def test_hypertables_param_form_explains_with_an_example() -> None:
    """The form's field is a list of objects (Hypertables section) whose description carries a working example."""
    param = migration_params()["hypertables"]
    assert param.schema["type"] == "array" and param.schema["items"] == {"type": "object"}
    assert param.schema["section"] == "Hypertables"
    assert '"time_column": "time"' in param.description
    assert parse_hypertables(HYPERTABLE_EXAMPLE)  # the example parses
    param.resolve(HYPERTABLE_EXAMPLE)  # and the form's schema accepts it


def test_hypertables_example_parses_into_every_part() -> None:
    """Time dimension, hash dimension, compression with its policy and a retention policy."""
    (spec,) = MigrationOptions.from_params(with_(hypertables=HYPERTABLE_EXAMPLE)).hypertables
    assert spec == HypertableSpec("public", "conditions", "time", "1 day", "device_id", 4,
                                  Compression(("device_id",), (OrderBy("time", descending=True),), "7 days"),
                                  "1 year")
    assert spec.partitioning_columns == ("time", "device_id")
    assert spec.community and spec.policies
    assert spec.describe() == ("public.conditions (time time every 1 day, hash device_id in 4, compression after "
                               "7 days, retention after 1 year)")


def test_hypertables_minimal_and_as_json_text() -> None:
    """schema defaults to public; names stay as written (no case folding); JSON text from a CLI conf works."""
    text = '[{"schema": "Sales", "table": "Readings 2", "time_column": "At", "chunk_interval": 3600}]'
    (spec,) = MigrationOptions.from_params(with_(hypertables=text)).hypertables
    assert (spec.schema, spec.table, spec.time_column, spec.chunk_interval) == ("Sales", "Readings 2", "At", 3600)
    assert not spec.community and not spec.policies and spec.hash_column is None
    assert MigrationOptions.from_params(with_(hypertables=None)).hypertables == ()
    assert parse_hypertables([{"table": "t", "time_column": "ts", "chunk_interval": "1 week"}])[0].schema == "public"


def test_orderby_directions_and_nulls() -> None:
    """"column [ASC|DESC] [NULLS FIRST|LAST]", keywords in any case; NULLS defaults as PostgreSQL's."""
    (spec,) = parse_hypertables([{"table": "t", "time_column": "ts", "chunk_interval": "1 day", "compression": {
        "segmentby": [], "orderby": ["ts desc NULLS last", "my col", "b DESC"]}}])
    assert spec.compression is not None
    assert [o.describe() for o in spec.compression.orderby] == [
        "ts desc nulls last", "my col asc nulls last", "b desc nulls first"]
    assert spec.compression.compress_after is None and not spec.policies and spec.community


@pytest.mark.parametrize(("value", "words"), [
    ({"table": "t"}, "must be a list of tables"),
    ([{"table": "t"}], "time_column=None"),
    ([{"table": "t", "time_column": "ts"}], "chunk_interval=None: give an interval"),
    ([{"table": "t", "time_column": "ts", "chunk_interval": 0}], "chunk_interval=0"),
    ([{"table": "t", "time_column": "ts", "chunk_interval": True}], "chunk_interval=True"),
    ([{"table": "t", "time_column": "ts", "chunk_interval": "1 day", "hash_column": "d"}],
     "give hash_column and hash_partitions together"),
    ([{"table": "t", "time_column": "ts", "chunk_interval": "1 day", "hash_column": "d", "hash_partitions": 0}],
     "hash_partitions=0: give an integer from 1 to 32767"),
    ([{"table": "t", "time_column": "ts", "chunk_interval": "1 day", "hash_column": "ts", "hash_partitions": 2}],
     "hash_column must be another column than time_column"),
    ([{"table": "t", "time_column": "ts", "chunk_interval": "1 day", "partitions": 2}], "unknown key(s) partitions"),
    ([{"table": "", "time_column": "ts", "chunk_interval": "1 day"}], "[0].table=''"),
    ([{"table": "x" * 64, "time_column": "ts", "chunk_interval": "1 day"}], "1-63 bytes"),
    ([{"table": "t", "time_column": "ts", "chunk_interval": "1 day", "retention": "1 year"}],
     'retention must be {"drop_after": <interval>}'),
    ([{"table": "t", "time_column": "ts", "chunk_interval": "1 day", "compression": {"segmentby": "d"}}],
     "segmentby must be a list"),
    ([{"table": "t", "time_column": "ts", "chunk_interval": "1 day",
       "compression": {"segmentby": ["d"], "orderby": ["d"]}}], "d cannot be in both segmentby and orderby"),
    ([{"table": "t", "time_column": "ts", "chunk_interval": "1 day", "compression": {"level": 9}}],
     "must be an object of segmentby, orderby"),
    ([{"table": "t", "time_column": "ts", "chunk_interval": "1 day"},
      {"schema": "public", "table": "t", "time_column": "ts", "chunk_interval": "2 days"}],
     "names public.t more than once"),
    ("[{", "is not valid JSON"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_bad_hypertables_are_refused_naming_the_place(value: Any, words: str) -> None:
    """Each malformed entry is refused before anything runs, naming the param, the entry and what to give."""
    with pytest.raises(MigrationError, match="param hypertables") as err:
        MigrationOptions.from_params(with_(hypertables=value))
    assert words in str(err.value)
