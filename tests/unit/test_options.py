"""Unit tests of timescale_migration.options: the trigger-form params (the one schema), their validation and their
typed view."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.sdk import Param
from airflow.sdk.exceptions import ParamValidationError

from timescale_migration.constants import MAX_JOBS, DumpFormat
from timescale_migration.exceptions import MigrationError
from timescale_migration.options import (
    Compression,
    HypertableSpec,
    MigrationOptions,
    OrderBy,
    hypertable_specs,
    param_problems,
)
from timescale_migration.params import DEFAULTS, HYPERTABLE_EXAMPLE, HYPERTABLE_SCHEMA, migration_params

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
    "stage_schema": True,
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
    assert {name: param.value for name, param in params.items()} == DOCUMENTED_DEFAULTS == DEFAULTS


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
        "as_source"
    )
    with pytest.raises(MigrationError, match=r"param privileges='all': 'all' is not one of \['as_source', 'none'\]"):
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
        dump_format=DumpFormat.PARALLEL,
        jobs=2,
        roles=True,
        work_dir=None,
        keep_dump=False,
        stage_schema=True,
        drain=True,
        drain_timeout=60,
        terminate_sessions=False,
        rehearsal=False,
        privileges="as_source",
        notify=(),
        smtp_conn_id="smtp_default",
        approvers=(),
        stop_apps_timeout_hours=24.0,
        hypertables=(),
    )


def test_from_params_fills_what_is_not_given_from_the_defaults() -> None:
    """A mapping that names a few params (a task run without Airflow creating the run) gets DEFAULTS for the rest;
    keys that are no param are ignored."""
    opts = MigrationOptions.from_params({"source_conn_id": "s", "not_a_param": 1})
    assert opts == MigrationOptions.from_params({**defaults(), "source_conn_id": "s"})
    assert opts.target_conn_id == "migration_target" and opts.dump_format is DumpFormat.PARALLEL


@pytest.mark.parametrize("dump_format", ["plain", "directory", "stream", "parallel"])
def test_from_params_dump_format_is_the_enum(dump_format: str) -> None:
    """The param's string becomes its DumpFormat member (operators compare members, never strings)."""
    assert MigrationOptions.from_params(with_(dump_format=dump_format)).dump_format is DumpFormat(dump_format)


def test_from_params_empty_strings_become_none() -> None:
    """Empty optional strings (a cleared form field) mean "not set"."""
    opts = MigrationOptions.from_params(with_(source_database="", target_database="", pg_bin_dir="", work_dir=""))
    assert (opts.source_database, opts.target_database, opts.pg_bin_dir, opts.work_dir) == (None, None, None, None)


def test_from_params_keeps_given_values() -> None:
    """Given databases, directories and jobs are kept; a whole number given as 8.0 is the integer 8."""
    opts = MigrationOptions.from_params(
        with_(
            source_database="app",
            target_database="tsdb",
            jobs=MAX_JOBS,
            pg_bin_dir="/usr/lib/postgresql/17/bin",
            work_dir="/data/w",
        )
    )
    assert (opts.source_database, opts.target_database, opts.jobs) == ("app", "tsdb", MAX_JOBS)
    assert (opts.pg_bin_dir, opts.work_dir) == ("/usr/lib/postgresql/17/bin", "/data/w")
    assert type(MigrationOptions.from_params(with_(jobs=8.0, drain_timeout=5.0)).jobs) is int


@pytest.mark.parametrize(
    ("key", "value", "why"),
    [
        ("jobs", 0, "0 is less than the minimum of 1"),
        ("jobs", MAX_JOBS + 1, f"{MAX_JOBS + 1} is greater than the maximum of {MAX_JOBS}"),
        ("jobs", True, "True is not of type 'integer'"),
        ("jobs", "2", "'2' is not of type 'integer'"),
        ("jobs", 2.5, "2.5 is not of type 'integer'"),
        ("jobs", None, "None is not of type 'integer'"),
        ("drain_timeout", -1, "-1 is less than the minimum of 0"),
        ("drain_timeout", 86401, "86401 is greater than the maximum of 86400"),
        ("dump_format", "custom", "'custom' is not one of ['plain', 'directory', 'stream', 'parallel']"),
        ("dump_format", "PLAIN", "is not one of"),
        ("source_conn_id", "", "''"),
        ("target_conn_id", None, "None is not of type 'string'"),
        ("require_approval", "true", "'true' is not of type 'boolean'"),
        ("stop_apps_timeout_hours", -1, "-1 is less than the minimum of 0"),
        ("stop_apps_timeout_hours", True, "True is not of type 'number'"),
        ("approvers", ["alice", " "], "approvers[1]=' ': not allowed: give a user id or role:<name>"),
        ("notify", [3], "notify[0]=3: 3 is not of type 'string'"),
        ("notify", "dba@example.com", "'dba@example.com' is not of type 'array'"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else "",
)
def test_from_params_refuses_what_the_schema_refuses(key: str, value: Any, why: str) -> None:
    """A value the param's schema refuses is named with its value and the schema's reason, as Airflow refuses it
    when a run is triggered."""
    with pytest.raises(MigrationError, match=rf"^param {key}") as err:
        MigrationOptions.from_params(with_(**{key: value}))
    assert why in str(err.value)
    with pytest.raises(ParamValidationError):
        migration_params()[key].resolve(value=value)  # Airflow's own validation agrees


def test_every_bad_param_is_named_at_once() -> None:
    """Several bad values: one error naming each."""
    problems = param_problems({"jobs": 999, "dump_format": "bogus", "drain_timeout": -5, "unknown": 1})
    assert problems == [
        "jobs=999: 999 is greater than the maximum of 64",
        "dump_format='bogus': 'bogus' is not one of ['plain', 'directory', 'stream', 'parallel']",
        "drain_timeout=-5: -5 is less than the minimum of 0",
        "unknown is not a param of migrate_database",
    ]
    with pytest.raises(MigrationError, match=r"param dump_format='bogus': .*; param jobs=999: .*; param drain_timeout"):
        MigrationOptions.from_params(with_(jobs=999, dump_format="bogus", drain_timeout=-5))


def test_options_are_frozen() -> None:
    """Parsed options cannot be changed afterwards."""
    opts = MigrationOptions.from_params(defaults())
    with pytest.raises(AttributeError):
        opts.jobs = 3  # type: ignore[misc]  # the point of the test: a frozen dataclass refuses it


# --- rehearsal ------------------------------------------------------------------------------------------------------


def test_rehearsal_turns_off_gates_drain_and_termination() -> None:
    """rehearsal=true: no approval, no drain, no ended sessions, whatever the other params say."""
    opts = MigrationOptions.from_params(
        with_(
            rehearsal=True,
            target_database="tsm_rehearsal_shop",
            require_approval=True,
            drain=True,
            terminate_sessions=True,
        )
    )
    assert opts.rehearsal is True
    assert (opts.require_approval, opts.drain, opts.terminate_sessions) == (False, False, False)


@pytest.mark.parametrize("target_database", [None, "", "tsdb", "shop_tsm_rehearsal_x"])
def test_rehearsal_refuses_a_real_target_database(target_database: str | None) -> None:
    """A rehearsal run names a scratch database, or it is refused before anything happens."""
    with pytest.raises(MigrationError, match="scratch database named tsm_rehearsal_"):
        MigrationOptions.from_params(with_(rehearsal=True, target_database=target_database))


# --- gate params ------------------------------------------------------------------------------------------------------


def test_gate_params_parsed() -> None:
    """notify and approvers as tuples, hours as a float."""
    opts = MigrationOptions.from_params(
        with_(
            notify=["dba@example.com"],
            approvers=["alice", "role:dba"],
            stop_apps_timeout_hours=0.5,
            smtp_conn_id="mail",
        )
    )
    assert opts.notify == ("dba@example.com",)
    assert opts.approvers == ("alice", "role:dba")
    assert opts.stop_apps_timeout_hours == 0.5 and opts.smtp_conn_id == "mail"
    assert MigrationOptions.from_params(defaults()).stop_apps_timeout_hours == 24


# --- hypertables ------------------------------------------------------------------------------------------------------


def test_hypertables_param_form_explains_with_an_example() -> None:
    """The form's field is a list of tables, each with the full schema (Hypertables section), whose description
    carries a working example."""
    param = migration_params()["hypertables"]
    assert param.schema["type"] == "array" and param.schema["items"] == HYPERTABLE_SCHEMA
    assert HYPERTABLE_SCHEMA["additionalProperties"] is False
    assert HYPERTABLE_SCHEMA["required"] == ["table", "time_column", "chunk_interval"]
    assert param.schema["section"] == "Hypertables"
    assert '"time_column": "time"' in param.description
    assert hypertable_specs(HYPERTABLE_EXAMPLE)  # the example parses
    param.resolve(HYPERTABLE_EXAMPLE)  # and the form's schema accepts it


def test_hypertables_example_parses_into_every_part() -> None:
    """Time dimension, hash dimension, compression with its policy and a retention policy."""
    (spec,) = MigrationOptions.from_params(with_(hypertables=HYPERTABLE_EXAMPLE)).hypertables
    assert spec == HypertableSpec(
        "public",
        "conditions",
        "time",
        "1 day",
        "device_id",
        4,
        Compression(("device_id",), (OrderBy("time", descending=True),), "7 days"),
        "1 year",
    )
    assert spec.partitioning_columns == ("time", "device_id")
    assert spec.community and spec.policies
    assert spec.describe() == (
        "public.conditions (time time every 1 day, hash device_id in 4, compression after "
        "7 days, retention after 1 year)"
    )


def test_hypertables_minimal() -> None:
    """schema defaults to public; names stay as written (no case folding); an integer interval stays one."""
    tables = [{"schema": "Sales", "table": "Readings 2", "time_column": "At", "chunk_interval": 3600}]
    (spec,) = MigrationOptions.from_params(with_(hypertables=tables)).hypertables
    assert (spec.schema, spec.table, spec.time_column, spec.chunk_interval) == ("Sales", "Readings 2", "At", 3600)
    assert not spec.community and not spec.policies and spec.hash_column is None
    assert MigrationOptions.from_params(with_(hypertables=[])).hypertables == ()
    assert hypertable_specs([{"table": "t", "time_column": "ts", "chunk_interval": " 1 week "}])[0] == HypertableSpec(
        "public", "t", "ts", "1 week"
    )


def test_orderby_directions_and_nulls() -> None:
    """ "column [ASC|DESC] [NULLS FIRST|LAST]", keywords in any case; NULLS defaults as PostgreSQL's."""
    (spec,) = hypertable_specs(
        [
            {
                "table": "t",
                "time_column": "ts",
                "chunk_interval": "1 day",
                "compression": {"segmentby": [], "orderby": ["ts desc NULLS last", "my col", "b DESC"]},
            }
        ]
    )
    assert spec.compression is not None
    assert [o.describe() for o in spec.compression.orderby] == [
        "ts desc nulls last",
        "my col asc nulls last",
        "b desc nulls first",
    ]
    assert spec.compression.compress_after is None and not spec.policies and spec.community


T = {"table": "t", "time_column": "ts", "chunk_interval": "1 day"}


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ({"table": "t"}, "hypertables: {'table': 't'} is not of type 'array'"),
        ("[{", "hypertables='[{': '[{' is not of type 'array'"),
        ([{"table": "t"}], "hypertables[0]: 'time_column' is a required property"),
        ([{"table": "t", "time_column": "ts"}], "hypertables[0]: 'chunk_interval' is a required property"),
        (
            [{**T, "chunk_interval": 0}],
            "hypertables[0].chunk_interval=0: 0 is less than the minimum of 1: give an interval such as",
        ),
        (
            [{**T, "chunk_interval": True}],
            "hypertables[0].chunk_interval=True: True is not of type 'string', 'integer'",
        ),
        ([{**T, "chunk_interval": " "}], "hypertables[0].chunk_interval=' ': not allowed: give an interval"),
        ([{**T, "hash_column": "d"}], "hypertables[0]: 'hash_partitions' is a dependency of 'hash_column'"),
        (
            [{**T, "hash_column": "d", "hash_partitions": 0}],
            "hypertables[0].hash_partitions=0: 0 is less than the minimum of 1",
        ),
        ([{**T, "hash_column": "d", "hash_partitions": 32768}], "32768 is greater than the maximum of 32767"),
        (
            [{**T, "hash_column": "ts", "hash_partitions": 2}],
            "hypertables[0] (public.t): hash_column must be another column than time_column 'ts'",
        ),
        ([{**T, "partitions": 2}], "Additional properties are not allowed ('partitions' was unexpected)"),
        ([{**T, "table": ""}], "hypertables[0].table='': '' "),
        ([{**T, "table": "x" * 64}], "is too long: give a name as the catalog spells it (1-63 bytes, case as is)"),
        ([{**T, "table": "é" * 32}], "is longer than 63 bytes"),
        (
            [{**T, "table": "a\x00b"}],
            "hypertables[0].table='a\\x00b': not allowed: give a name as the catalog spells it",
        ),
        ([{**T, "retention": "1 year"}], "hypertables[0].retention='1 year': '1 year' is not of type 'object'"),
        ([{**T, "retention": {}}], "hypertables[0].retention: 'drop_after' is a required property"),
        (
            [{**T, "compression": {"segmentby": "d"}}],
            "hypertables[0].compression.segmentby='d': 'd' is not of type 'array'",
        ),
        ([{**T, "compression": {"segmentby": ["d"], "orderby": ["d"]}}], "d cannot be in both segmentby and orderby"),
        ([{**T, "compression": {"level": 9}}], "hypertables[0].compression: Additional properties are not allowed"),
        (
            [{**T, "compression": {"orderby": [""]}}],
            "hypertables[0].compression.orderby[0]='': not allowed: give column [ASC|DESC] [NULLS FIRST|LAST]",
        ),
        ([T, {**T, "schema": "public", "chunk_interval": "2 days"}], "hypertables names public.t more than once"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "",
)
def test_bad_hypertables_are_refused_naming_the_place(value: Any, words: str) -> None:
    """Each malformed entry is refused before anything runs, naming the param, the entry, the key and what to
    give."""
    with pytest.raises(MigrationError, match=r"^param hypertables") as err:
        MigrationOptions.from_params(with_(hypertables=value))
    assert words in str(err.value)
