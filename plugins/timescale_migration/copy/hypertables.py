"""Tables loaded as hypertables (the `hypertables` param): converted on the target while they are empty, after
their definitions (pre-data) and before their rows, so that the rows land in chunks directly; no
`migrate_data => true` rewrite of a loaded table under an exclusive lock, and no second downtime.

`convert` runs create_hypertable (time dimension and chunk interval, no default indexes: the table keeps the
source's indexes), add_dimension by hash, compression settings and policies; the policies are paused at once
(their jobs would otherwise compress or drop chunks before verification) and verify schedules them once the
target is proven. What it did is kept in the run directory (`hypertables.json`): verify reads it.

`PostData` restores the post-data section around what TimescaleDB refuses as pg_dump writes it: `ALTER TABLE
ONLY <hypertable> ADD CONSTRAINT` (a primary key, unique, exclusion or check constraint, a replica identity).
Those entries are restored first with ONLY removed (so the constraint reaches every chunk), then the rest of
the section in parallel, then the foreign keys from or to the converted tables (they need those keys).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql as pgsql

from timescale_migration import workdir
from timescale_migration.constants import TIMESCALEDB
from timescale_migration.copy import rowsecurity
from timescale_migration.copy.rowsecurity import Run
from timescale_migration.db import catalog, sqlfiles, timescale_features
from timescale_migration.db.endpoints import Endpoint
from timescale_migration.exceptions import MigrationError
from timescale_migration.options import HypertableSpec
from timescale_migration.tools.clienttools import ClientTools, pg_restore_argv, psql_load_argv

RECORD_FILE = "hypertables.json"
TOC_LINE = re.compile(r"^\s*(\d+);\s+(\d+)\s+(\d+)\s")
"""A `pg_restore -l` entry: dump id; catalog oid, object oid, then kind, schema, name, owner."""


@dataclass
class Converted:
    """One table as the conversion left it: its hypertable id and the jobs of its (paused) policies."""

    schema: str
    table: str
    hypertable_id: int
    jobs: dict[str, int] = field(default_factory=dict)


@dataclass
class ConversionRecord:
    """What `convert` did, for verify: the tables, their paused policy jobs, and the seconds it took."""

    tables: list[Converted] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def paused_jobs(self) -> list[int]:
        """Every policy job the conversion added (paused until verify)."""
        return [job for t in self.tables for job in t.jobs.values()]

    def write(self, path: Path) -> None:
        """Write it privately, all at once."""
        workdir.write_json(path, asdict(self))

    @classmethod
    def read(cls, path: Path) -> ConversionRecord | None:
        """The record at `path`, or None when the load converted nothing."""
        data = workdir.read_json(path)
        if data is None:
            return None
        return cls([Converted(**t) for t in data["tables"]], float(data.get("seconds", 0.0)))


def _relation(spec: HypertableSpec) -> str:
    """The table as regclass reads it."""
    return pgsql.Identifier(spec.schema, spec.table).as_string(None)


def _interval(value: str | int) -> pgsql.Composable:
    """An interval param as SQL: text cast to interval, or an integer (integer time columns)."""
    return pgsql.Literal(value) if isinstance(value, int) else pgsql.SQL("{}::interval").format(pgsql.Literal(value))


def _columns(names: Iterable[str]) -> str:
    """A list of quoted column names as TimescaleDB's compress_segmentby/compress_orderby options read it."""
    return ", ".join(pgsql.Identifier(name).as_string(None) for name in names)


def compression_statement(spec: HypertableSpec) -> pgsql.Composed:
    """ALTER TABLE ... SET (timescaledb.compress, segmentby[, orderby]) for a spec with compression."""
    assert spec.compression is not None
    orderby: pgsql.Composable = pgsql.SQL("")
    if spec.compression.orderby:
        text = ", ".join(
            pgsql.Identifier(o.column).as_string(None)
            + (" DESC" if o.descending else " ASC")
            + ("" if o.nulls_first is None else " NULLS FIRST" if o.nulls_first else " NULLS LAST")
            for o in spec.compression.orderby
        )
        orderby = pgsql.SQL(", timescaledb.compress_orderby = {}").format(pgsql.Literal(text))
    return sqlfiles.compose(
        "timescaledb/enable_compression",
        table=(spec.schema, spec.table),
        segmentby=pgsql.Literal(_columns(spec.compression.segmentby)),
        orderby=orderby,
    )


def convert_table(conn: psycopg.Connection, schema: str, spec: HypertableSpec) -> Converted:
    """One empty table into a hypertable, in one transaction: dimensions, compression, paused policies."""
    relation = {"relation": _relation(spec)}
    with conn.transaction():
        created = catalog.run(
            conn,
            sqlfiles.compose("timescaledb/create_hypertable", schema=schema, interval=_interval(spec.chunk_interval)),
            {**relation, "column": spec.time_column},
        )[0][0]
        if spec.hash_column is not None:
            catalog.run(
                conn,
                sqlfiles.compose("timescaledb/add_hash_dimension", schema=schema),
                {**relation, "column": spec.hash_column, "partitions": spec.hash_partitions},
            )
        jobs: dict[str, int] = {}
        if spec.compression is not None:
            catalog.run(conn, compression_statement(spec))
            if spec.compression.compress_after is not None:
                jobs["compression"] = int(
                    catalog.run(
                        conn,
                        sqlfiles.compose(
                            "timescaledb/add_compression_policy",
                            schema=schema,
                            after=_interval(spec.compression.compress_after),
                        ),
                        relation,
                    )[0][0]
                )
        if spec.drop_after is not None:
            jobs["retention"] = int(
                catalog.run(
                    conn,
                    sqlfiles.compose(
                        "timescaledb/add_retention_policy", schema=schema, after=_interval(spec.drop_after)
                    ),
                    relation,
                )[0][0]
            )
        if jobs:
            timescale_features.alter_jobs(conn, schema, sorted(jobs.values()), scheduled=False)
    return Converted(spec.schema, spec.table, _hypertable_id(created), jobs)


def _hypertable_id(created: Any) -> int:
    """The id in create_hypertable's result: a (hypertable_id, created) record, as a tuple or its text."""
    if isinstance(created, tuple | list):
        return int(created[0])
    match = re.match(r"\(?(\d+)", str(created))
    if match is None:
        raise MigrationError(f"create_hypertable returned {created!r}, not (hypertable_id, created)")
    return int(match.group(1))


def convert(connect: Callable[[], Any], specs: Iterable[HypertableSpec], record: Path, log: Any) -> ConversionRecord:
    """Convert every spec's (empty, just defined) table on the target; write and return the record."""
    started = time.monotonic()
    result = ConversionRecord()
    with connect() as conn:
        installed = catalog.installed_extensions(conn).get(TIMESCALEDB)
        if installed is None:
            raise MigrationError(
                "TimescaleDB is not installed in the target database: no table can become a "
                "hypertable (check_versions should have refused this run)"
            )
        schema = installed["schema"]
        for spec in specs:
            began = time.monotonic()
            try:
                converted = convert_table(conn, schema, spec)
            except psycopg.Error as err:
                raise MigrationError(
                    f"converting {spec.label} into a hypertable failed: {err.diag.message_primary or err}"
                ) from err
            result.tables.append(converted)
            log.info(
                "converted into hypertable %d in %.2fs: %s%s",
                converted.hypertable_id,
                time.monotonic() - began,
                spec.describe(),
                f"; policy job(s) {', '.join(map(str, converted.jobs.values()))} paused until verified"
                if converted.jobs
                else "",
            )
    result.seconds = round(time.monotonic() - started, 3)
    result.write(record)
    return result


def split_listing(listing: str, entries: dict[tuple[int, int], bool]) -> tuple[str, list[str], list[str]]:
    """`pg_restore -l` output split into (the list without the given entries, their lines restored first, their
    lines restored last); `entries`: (catalog oid, object oid) -> early."""
    rest: list[str] = []
    early: list[str] = []
    late: list[str] = []
    for line in listing.splitlines():
        match = TOC_LINE.match(line)
        key = (int(match.group(2)), int(match.group(3))) if match else None
        if key is None or key not in entries:
            rest.append(line)
        else:
            (early if entries[key] else late).append(line)
    return "\n".join(rest) + "\n", early, late


def without_only(text: str, specs: Iterable[HypertableSpec]) -> str:
    """pg_dump's `ALTER TABLE ONLY "schema"."table"` (--quote-all-identifiers) as `ALTER TABLE ...` for each
    converted table: on a hypertable the statement must reach the chunks."""
    for spec in specs:
        name = ".".join('"' + part.replace('"', '""') + '"' for part in (spec.schema, spec.table))
        text = re.sub(r"(?m)^ALTER TABLE ONLY " + re.escape(name) + r"(?=\s)", "ALTER TABLE " + name, text)
    return text


class PostData:
    """The post-data section of a dump (`archive`) restored into the target around the converted tables."""

    def __init__(
        self,
        tools: ClientTools,
        archive: Path,
        database: str,
        specs: tuple[HypertableSpec, ...],
        entries: dict[tuple[int, int], bool],
        work: Path,
        log: Any,
    ) -> None:
        self.tools, self.archive, self.database, self.specs = tools, archive, database, specs
        self.entries, self.work, self.log = entries, work, log

    @classmethod
    def for_source(
        cls,
        source: psycopg.Connection,
        tools: ClientTools,
        archive: Path,
        database: str,
        specs: tuple[HypertableSpec, ...],
        work: Path,
        log: Any,
    ) -> PostData:
        """The entries to restore apart, read from the source (its oids are the dump's)."""
        names = {"schemas": [s.schema for s in specs], "tables": [s.table for s in specs]}
        rows = catalog.rows(source, "copy/hypertable_restore_entries", names)
        entries = {(r["classid"], r["objid"]): r["early"] for r in rows}
        return cls(tools, archive, database, specs, entries, work, log)

    def restore(
        self, run: Run, env: dict[str, str], jobs: int, progress: Callable[[], str | None] | None = None
    ) -> float:
        """Early entries (ONLY removed), the rest with `jobs` in parallel, the foreign keys; seconds taken. The
        lists and scripts live in a private directory of the work directory, removed when all went well."""
        workdir.remove(self.work)
        self.work.mkdir(mode=0o700, parents=True)
        seconds, listing = self._printed([self.tools.path("pg_restore"), "--list"], "toc", run, env)
        rest, early, late = split_listing(listing, self.entries)
        rest, row_security = rowsecurity.split(rest)  # enabled after the foreign keys (copy/rowsecurity.py)
        rest_list = workdir.write_atomically(self.work / "rest.list", rest)
        seconds += self._restore_entries("early", early, run, env)
        argv = pg_restore_argv(self.tools, self.database, str(self.archive), jobs=jobs, section="post-data")
        argv[-1:-1] = [f"--use-list={rest_list}"]
        seconds += run(argv, env, progress=progress)
        seconds += self._restore_entries("late", late, run, env)
        if row_security:
            last_list = workdir.write_atomically(self.work / "row-security.list", row_security)
            argv = pg_restore_argv(self.tools, self.database, str(self.archive), section="post-data")
            argv[-1:-1] = [f"--use-list={last_list}"]
            seconds += run(argv, env)
        workdir.remove(self.work)
        self.log.info(
            "post-data restored around %d hypertable(s): %d of their entries without ONLY first, %d "
            "foreign key(s) last",
            len(self.specs),
            len(early),
            len(late),
        )
        return seconds

    def _restore_entries(self, name: str, lines: list[str], run: Run, env: dict[str, str]) -> float:
        """The listed entries as SQL, ONLY removed for the converted tables, run by psql."""
        if not lines:
            return 0.0
        listed = workdir.write_atomically(self.work / f"{name}.list", "\n".join(lines) + "\n")
        seconds, text = self._printed(
            [
                self.tools.path("pg_restore"),
                f"--use-list={listed}",
                "--no-owner",
                "--no-privileges",
                "--no-tablespaces",
            ],
            f"{name}.pg_restore",
            run,
            env,
        )
        script = workdir.write_atomically(self.work / f"{name}.sql", without_only(text, self.specs))
        return seconds + run(psql_load_argv(self.tools, [str(script)]), env)

    def _printed(self, argv: list[str], name: str, run: Run, env: dict[str, str]) -> tuple[float, str]:
        """Run a pg_restore that reads the archive only, into a private file of the work directory: (seconds,
        what it wrote)."""
        out = workdir.private_file(self.work / name)
        seconds = run([*argv, f"--file={out}", str(self.archive)], env)
        return seconds, out.read_text(encoding="utf-8")


class Conversion:
    """The hypertables of one load, for a format that loads definitions, rows and post-data apart (parallel,
    directory): `convert` between the first two, `post_data` for the third."""

    def __init__(
        self,
        specs: tuple[HypertableSpec, ...],
        tools: ClientTools,
        source: Endpoint,
        target: Endpoint,
        run_dir: Path,
        log: Any,
    ) -> None:
        self.specs, self.tools, self.source, self.target = specs, tools, source, target
        self.run_dir, self.log = run_dir, log

    @property
    def tables(self) -> set[tuple[str, str]]:
        """(schema, table) of every converted table."""
        return {(spec.schema, spec.table) for spec in self.specs}

    def convert(self) -> float:
        """Convert the just defined, still empty tables; seconds taken (also kept in the record for verify)."""
        return convert(self.target.connect, self.specs, self.run_dir / RECORD_FILE, self.log).seconds

    def post_data(self, run: Run, archive: Path, jobs: int, progress: Callable[[], str | None] | None = None) -> float:
        """The archive's post-data section around the converted tables (PostData); seconds taken."""
        with self.source.connect() as conn:
            post = PostData.for_source(
                conn, self.tools, archive, self.target.database, self.specs, self.run_dir / "post-data", self.log
            )
        return post.restore(run, self.target.libpq_env(), jobs, progress)
