"""Unit tests of copy/partitions.py: pg_restore's pre-data SQL with partitions created as partitions."""

from __future__ import annotations

import pytest

from timescale_migration.copy import partitions

pytestmark = pytest.mark.unit


def entry(name: str, kind: str, body: str) -> str:
    """One entry as pg_restore prints it."""
    return f"--\n-- Name: {name}; Type: {kind}; Schema: public; Owner: -\n--\n\n{body}\n\n"


PARENT = (
    'CREATE TABLE "public"."p" (\n    "id" integer NOT NULL,\n    "v" "text" DEFAULT \'x\'::"text"\n)\n'
    'PARTITION BY RANGE ("id");\n'
)
SAME = 'CREATE TABLE "public"."{name}" (\n    "id" integer NOT NULL,\n    "v" "text" DEFAULT \'x\'::"text"\n);\n'
ORDER = 'CREATE TABLE "public"."o" (\n    "v" "text" DEFAULT \'x\'::"text",\n    "id" integer NOT NULL\n);\n'
CHECKED = (
    'CREATE TABLE "public"."k" (\n    "id" integer NOT NULL,\n    "v" "text" DEFAULT \'x\'::"text",\n'
    '    CONSTRAINT "k_v" CHECK (("v" <> \'\'::"text"))\n);\n'
)
SUB = (
    'CREATE TABLE "public"."s" (\n    "id" integer NOT NULL,\n    "v" "text" DEFAULT \'x\'::"text"\n)\n'
    'PARTITION BY LIST ("v");\n'
)


def attach(child: str, bound: str) -> str:
    return f'ALTER TABLE ONLY "public"."p" ATTACH PARTITION "public"."{child}" {bound};\n'


def section(*children: tuple[str, str]) -> str:
    """A pre-data section: the parent, its children's tables, a comment on one, then the attaches."""
    text = "SET statement_timeout = 0;\n\n" + entry("p", "TABLE", PARENT)
    for name, body in children:
        text += entry(name, "TABLE", body)
    text += entry('TABLE "a"', "COMMENT", 'COMMENT ON TABLE "public"."a" IS \'first\';\n')
    for i, (name, _) in enumerate(children):
        text += entry(name, "TABLE ATTACH", attach(name, f"FOR VALUES FROM ({i * 10}) TO ({i * 10 + 10})"))
    return text


def test_partitions_with_the_parents_columns_are_created_as_partitions_in_place() -> None:
    """A partition whose columns are exactly the parent's is created in its own entry's place with PARTITION OF and
    its ATTACH is left out; one of another column order, with a constraint of its own or a clause (sub-partitioned)
    stays as pg_dump wrote it, ATTACH included; every other statement stays."""
    sql = section(("a", SAME.format(name="a")), ("b", SAME.format(name="b")), ("o", ORDER), ("k", CHECKED), ("s", SUB))
    result = partitions.rewrite(sql)
    assert (result.partitions, result.kept) == (2, 3)
    text = result.sql
    assert 'CREATE TABLE "public"."a" PARTITION OF "public"."p" FOR VALUES FROM (0) TO (10);' in text
    assert 'CREATE TABLE "public"."b" PARTITION OF "public"."p" FOR VALUES FROM (10) TO (20);' in text
    assert 'ATTACH PARTITION "public"."a"' not in text and 'ATTACH PARTITION "public"."b"' not in text
    for kept in ("o", "k", "s"):
        assert f'ATTACH PARTITION "public"."{kept}"' in text and f'CREATE TABLE "public"."{kept}" (' in text
    assert text.index('PARTITION OF "public"."p" FOR VALUES FROM (0)') < text.index("COMMENT ON TABLE")
    assert text.startswith("SET statement_timeout = 0;") and text.count("BEGIN;") == text.count("COMMIT;") == 1


def test_partitions_are_created_group_by_group(monkeypatch: pytest.MonkeyPatch) -> None:
    """GROUP partitions a transaction: a commit per group, not per partition, and none left open."""
    monkeypatch.setattr(partitions, "GROUP", 2)
    result = partitions.rewrite(section(*[(n, SAME.format(name=n)) for n in "abcde"]))
    assert result.partitions == 5
    assert result.sql.count("BEGIN;") == result.sql.count("COMMIT;") == 3
    assert result.sql.rstrip().endswith("COMMIT;")


def test_a_section_without_partitions_is_unchanged() -> None:
    """No ATTACH: the SQL as it was."""
    sql = "SET x = 1;\n" + entry("t", "TABLE", SAME.format(name="t"))
    assert partitions.rewrite(sql) == partitions.Rewritten(sql, 0, 0)
