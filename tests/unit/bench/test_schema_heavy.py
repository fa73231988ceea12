"""The schema-heavy bench's report from hand-made results: the pre-data seconds read from the DAG's log, the ratios."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.context import MethodResult
from bench.schema_heavy import pre_data_seconds, table
from bench.source import SourceInfo

pytestmark = pytest.mark.unit

LOG = """\
[info] running: /bin/pg_restore --dbname=x --jobs=1 --section=pre-data /w/skeleton.dump
[info] pg_restore finished in 93.4s
[info] running: /bin/pg_restore --dbname=x --jobs=2 --section=data /w/skeleton.dump
[info] pg_restore finished in 0.2s
"""


def test_pre_data_seconds_are_those_of_the_pre_data_restore(tmp_path: Path) -> None:
    log = tmp_path / "dag.log"
    log.write_text(LOG)
    assert pre_data_seconds(MethodResult("dag parallel", 1, steps_log=str(log))) == 93.4
    log.write_text(LOG.replace("pre-data", "post-data"))
    assert pre_data_seconds(MethodResult("dag parallel", 1, steps_log=str(log))) is None
    assert pre_data_seconds(MethodResult("dag parallel", 1)) is None


def test_pre_data_seconds_of_partitions_created_by_psql(tmp_path: Path) -> None:
    """Where partitions are created with PARTITION OF, psql runs the pre-data script that pg_restore wrote."""
    log = tmp_path / "dag.log"
    log.write_text(
        "[info] running: /bin/pg_restore --section=pre-data --no-owner --file=/w/skeleton.dump.pre-data /w/s.dump\n"
        "[info] pg_restore finished in 0.3s\n"
        "[info] running: /bin/psql -X -v ON_ERROR_STOP=1 -f /w/skeleton.dump.pre-data\n"
        "[info] psql finished in 91.1s\n"
        "[info] running: /bin/pg_restore --dbname=x --jobs=2 --section=data /w/skeleton.dump\n"
        "[info] pg_restore finished in 1.8s\n"
    )
    assert pre_data_seconds(MethodResult("dag parallel", 1, steps_log=str(log))) == 91.1


def test_the_table_compares_each_method_with_the_documented_commands(tmp_path: Path) -> None:
    log = tmp_path / "dag.log"
    log.write_text(LOG)
    info = SourceInfo("bench_sh_partitions_7000", 0, bytes=30 * 1048576, chunks=7000)
    results = [
        MethodResult("documented", 1, ok=True, wall_seconds=100.0, span_seconds=99.0),
        MethodResult(
            "dag parallel",
            1,
            ok=True,
            wall_seconds=120.0,
            span_seconds=101.5,
            steps_log=str(log),
            task_times={"load": {"duration": 98.04}},
            downtime_seconds=110.0,
            task_durations={"drain_source": 0.1, "load": 98.04, "verify": 3.0},
        ),
        MethodResult("pgcopydb clone", 1, ok=False, wall_seconds=5.0),
    ]
    lines = table("partitions", info, results)
    assert lines[0] == "### partitions: `bench_sh_partitions_7000`, 7,000 child tables, 30 MB"
    # the documented commands' downtime is their whole wall; the DAG's runs from drain_source to verify's end
    assert "| documented | 1 | yes | 100.0 | 1.00 | 100.0 | 1.00 | 99.0 | - | - |" in lines
    assert "| dag parallel | 1 | yes | 120.0 | 1.20 | 110.0 | 1.10 | 101.5 | 98.0 | 93.4 |" in lines
    assert "| pgcopydb clone | 1 | NO | 5.0 | - | - | - | - | - | - |" in lines
    assert "\nDAG run 1, downtime tasks (s): drain_source 0.1, load 98.04, verify 3.0" in lines
