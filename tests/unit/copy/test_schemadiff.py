"""copy/schemadiff.py: the entries of pg_restore's verbose SQL, the manifest of a staged schema, and what the
skeleton changes in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from timescale_migration.copy import rowsecurity, schemadiff
from timescale_migration.copy.schemadiff import Manifest

pytestmark = pytest.mark.unit


def entry(dump_id: int, name: str, kind: str, schema: str, sql: str, *, deps: str = "") -> str:
    """One entry as `pg_restore --verbose --file=-` writes it."""
    dependencies = f"-- Dependencies: {deps}\n" if deps else ""
    return (
        f"--\n-- TOC entry {dump_id} (class 1259 OID {dump_id + 16000})\n{dependencies}"
        f"-- Name: {name}; Type: {kind}; Schema: {schema}; Owner: postgres\n--\n\n{sql}\n\n\n"
    )


HEADER = "--\n-- PostgreSQL database dump\n--\n\n\\restrict abc\n\nSET statement_timeout = 0;\n\n"
TABLE = 'CREATE TABLE "app"."t" (\n    "id" integer NOT NULL\n);'
PRE = HEADER + entry(10, "t", "TABLE", "app", TABLE) + entry(11, "f(integer)", "FUNCTION", "app", "CREATE FUNCTION f")
POST = (
    HEADER
    + entry(
        20,
        "t t_pkey",
        "CONSTRAINT",
        "app",
        'ALTER TABLE ONLY "app"."t"\n    ADD CONSTRAINT "t_pkey" PRIMARY KEY ("id");',
    )
    + entry(21, "t_idx", "INDEX", "app", 'CREATE INDEX "t_idx" ON "app"."t" USING btree ("id");')
    + entry(22, "t t_fk", "FK CONSTRAINT", "app", 'ALTER TABLE ONLY "app"."t"\n    ADD CONSTRAINT "t_fk" FOREIGN KEY')
    + entry(
        23,
        "t t_check",
        "CONSTRAINT",
        "app",
        'ALTER TABLE "app"."t"\n    ADD CONSTRAINT "t_check" CHECK (id > 0) NOT VALID;',
    )
    + entry(24, "p_idx", "INDEX", "app", 'CREATE INDEX "p_idx" ON ONLY "app"."p" USING btree ("id");')
    + entry(25, "big_idx", "INDEX", "app", 'CREATE INDEX "big_idx" ON "app"."big" USING btree ("id");')
)


P_IDX = HEADER + entry(24, "p_idx", "INDEX", "app", 'CREATE INDEX "p_idx" ON ONLY "app"."p" USING btree ("id");')


def found(pre: str = PRE, post: str = POST) -> list[schemadiff.Entry]:
    return schemadiff.parse(pre, "pre-data") + schemadiff.parse(post, "post-data")


def test_parse_keys_kinds_and_what_can_be_built_before_the_rows() -> None:
    """Each entry's header is its key; indexes (a partitioned parent's too) and PRIMARY KEY/UNIQUE/EXCLUDE
    constraints can be built before the rows, a NOT VALID check and a foreign key cannot."""
    by_id = {e.dump_id: e for e in found()}
    assert by_id[10].key == "Name: t; Type: TABLE; Schema: app; Owner: postgres"
    assert (by_id[10].kind, by_id[10].table, by_id[10].section) == ("TABLE", '"app"."t"', "pre-data")
    assert [i for i, e in sorted(by_id.items()) if e.with_rows] == [20, 21, 24, 25]
    assert by_id[20].table == by_id[21].table == '"app"."t"'


def test_digest_ignores_comments_and_session_settings_not_the_sql() -> None:
    """Dependency lines (dump ids differ between two dumps), SET lines and \\restrict keys leave the digest alone."""
    plain = schemadiff.parse(entry(10, "t", "TABLE", "app", TABLE), "pre-data")[0]
    noisy = schemadiff.parse(
        entry(99, "t", "TABLE", "app", "SET default_tablespace = '';\n\\unrestrict xyz\n" + TABLE, deps="3 4"),
        "pre-data",
    )[0]
    changed = schemadiff.parse(entry(10, "t", "TABLE", "app", TABLE.replace("integer", "bigint")), "pre-data")[0]
    assert plain.digest == noisy.digest != changed.digest


def test_staged_post_data_leaves_large_tables_for_after_their_rows() -> None:
    """The indexes and keys of small tables are staged; those of the large tables are not."""
    staged = schemadiff.staged_post_data(found(), {'"app"."big"'})
    assert [e.dump_id for e in staged] == [20, 21, 24]


def manifest() -> Manifest:
    entries = found()
    return Manifest.of("run-1", entries, schemadiff.staged_post_data(entries, {'"app"."big"'}))


def test_unchanged_schema_restores_nothing_again() -> None:
    """The same schema dumped again (other dump ids): no pre-data to restore, the staged post-data left out."""
    again = found(PRE.replace("TOC entry 1", "TOC entry 4"), POST.replace("TOC entry 2", "TOC entry 5"))
    reuse = schemadiff.compare(manifest(), again)
    assert reuse.reason is None and reuse.pre_data == [] and reuse.dropped == []
    assert reuse.done == {50, 51, 54} and reuse.unchanged == 5


def test_new_tables_are_restored_and_dropped_ones_dropped_with_their_indexes() -> None:
    """A table the source gained is restored; one it lost is dropped, its staged key and index go with it."""
    gained = entry(12, "u", "TABLE", "app", 'CREATE TABLE "app"."u" ();')
    reuse = schemadiff.compare(
        manifest(), found(HEADER + gained + entry(11, "f(integer)", "FUNCTION", "app", "CREATE FUNCTION f"), P_IDX)
    )
    assert reuse.reason is None
    assert reuse.pre_data == [12] and reuse.dropped == [("app", "t")]


def test_a_changed_definition_or_a_lost_entry_of_no_table_stops_the_reuse() -> None:
    """A definition that changed, or a function the source lost: the staged schema is not used, and why is said."""
    changed = schemadiff.compare(manifest(), found(PRE.replace("integer", "bigint")))
    assert (
        changed.reason
        == "Name: t; Type: TABLE; Schema: app; Owner: postgres changed on the source after the schema was staged"
    )
    lost = schemadiff.compare(manifest(), found(HEADER + entry(10, "t", "TABLE", "app", TABLE)))
    assert lost.reason == "Name: f(integer); Type: FUNCTION; Schema: app; Owner: postgres is no longer on the source"


def test_take_renames_the_manifest_and_ignores_another_runs(tmp_path: Path) -> None:
    """The load takes the manifest once: a retry finds none; a manifest of another run is not used."""
    manifest().write(tmp_path)
    taken = schemadiff.take(tmp_path, "run-1")
    assert taken is not None and taken.entries == manifest().entries
    assert schemadiff.take(tmp_path, "run-1") is None
    assert (tmp_path / schemadiff.CONSUMED).exists()
    manifest().write(tmp_path)
    assert schemadiff.take(tmp_path, "run-2") is None


def test_use_list_keeps_or_leaves_out_the_given_entries() -> None:
    """A pg_restore --list with only the given ids active, or all but them; comments stay comments."""
    toc = ";\n; Archive\n10; 1259 16010 TABLE app t postgres\n11; 1255 16011 FUNCTION app f(integer) postgres\n"
    assert rowsecurity.use_list(toc, [10], keep=True).splitlines()[2:] == [
        "10; 1259 16010 TABLE app t postgres",
        ";11; 1255 16011 FUNCTION app f(integer) postgres",
    ]
    assert rowsecurity.use_list(toc, [10], keep=False).splitlines()[2:] == [
        ";10; 1259 16010 TABLE app t postgres",
        "11; 1255 16011 FUNCTION app f(integer) postgres",
    ]


def test_comments_follow_the_staged_key_and_a_late_comment_stops_the_reuse() -> None:
    """A comment on a staged constraint is staged with it (pg_restore leaves a comment out when its object is left
    out); a comment added later to an object already staged cannot be restored alone: the reuse stops."""
    comment = entry(26, "CONSTRAINT t_pkey ON app.t", "COMMENT", "app", "COMMENT ON CONSTRAINT ...;", deps="20")
    entries = found(post=POST + comment)
    assert [e.dump_id for e in schemadiff.staged_post_data(entries, set())] == [20, 21, 24, 25, 26]
    staged = Manifest.of("run-1", found(), schemadiff.staged_post_data(found(), set()))
    reuse = schemadiff.compare(staged, entries)
    assert reuse.reason is not None and reuse.reason.startswith("Name: CONSTRAINT t_pkey ON app.t; Type: COMMENT")


def test_partition_index_attaches_follow_their_staged_indexes() -> None:
    """An INDEX ATTACH is staged when both indexes are, and waits when one of them belongs to a large table."""
    attach = entry(
        27,
        "big_idx",
        "INDEX ATTACH",
        "app",
        'ALTER INDEX "app"."p_idx" ATTACH PARTITION "app"."big_idx";',
        deps="24 10 25",
    )
    entries = found(post=POST + attach)
    assert 27 in [e.dump_id for e in schemadiff.staged_post_data(entries, set())]
    assert 27 not in [e.dump_id for e in schemadiff.staged_post_data(entries, {'"app"."big"'})]
