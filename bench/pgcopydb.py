"""pgcopydb clone as a third method, when trixie's pgcopydb is installed in the TimescaleDB root."""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.parse
from pathlib import Path

from bench.common import BenchError, log
from bench.context import (
    Context,
    MethodResult,
    create_timed_target,
    fresh_dir,
    judge_target,
    libpq_env,
    recorded,
    run_tool,
)
from bench.rss import is_pgcopydb, sampled
from devtools.servers import Server

TRIXIE_ROOT = Path(os.environ.get("TSM_CACHE_DIR", "/var/cache/timescale-migration")) / "trixie"
PGCOPYDB = TRIXIE_ROOT / "usr" / "bin" / "pgcopydb"


def pgcopydb_installed() -> bool:
    """Whether pgcopydb is in the trixie root."""
    return PGCOPYDB.is_file()


def install_pgcopydb() -> None:
    """apt-get install pgcopydb inside the trixie root (needs root and network access to Debian's archive)."""
    if not (TRIXIE_ROOT / "usr" / "bin" / "apt-get").exists():
        raise BenchError(f"no trixie root at {TRIXIE_ROOT}: run `bash scripts/testservers.sh install` first")
    log(f"installing pgcopydb into {TRIXIE_ROOT}")
    shutil.copyfile("/etc/resolv.conf", TRIXIE_ROOT / "etc" / "resolv.conf")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["chroot", str(TRIXIE_ROOT), "apt-get", "update", "-qq"],
        ["chroot", str(TRIXIE_ROOT), "apt-get", "install", "-y", "-qq", "pgcopydb"],
    ):
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise BenchError(f"{' '.join(argv)} failed ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-2000:]}")
    if not pgcopydb_installed():
        raise BenchError(f"apt-get install pgcopydb succeeded but {PGCOPYDB} is missing")
    log("pgcopydb installed")


def pgcopydb_wrapper(bin_dir: Path) -> Path:
    """A wrapper running trixie's pgcopydb on the host through trixie's loader (like the pg17-bin wrappers)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    wrapper = bin_dir / "pgcopydb"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'exec "{TRIXIE_ROOT}/lib64/ld-linux-x86-64.so.2" --library-path "{TRIXIE_ROOT}/usr/lib/x86_64-linux-gnu" '
        f'--argv0 "$0" "{PGCOPYDB}" "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


def pg_uri(server: Server, dbname: str) -> str:
    """postgres:// URI with the password (for an environment variable only, never a command line)."""
    quote = urllib.parse.quote
    return (
        f"postgres://{quote(server.user, safe='')}:{quote(server.password, safe='')}@{server.host}:{server.port}/"
        f"{quote(dbname, safe='')}"
    )


def run_pgcopydb(ctx: Context, run: int) -> MethodResult:
    """pgcopydb clone --table-jobs 2 --index-jobs 2 into a fresh target database.

    For a TimescaleDB source the target gets the extension and timescaledb_pre_restore() first and
    timescaledb_post_restore() after (both timed): without restore mode pgcopydb 0.17 fails on
    `TRUNCATE ONLY public.metrics` ("cannot truncate only a hypertable"). pgcopydb vacuums and analyzes
    each table itself, so no separate ANALYZE.
    """
    result = MethodResult("pgcopydb clone", run)
    tgt_db = f"bench_tgt_pgcopydb_{run}"
    work = fresh_dir(ctx.work / f"pgcopydb-{run}")
    log_file = ctx.work / f"pgcopydb-{run}.log"
    log_file.unlink(missing_ok=True)
    wrapper = pgcopydb_wrapper(ctx.work / "bin")
    env = {key: os.environ[key] for key in ("HOME", "LANG", "LC_ALL", "TZ") if key in os.environ}
    env.update(
        {
            "PATH": f"{wrapper.parent}:{ctx.bin_dir}:/usr/bin:/bin",
            "PGCOPYDB_SOURCE_PGURI": pg_uri(ctx.source, ctx.source_info.name),
            "PGCOPYDB_TARGET_PGURI": pg_uri(ctx.target, tgt_db),
            "TMPDIR": str(work),
        }
    )
    argv = [str(wrapper), "clone", "--table-jobs", "2", "--index-jobs", "2", "--dir", str(work / "pgcopydb")]
    timescale = ctx.source_has_timescaledb
    tgt_env = libpq_env(ctx.target, tgt_db)
    psql = [f"{ctx.bin_dir}/psql", "-X", "-v", "ON_ERROR_STOP=1", "-c"]
    steps: list[tuple[str, list[str], dict[str, str]]] = []
    if timescale:
        steps.append(("timescaledb_pre_restore", [*psql, "SELECT public.timescaledb_pre_restore();"], tgt_env))
    steps.append(("pgcopydb clone", argv, env))
    if timescale:
        steps.append(("timescaledb_post_restore", [*psql, "SELECT public.timescaledb_post_restore();"], tgt_env))
    for name, step_argv, _ in steps:
        shown = " ".join(step_argv)
        if name == "pgcopydb clone":
            shown = f"PGCOPYDB_SOURCE_PGURI=... PGCOPYDB_TARGET_PGURI=... PATH={env['PATH']} {shown}"
        result.commands.append(shown)
    with recorded(ctx, result, tgt_db, work):
        create_timed_target(ctx, result, tgt_db, extensions=("timescaledb",) if timescale else ())
        with sampled(is_pgcopydb) as sampler:
            for name, step_argv, step_env in steps:
                log(f"pgcopydb run {run}: {name}")
                result.steps[name] = round(run_tool(step_argv, step_env, log_file, timeout=ctx.timeout), 2)
        result.rss = sampler.peak
        result.wall_seconds = result.steps_seconds()
        judge_target(ctx, result, tgt_db)
    return result
