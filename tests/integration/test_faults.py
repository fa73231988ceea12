"""Faults with real processes against real servers: each ends with a verified target after a retry, or a clear
failure with nothing lost on the source."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devtools.servers import Servers, start_servers
from tests.integration.conftest import Migration
from tests.integration.test_operators import phases, run_until
from tests.support.fakes import FakeTI
from timescale_migration.exceptions import ClientToolFailed, PermanentError
from timescale_migration.operators import DumpDataOperator, LoadOperator, PostRestoreOperator

pytestmark = pytest.mark.integration
ROWS = 400_000


@pytest.fixture(scope="module")
def big_template(servers: Servers) -> Iterator[str]:
    """A ~150 MB source database to copy from: long enough to dump and load that a fault lands mid-way."""
    name = f"fault_template_{uuid.uuid4().hex[:6]}"
    servers.pg15.create_database(name)
    with servers.pg15.connect(name) as conn:
        conn.execute(
            f"CREATE TABLE big AS SELECT g AS id, md5(g::text) AS h, repeat('y', 300) AS pad "
            f"FROM generate_series(1, {ROWS}) g"
        )
        conn.execute("ALTER TABLE big ADD PRIMARY KEY (id)")
        conn.execute("CREATE TABLE small AS SELECT g AS id FROM generate_series(1, 100) g")
    yield name
    servers.pg15.drop_database(name)


@pytest.fixture
def fault_migration(servers, big_template, monkeypatch, work_dir) -> Iterator[Migration]:
    """A migration from a copy of the big source into an empty Timescale-like target."""
    unique = uuid.uuid4().hex[:8]
    src_db, tgt_db = f"fault src {unique}", f"fault tgt {unique}"
    servers.pg15.create_database(src_db, template=big_template)
    servers.tsdb_target.create_database(tgt_db, extensions=("timescaledb",))
    monkeypatch.setenv("AIRFLOW_CONN_IT_SOURCE", servers.pg15.conn_json(src_db))
    monkeypatch.setenv("AIRFLOW_CONN_IT_TARGET", servers.tsdb_target.conn_json(tgt_db))
    params = {
        "source_conn_id": "it_source",
        "target_conn_id": "it_target",
        "require_approval": False,
        "pg_bin_dir": servers.bin_dir,
        "work_dir": str(work_dir),
        "jobs": 2,
        "drain": False,
        "dump_format": "plain",
    }
    yield Migration(params, FakeTI(), servers.pg15, servers.tsdb_target, src_db, tgt_db)
    start_servers()  # a test may have stopped one
    servers.pg15.drop_database(src_db)
    servers.tsdb_target.drop_database(tgt_db)


def run_with_fault(m: Migration, operator, when: Callable[[], bool], fault: Callable[[], None]) -> BaseException:
    """Run `operator` in a thread, cause `fault` once `when()` holds, return what the operator raised."""
    raised: list[BaseException] = []

    def target() -> None:
        try:
            m.run(operator)
        except BaseException as err:  # the test inspects it
            raised.append(err)

    thread = threading.Thread(target=target)
    thread.start()
    deadline = time.monotonic() + 60
    while not when():
        assert thread.is_alive(), f"{operator.task_id} finished before the fault: {raised}"
        assert time.monotonic() < deadline, "the fault's moment never came"
        time.sleep(0.02)
    fault()
    thread.join(timeout=120)
    assert not thread.is_alive() and raised, f"{operator.task_id} should have failed"
    return raised[0]


def partial_dump(m: Migration) -> Path:
    return next((Path(m.params["work_dir"]) / "migrate_database").iterdir()) / "dump.sql.partial"


def source_rows(m: Migration) -> int:
    with m.source.connect(m.src_db) as conn:
        return conn.execute("SELECT count(*) FROM big").fetchone()[0]


def loaded_rows(m: Migration) -> bool:
    """True once the load has started copying rows into big (seen through pg_stat_progress_copy)."""
    with m.target.connect() as conn:
        row = conn.execute("SELECT coalesce(max(tuples_processed), 0) FROM pg_stat_progress_copy").fetchone()
    return row[0] > 20_000


def test_pg_dump_killed_mid_dump_then_retry_completes(fault_migration):
    """pg_dump gets SIGKILL halfway: the task fails naming the signal, the partial file is gone, a retry works."""
    m = fault_migration
    run_until(m, "dump_roles")
    op = DumpDataOperator(task_id="dump_data")
    err = run_with_fault(
        m,
        op,
        lambda: partial_dump(m).exists() and partial_dump(m).stat().st_size > 5_000_000,
        lambda: os.kill(op.runner.pid, signal.SIGKILL),
    )
    assert isinstance(err, ClientToolFailed) and "killed by signal 9" in str(err)
    assert not partial_dump(m).exists()
    assert source_rows(m) == ROWS
    for op in phases()[phases_index("dump_data") :]:
        m.run(op)
    assert m.ti.xcoms["verify"]["differences"] == [] and m.ti.xcoms["verify"]["rows"] == ROWS + 100


def test_load_killed_mid_way_fails_clearly_then_its_retry_completes(fault_migration, servers):
    """psql is killed during the load: the failure names the signal (a retryable one), post_restore still runs;
    the same run's next attempt empties what the killed one left (its claim) and loads again, and verifies."""
    m = fault_migration
    run_until(m, "pre_restore")
    op = LoadOperator(task_id="load")
    err = run_with_fault(m, op, lambda: loaded_rows(m), lambda: os.kill(op.runner.pid, signal.SIGKILL))
    assert isinstance(err, ClientToolFailed) and "killed by signal 9" in str(err)
    m.run(PostRestoreOperator(task_id="post_restore"))
    for op in phases()[phases_index("load") :]:
        m.run(op)
    assert m.ti.xcoms["verify"]["differences"] == [] and m.ti.xcoms["verify"]["rows"] == ROWS + 100


def _tools_of(work_dir: str) -> list[str]:
    """Command lines of running copy and restore processes of this migration (by their environment-free argv:
    the copy's psql carry their COPY command or their session's name, pg_restore the work directory)."""
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    return [
        line
        for line in out.splitlines()
        if ("psql" in line and ("TO STDOUT" in line or "FROM STDIN" in line or "tsm_copy_session=" in line))
        or ("pg_restore" in line and work_dir in line)
    ]


def test_parallel_load_killed_kills_every_pipeline(fault_migration, servers):
    """dump_format=parallel: on_kill during the copy ends every copy and fails the load clearly; a fresh
    target then migrates and verifies."""
    m = fault_migration
    m.params["dump_format"] = "parallel"
    run_until(m, "pre_restore")
    op = LoadOperator(task_id="load")
    err = run_with_fault(m, op, lambda: loaded_rows(m), op.on_kill)
    assert isinstance(err, ClientToolFailed) and "killed by signal" in str(err) and "psql (" in str(err)
    time.sleep(1)
    assert _tools_of(m.params["work_dir"]) == []
    assert not list(Path(m.params["work_dir"]).rglob("*.fifo"))
    m.run(PostRestoreOperator(task_id="post_restore"))
    servers.tsdb_target.create_database(m.tgt_db, extensions=("timescaledb",))
    for op in phases()[phases_index("check_versions") :]:
        m.run(op)
    assert m.ti.xcoms["verify"]["differences"] == [] and m.ti.xcoms["load"]["workers"] >= 1


def test_source_server_stopped_during_the_dump(fault_migration, servers):
    """The source crashes mid-dump: the dump fails clearly; after a restart the source is whole and a retry works."""
    m = fault_migration
    run_until(m, "dump_roles")
    err = run_with_fault(
        m,
        DumpDataOperator(task_id="dump_data"),
        lambda: partial_dump(m).exists() and partial_dump(m).stat().st_size > 5_000_000,
        lambda: servers.pg15.stop("immediate"),
    )
    assert isinstance(err, ClientToolFailed) and "dumping source 'it_source'" in str(err)
    start_servers()
    assert source_rows(m) == ROWS
    for op in phases()[phases_index("dump_data") :]:
        m.run(op)
    assert m.ti.xcoms["verify"]["differences"] == []


def test_target_server_stopped_during_the_load(fault_migration, servers):
    """The target crashes mid-load: the load fails clearly; after a restart and a fresh target database the
    migration completes; the source never changed."""
    m = fault_migration
    run_until(m, "pre_restore")
    err = run_with_fault(
        m, LoadOperator(task_id="load"), lambda: loaded_rows(m), lambda: servers.tsdb_target.stop("immediate")
    )
    assert isinstance(err, ClientToolFailed) and "loading into target 'it_target'" in str(err)
    start_servers()
    assert source_rows(m) == ROWS
    servers.tsdb_target.create_database(m.tgt_db, extensions=("timescaledb",))
    for op in phases()[phases_index("check_versions") :]:
        m.run(op)
    assert m.ti.xcoms["verify"]["differences"] == []


def test_work_directory_full_during_the_dump(fault_migration, tmp_path):
    """The work directory (a tmpfs) fills up mid-dump: a clear failure naming the cause, no partial file left,
    and the retry after room is made completes."""
    m = fault_migration
    mount = tmp_path / "tiny"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400m", "tmpfs", str(mount)], check=True)
    try:
        m.params["work_dir"] = str(mount)
        run_until(m, "dump_roles")
        filler = mount / "filler"
        subprocess.run(["fallocate", "-l", "330m", str(filler)], check=True)  # leaves ~70 MB: the dump is ~150
        with pytest.raises(PermanentError, match="No space left on device"):  # not retried: a person makes room
            m.run(DumpDataOperator(task_id="dump_data"))
        assert not partial_dump(m).exists()
        filler.unlink()
        for op in phases()[phases_index("dump_data") :]:
            m.run(op)
        assert m.ti.xcoms["verify"]["differences"] == []
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def phases_index(task_id: str) -> int:
    """Position of a phase in the DAG's order."""
    return [op.task_id for op in phases()].index(task_id)


def test_source_unchanged_by_any_phase(fault_migration):
    """The source's data and schema are the same before and after a whole migration (drain off)."""
    m = fault_migration
    with m.source.connect(m.src_db) as conn:
        before = conn.execute("SELECT count(*), sum(hashtext(h)) FROM big").fetchone()
    for op in phases():
        m.run(op)
    with m.source.connect(m.src_db) as conn:
        assert conn.execute("SELECT count(*), sum(hashtext(h)) FROM big").fetchone() == before
    assert os.environ["AIRFLOW_CONN_IT_SOURCE"]
