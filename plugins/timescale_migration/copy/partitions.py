"""Partitions created as partitions: `CREATE TABLE ... PARTITION OF` instead of pg_dump's `CREATE TABLE` + `ATTACH`.

pg_dump writes every partition as a table of its own and, at the end of the pre-data section, `ALTER TABLE ONLY
parent ATTACH PARTITION child FOR VALUES ...`, because a partition's columns need not be its parent's (another
order, a dropped column). Each attach takes a lock on the parent that conflicts with itself and checks the new bounds
against every partition attached so far: thousands of partitions of one parent spend most of a restore there
(7,000: about 105 s of attaches on these machines, against about 41 s to create them as partitions). Where the
partition's columns are exactly its parent's (pg_dump writes the same column definitions, the partition has no
constraint or clause of its own), `CREATE TABLE child PARTITION OF parent FOR VALUES ...` builds the same table: it
takes the parent's columns, defaults, generated expressions, NOT NULL and constraints, as the attach leaves them. Any
other partition stays as pg_dump wrote it. Verification compares the bounds and every column either way.

The rewrite reads the pre-data section's SQL (pg_restore --file, the definitions only: no row passes), keeps every
entry in its place, and creates the rewritten partitions in transactions of GROUP (as pg_restore would one by one,
but with a commit per partition each).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ENTRY_HEADER = re.compile(r"^--\n-- Name: .*?; Type: (?P<type>[A-Z ]+); Schema: .*?; Owner: .*\n--\n", re.MULTILINE)
"""The comment block pg_restore writes before every entry of an archive it prints as SQL."""
CREATE = re.compile(r"^CREATE TABLE (?P<table>\S+) \(\n(?P<body>(?:.*\n)*?)\)(?P<rest>[^;]*);\n", re.MULTILINE)
ATTACH = re.compile(r"^ALTER TABLE ONLY (?P<parent>\S+) ATTACH PARTITION (?P<child>\S+) (?P<bound>.*);\n", re.MULTILINE)
GROUP = 500
"""Partitions created in one transaction: fewer commits, while a transaction locks at most this many relations
(a server's lock table has room for max_locks_per_transaction × connections)."""


@dataclass(frozen=True)
class Rewritten:
    """The pre-data SQL with the partitions it could create as partitions, and how many."""

    sql: str
    partitions: int
    kept: int
    """ATTACH statements left as pg_dump wrote them (their partition's columns are not exactly the parent's)."""


@dataclass(frozen=True)
class Table:
    """A CREATE TABLE of the section: its column definitions, whether it has constraints or clauses of its own."""

    columns: tuple[str, ...]
    constraints: bool
    clauses: bool


def _table(created: re.Match[str]) -> Table:
    lines = [line.strip().rstrip(",") for line in created["body"].splitlines() if line.strip()]
    columns = tuple(line for line in lines if not line.startswith("CONSTRAINT "))
    return Table(columns, len(columns) < len(lines), bool(created["rest"].strip()))


def rewrite(sql: str) -> Rewritten:
    """`sql` (pg_restore's pre-data section) with each partition whose columns are its parent's created by
    `CREATE TABLE ... PARTITION OF` where pg_dump created it, and its ATTACH left out."""
    headers = list(ENTRY_HEADER.finditer(sql))
    if not headers:
        return Rewritten(sql, 0, 0)
    ends = [h.start() for h in headers[1:]] + [len(sql)]
    entries = [(h["type"], sql[h.start() : end]) for h, end in zip(headers, ends, strict=True)]
    tables = {m["table"]: _table(m) for kind, text in entries if kind == "TABLE" and (m := CREATE.search(text))}
    attaches = [m for kind, text in entries if kind == "TABLE ATTACH" and (m := ATTACH.search(text))]
    rewritten = {}
    for attach in attaches:
        child, parent = tables.get(attach["child"]), tables.get(attach["parent"])
        if (
            child is not None
            and parent is not None
            and not child.constraints
            and not child.clauses
            and child.columns == parent.columns
        ):
            rewritten[attach["child"]] = attach
    out = [sql[: headers[0].start()]]
    created = 0
    for kind, text in entries:
        if kind == "TABLE ATTACH" and (left := ATTACH.search(text)) and left["child"] in rewritten:
            continue
        if kind == "TABLE" and (match := CREATE.search(text)) and match["table"] in rewritten:
            into = rewritten[match["table"]]
            statement = f"CREATE TABLE {into['child']} PARTITION OF {into['parent']} {into['bound']};\n"
            text = (
                ("BEGIN;\n" if created % GROUP == 0 else "") + text[: match.start()] + statement + text[match.end() :]
            )
            created += 1
            if created % GROUP == 0:
                text += "COMMIT;\n"
        out.append(text)
    if created % GROUP:
        out.append("COMMIT;\n")
    return Rewritten("".join(out), created, len(attaches) - len(rewritten))
