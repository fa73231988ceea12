"""What every timed method needs: its result, the context (servers, work directory, target databases), the
client tools run with their output in a log, and the target's check against the source."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench.common import BenchError, log
from bench.rss import RssPeak
from bench.source import SourceInfo, chunk_count, table_counts
from devtools.servers import Server, start_servers

SERVER_GONE = (
    "Connection refused",
    "terminating connection due to",
    "server closed the connection",
    "connection to server was lost",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
)
"""Messages meaning a server went away under the method (other sessions' tests stop and restart them)."""


def ensure_servers(attempts: int = 3) -> None:
    """`testservers.sh start`, tried again on failure (concurrent starts by other sessions race on the wrappers)."""
    for attempt in range(1, attempts + 1):
        try:
            start_servers()
            return
        except subprocess.CalledProcessError as err:
            if attempt == attempts:
                raise BenchError(f"scripts/testservers.sh start failed {attempts} times ({err.returncode})") from err
            log("scripts/testservers.sh start failed (another session starting them at the same time?); again in 3s")
            time.sleep(3)


@dataclass
class MethodResult:
    """One timed migration."""

    method: str
    run: int
    ok: bool = False
    wall_seconds: float = 0.0
    error: str | None = None
    steps: dict[str, float] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)
    rss: RssPeak | None = None
    span_seconds: float | None = None
    span_note: str = ""
    downtime_seconds: float | None = None
    """The DAG's downtime: its first downtime phase's start (drain_source) to verify's end."""
    verify_overhead_pct: float | None = None
    verify_note: str = ""
    phases: dict[str, float] = field(default_factory=dict)
    task_durations: dict[str, float] = field(default_factory=dict)
    task_times: dict[str, dict[str, Any]] = field(default_factory=dict)
    verify_timings: dict[str, Any] = field(default_factory=dict)
    target_check: dict[str, Any] = field(default_factory=dict)
    output_tail: str = ""
    attempts: int = 1
    dump_mb: float | None = None
    steps_log: str | None = None
    first_task_startup_seconds: float | None = None
    first_task_startup_charged: float | None = None
    first_task: str | None = None
    disturbed: str | None = None

    def steps_seconds(self, *, skip: tuple[str, ...] = ()) -> float:
        """Sum of the timed steps, setup steps and those starting with `skip` left out."""
        return round(sum(v for k, v in self.steps.items() if not k.startswith(("(setup)", *skip))), 2)


def libpq_env(server: Server, dbname: str) -> dict[str, str]:
    """A client tool's environment: connection in PG* variables (password included), nothing else secret."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR") if key in os.environ}
    env.update(
        {
            "PGHOST": server.host,
            "PGPORT": str(server.port),
            "PGUSER": server.user,
            "PGPASSWORD": server.password,
            "PGDATABASE": dbname,
        }
    )
    return env


def run_tool(argv: list[str], env: dict[str, str], log_file: Path, *, timeout: float) -> float:
    """Run one client tool with its output in log_file; seconds taken; BenchError with its last lines on failure."""
    started = time.monotonic()
    with log_file.open("ab") as out:
        out.write(f"$ {' '.join(argv)}\n".encode())
        out.flush()
        try:
            proc = subprocess.run(
                argv,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as err:
            raise BenchError(f"{Path(argv[0]).name} timed out after {timeout:.0f}s (log: {log_file})") from err
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-15:])
        raise BenchError(
            f"{Path(argv[0]).name} exited with {proc.returncode} after {seconds:.1f}s (log: {log_file}):\n{tail}"
        )
    return seconds


def check_target(source: Server, src_db: str, target: Server, tgt_db: str) -> dict[str, Any]:
    """Row counts and chunk count on both sides (outside the timings), so a silent partial copy shows."""
    with source.connect(src_db) as conn:
        src = table_counts(conn)
        src_chunks = chunk_count(conn)
    with target.connect(tgt_db) as conn:
        tgt = table_counts(conn)
        tgt_chunks = chunk_count(conn)
        hypertables = 0
        if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").fetchone():
            hypertables = conn.execute("SELECT count(*) FROM timescaledb_information.hypertables").fetchone()[0]
    same = src == tgt and src_chunks == tgt_chunks
    return {
        "ok": same,
        "source_rows": src,
        "target_rows": tgt,
        "source_chunks": src_chunks,
        "target_chunks": tgt_chunks,
        "target_hypertables": hypertables,
    }


def judge_target(ctx: Context, result: MethodResult, tgt_db: str) -> None:
    """Compare the target with the source (row counts, chunks) and mark the result ok or failed."""
    result.target_check = check_target(ctx.source, ctx.source_info.name, ctx.target, tgt_db)
    result.ok = result.target_check["ok"]
    if not result.ok:
        result.error = f"target differs from the source: {result.target_check}"


@dataclass
class Context:
    """What every method needs."""

    source: Server
    target: Server
    bin_dir: str
    work: Path
    airflow_home: Path
    source_info: SourceInfo
    keep: bool
    timeout: float
    jobs: int = 2
    source_has_timescaledb: bool = True
    targets: list[str] = field(default_factory=list)
    drop_at_end: bool = False
    """Keep every target until cleanup(): dropping thousands of files just before the next method makes its own
    file creations slower (ext4 skips inodes freed within the last minutes), which would favour the one first."""

    def create_target(self, dbname: str, *, extensions: tuple[str, ...] = ()) -> None:
        """A fresh bench_* target database, remembered for cleanup."""
        if not dbname.startswith("bench_"):
            raise BenchError(f"refusing to create {dbname!r}: bench databases are named bench_*")
        if dbname not in self.targets:
            self.targets.append(dbname)
        self.target.create_database(dbname, extensions=extensions)

    def finish_target(self, dbname: str, *, now: bool = False) -> None:
        """Drop a target database unless --keep (with drop_at_end: only when `now`)."""
        if self.keep or (self.drop_at_end and not now):
            return
        try:
            self.target.drop_database(dbname)
        except Exception as err:  # cleanup must not hide the method's own result
            log(f"could not drop {dbname}: {err}")
        else:
            if dbname in self.targets:
                self.targets.remove(dbname)

    def cleanup(self) -> None:
        """Drop every target database still there (unless --keep), starting the servers again if needed."""
        if self.targets and not self.keep:
            try:
                ensure_servers()
            except BenchError as err:
                log(f"could not start the servers to drop {', '.join(self.targets)}: {err}")
        for dbname in list(self.targets):
            self.finish_target(dbname, now=True)


SETUP_STEP = "(setup) CREATE DATABASE + CREATE EXTENSION timescaledb, not in total"
"""The step a method's target creation is recorded as (left out of its total)."""


def create_timed_target(ctx: Context, result: MethodResult, dbname: str, *, extensions: tuple[str, ...]) -> None:
    """A fresh target database for a method that times its own steps; its creation recorded as SETUP_STEP."""
    started = time.monotonic()
    ctx.create_target(dbname, extensions=extensions)
    result.steps[SETUP_STEP] = round(time.monotonic() - started, 2)


def fresh_dir(path: Path) -> Path:
    """An empty private directory at path (what a previous run left there removed)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, mode=0o700)
    return path


@contextmanager
def recorded(ctx: Context, result: MethodResult, tgt_db: str, work: Path | None = None) -> Iterator[None]:
    """Around one method's run: a BenchError or a database error becomes the result's error; afterwards its
    work directory (if any) is removed and its target database dropped (unless --keep)."""
    try:
        yield
    except (BenchError, psycopg.Error) as err:
        result.error = str(err)
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        ctx.finish_target(tgt_db)
