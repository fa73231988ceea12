"""A staged schema's manifest and its comparison with the skeleton (copy/staging.py says what staging is): each
pre-data and post-data entry of a custom-format archive, keyed by pg_restore's `Name; Type; Schema; Owner` header,
with a digest of its SQL; what is unchanged, what the source gained, what it lost."""

from __future__ import annotations

import hashlib
import re
import subprocess
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from timescale_migration import workdir
from timescale_migration.constants import STAGED_SCHEMA_MANIFEST
from timescale_migration.exceptions import ClientToolFailed
from timescale_migration.tools.clienttools import GUIDE_DUMP_FLAGS, ClientTools

STAGED_DUMP = "staged-schema.dump"
"""The run directory's `pg_dump --schema-only` that stage_schema restored."""
MANIFEST = STAGED_SCHEMA_MANIFEST
"""The run directory's manifest of what stage_schema restored; the load renames it to CONSUMED before it starts."""
CONSUMED = "staged-schema.consumed.json"
"""The manifest once a load attempt took it: a retry of the load finds none and restores everything."""
FILES = (STAGED_DUMP, MANIFEST, CONSUMED)
"""What staging leaves in the run directory (verify removes them with the dump)."""

SECTIONS = ("pre-data", "post-data")
ATTACHED = frozenset({"COMMENT", "SECURITY LABEL"})
"""Entries that belong to another entry: pg_restore restores one only when it restores that entry."""
FOLLOWERS = ATTACHED | {"INDEX ATTACH"}
"""Post-data entries staged when every entry they depend on is: the comments and labels of staged indexes and keys,
and the attaching of a staged partition's index to its staged parent's."""
NOT_STAGED_PRE_DATA = frozenset({"USER MAPPING"})
"""Pre-data entries that name roles, which the target has only once the load ran roles.sql: a schema holding
one is not staged."""

_ENTRY = re.compile(r"^-- TOC entry (\d+) \(class \d+ OID \d+\)$", re.MULTILINE)
_HEADER = re.compile(
    r"^-- Name: (?P<name>.*); Type: (?P<type>[A-Z][A-Z ]*); Schema: (?P<schema>.*); Owner: (?P<owner>.*)$"
)
_IDENT = r'(?:"(?:[^"]|"")+"|[^\s."(]+)'
_QUALIFIED = rf"({_IDENT}\.{_IDENT})"
_INDEX = re.compile(rf"^CREATE (?:UNIQUE )?INDEX {_IDENT} ON (?:ONLY )?{_QUALIFIED} USING ")
_CONSTRAINT = re.compile(rf"^ALTER TABLE ONLY {_QUALIFIED}\s+ADD CONSTRAINT {_IDENT} (PRIMARY KEY|UNIQUE|EXCLUDE)\b")
_NOTHING = re.compile(r"(?!)")
_DEPS = re.compile(r"^-- Dependencies: ([\d ]+)$")
_SESSION_LINE = re.compile(r"^(SET |SELECT pg_catalog\.set_config\(|\\restrict |\\unrestrict )")


def quoted(schema: str, name: str) -> str:
    """schema.name as pg_dump --quote-all-identifiers writes it."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in (schema, name))


@dataclass(frozen=True)
class Entry:
    """One entry of an archive's pre-data or post-data section."""

    dump_id: int
    key: str
    """pg_restore's header line (`Name: ...; Type: ...; Schema: ...; Owner: ...`): the same object in two dumps."""
    kind: str
    section: str
    digest: str
    """sha256 of the entry's SQL (comments and session settings left out)."""
    schema: str = ""
    name: str = ""
    """The header's schema and name (a TABLE entry's table)."""
    table: str | None = None
    """The quoted schema.table a TABLE entry defines or an index or key constraint is built on."""
    with_rows: bool = False
    """An index or a PRIMARY KEY, UNIQUE or EXCLUDE constraint, which can be built before the table's rows."""
    deps: tuple[int, ...] = ()
    """The dump ids of the entries it depends on (in this archive)."""


def parse(text: str, section: str) -> list[Entry]:
    """The entries of `pg_restore --verbose --file=-` output of one section."""
    found: list[Entry] = []
    pieces = _ENTRY.split(text)
    for dump_id, body in zip(pieces[1::2], pieces[2::2], strict=True):
        lines = body.splitlines()
        header = next((m for m in map(_HEADER.match, lines) if m), None)
        if header is None:
            continue
        deps = next((tuple(map(int, m.group(1).split())) for m in map(_DEPS.match, lines) if m), ())
        sql = "\n".join(
            line for line in lines if line.strip() and not line.startswith("--") and not _SESSION_LINE.match(line)
        )
        kind, table, with_rows = header["type"], None, False
        if kind == "TABLE":
            table = quoted(header["schema"], header["name"])
        elif m := {"INDEX": _INDEX, "CONSTRAINT": _CONSTRAINT}.get(kind, _NOTHING).match(sql):
            table, with_rows = m.group(1), True
        found.append(
            Entry(
                int(dump_id),
                header.group(0)[3:],
                kind,
                section,
                hashlib.sha256(sql.encode("utf-8")).hexdigest(),
                header["schema"],
                header["name"],
                table,
                with_rows,
                deps,
            )
        )
    return found


def entries(tools: ClientTools, archive: Path) -> list[Entry]:
    """Every pre-data and post-data entry of a custom-format archive (pg_restore reads the archive only)."""
    found: list[Entry] = []
    for section in SECTIONS:
        argv = [tools.path("pg_restore"), "--verbose", f"--section={section}", "--file=-", str(archive)]
        out = subprocess.run(argv, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise ClientToolFailed(f"pg_restore --section={section} of {archive} failed: {out.stderr.strip()[:500]}")
        found += parse(out.stdout, section)
    return found


def schema_dump_argv(tools: ClientTools, out_file: str) -> list[str]:
    """The source's schema, as the skeleton writes it, in custom format."""
    return [
        tools.path("pg_dump"),
        "--format=custom",
        "--compress=0",
        *GUIDE_DUMP_FLAGS,
        "--schema-only",
        f"--file={out_file}",
    ]


def staged_post_data(found: Iterable[Entry], large: set[str]) -> list[Entry]:
    """The post-data entries stage_schema builds: indexes and key constraints of tables not in `large`, then
    (in the archive's order, which puts an entry after those it depends on) the FOLLOWERS of what is built: the
    comments and labels on them (pg_restore leaves those out of a restore that leaves their object out) and the
    attaching of partitions' indexes."""
    built: list[Entry] = []
    ids = {e.dump_id for e in found if e.section == "pre-data"}  # all of pre-data is staged
    for e in (e for e in found if e.section == "post-data"):
        if (e.with_rows and e.table not in large) or (e.kind in FOLLOWERS and e.deps and ids.issuperset(e.deps)):
            built.append(e)
            ids.add(e.dump_id)
    return built


@dataclass
class Manifest:
    """What stage_schema restored into the target: every entry's digest and whether it is there."""

    run: str
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, run: str, found: list[Entry], staged_post: list[Entry]) -> Manifest:
        """The manifest of an archive whose pre-data section and `staged_post` entries were restored."""
        built = {e.dump_id for e in staged_post}
        return cls(
            run,
            {
                e.key: {**asdict(e), "deps": list(e.deps), "staged": e.section == "pre-data" or e.dump_id in built}
                for e in found
            },
        )

    def write(self, run_dir: Path) -> Path:
        """Into the run directory (private)."""
        return workdir.write_json(run_dir / MANIFEST, {"run": self.run, "entries": self.entries})


def take(run_dir: Path, run: str) -> Manifest | None:
    """This run's manifest, renamed to CONSUMED first so that no later attempt of the load trusts it again; None
    when stage_schema staged nothing (or an earlier attempt of the load took it)."""
    path = run_dir / MANIFEST
    data = workdir.read_json(path)
    if data is None:
        return None
    path.replace(run_dir / CONSUMED)
    if data.get("run") != run:
        return None
    return Manifest(data["run"], data["entries"])


@dataclass
class Reuse:
    """What the load does with a staged schema: restore only `pre_data` (dump ids of the skeleton), drop
    `dropped` tables, and leave the `done` post-data entries out; `reason` when the staged schema cannot be used."""

    pre_data: list[int] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)
    done: set[int] = field(default_factory=set)
    reason: str | None = None
    unchanged: int = 0


def compare(manifest: Manifest, current: list[Entry]) -> Reuse:
    """The skeleton's entries (`current`) against what was staged."""
    reuse = Reuse()
    keys, there, restored = set(), set(), []
    for entry in current:
        keys.add(entry.key)
        staged = manifest.entries.get(entry.key)
        if staged is None or not staged["staged"]:
            restored.append(entry)
            if entry.section == "pre-data":
                reuse.pre_data.append(entry.dump_id)
            continue
        if staged["digest"] != entry.digest:
            reuse.reason = f"{entry.key} changed on the source after the schema was staged"
            return reuse
        reuse.unchanged += 1
        there.add(entry.dump_id)
        if entry.section == "post-data":
            reuse.done.add(entry.dump_id)
    if late := [e.key for e in restored if e.kind in ATTACHED and there.intersection(e.deps)]:
        reuse.reason = f"{late[0]} was added on the source after the schema was staged, to an object already there"
        return reuse
    lost = [e for k, e in manifest.entries.items() if e["staged"] and k not in keys]
    reuse.dropped = sorted((e["schema"], e["name"]) for e in lost if e["kind"] == "TABLE")
    gone = {quoted(schema, name) for schema, name in reuse.dropped}
    if orphans := [e["key"] for e in lost if e["kind"] != "TABLE" and e["table"] not in gone]:
        reuse.reason = f"{orphans[0]} is no longer on the source" + (
            f" (and {len(orphans) - 1} more)" if len(orphans) > 1 else ""
        )
    return reuse
