"""The machine's facts in the report: cores, memory, CPU, kernel, load, versions, and other sessions' test runs
and Airflow processes sharing the CPUs and the servers."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import psutil

from bench.context import Context
from bench.pgcopydb import PGCOPYDB, pgcopydb_installed
from bench.rss import cmdline, descendants
from devtools.servers import Server


def machine_facts(ctx: Context | None = None) -> dict[str, Any]:
    """nproc, memory, CPU, kernel, date, load and versions."""
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    facts: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        "other_activity_at_start": foreign_activity(),
    }
    try:
        import airflow

        facts["airflow"] = airflow.__version__
    except ImportError:
        pass
    if ctx is not None:
        with ctx.source.connect() as conn:
            facts["server"] = conn.execute("SHOW server_version").fetchone()[0]
        facts["timescaledb"] = facts_timescaledb(ctx.source, ctx.source_info.name)
        out = subprocess.run([f"{ctx.bin_dir}/pg_dump", "--version"], capture_output=True, text=True, check=False)
        facts["pg_dump"] = out.stdout.strip()
        facts["pgcopydb"] = str(PGCOPYDB) if pgcopydb_installed() else None
    return facts


def facts_timescaledb(server: Server, dbname: str) -> str | None:
    """TimescaleDB version installed in dbname, None without it."""
    with server.connect(dbname) as conn:
        row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'").fetchone()
    return row[0] if row else None


def foreign_activity() -> list[str]:
    """Other sessions' test runs and Airflow processes on the machine (they share the CPUs and the servers)."""
    ours = {os.getpid(), *descendants(os.getpid())}
    found = []
    for pid in psutil.pids():
        if pid in ours:
            continue
        argv = cmdline(pid)
        if not argv:  # a kernel thread, or gone
            continue
        line = " ".join(argv).strip()
        if ("pytest" in line or "airflow" in line or "pgcopydb" in line) and "timeout" not in Path(argv[0]).name:
            found.append(line[:100])
    return sorted(found)
