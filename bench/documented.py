"""The guide's commands run by hand (roles, pg_dump, restore mode around a psql load, ANALYZE), each timed."""

from __future__ import annotations

from bench.common import log
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


def run_documented(ctx: Context, run: int) -> MethodResult:
    """The guide's commands by hand, with the PostgreSQL 17 client tools, each step timed."""
    result = MethodResult("documented", run)
    work = fresh_dir(ctx.work / f"documented-{run}")
    tgt_db = f"bench_tgt_documented_{run}"
    bin_dir = ctx.bin_dir
    src_env = libpq_env(ctx.source, ctx.source_info.name)
    tgt_env = libpq_env(ctx.target, tgt_db)
    log_file = work / "commands.log"
    schema = "public"
    steps: list[tuple[str, list[str], dict[str, str]]] = [
        ("pg_dumpall --roles-only", [f"{bin_dir}/pg_dumpall", "--roles-only", f"--file={work / 'roles.sql'}"], src_env),
        (
            "pg_dump",
            [
                f"{bin_dir}/pg_dump",
                "--format=plain",
                "--quote-all-identifiers",
                "--no-tablespaces",
                "--no-owner",
                "--no-privileges",
                f"--file={work / 'dump.sql'}",
            ],
            src_env,
        ),
        (
            "timescaledb_pre_restore",
            [f"{bin_dir}/psql", "-X", "-v", "ON_ERROR_STOP=1", "-c", f"SELECT {schema}.timescaledb_pre_restore();"],
            tgt_env,
        ),
        (
            "psql load",
            [f"{bin_dir}/psql", "-X", "-v", "ON_ERROR_STOP=1", "--echo-errors", "-f", str(work / "dump.sql")],
            tgt_env,
        ),
        (
            "timescaledb_post_restore",
            [f"{bin_dir}/psql", "-X", "-v", "ON_ERROR_STOP=1", "-c", f"SELECT {schema}.timescaledb_post_restore();"],
            tgt_env,
        ),
        ("ANALYZE", [f"{bin_dir}/psql", "-X", "-v", "ON_ERROR_STOP=1", "-c", "ANALYZE;"], tgt_env),
    ]
    if not ctx.source_has_timescaledb:  # plain PostgreSQL: no extension, no restore mode
        steps = [step for step in steps if "timescaledb" not in step[0]]
    with recorded(ctx, result, tgt_db, work):
        create_timed_target(ctx, result, tgt_db, extensions=("timescaledb",) if ctx.source_has_timescaledb else ())
        for name, argv, env in steps:
            result.commands.append(" ".join(argv))
            log(f"documented run {run}: {name}")
            result.steps[name] = round(run_tool(argv, env, log_file, timeout=ctx.timeout), 2)
        result.wall_seconds = result.steps_seconds()
        result.span_seconds = result.steps_seconds(skip=("pg_dumpall",))
        result.span_note = "pg_dump .. ANALYZE"
        result.dump_mb = round((work / "dump.sql").stat().st_size / 1e6, 1)
        judge_target(ctx, result, tgt_db)
    return result
