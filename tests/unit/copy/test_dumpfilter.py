"""Unit tests of copy/dumpfilter.py and copy/rowsecurity.py with the real sed and bash (no server)."""

from __future__ import annotations

import subprocess

import pytest

from timescale_migration.copy import dumpfilter, rowsecurity

pytestmark = pytest.mark.unit

DUMP = """CREATE TABLE "s"."t" (
    "a" integer
);
ALTER TABLE ONLY "s"."t" ALTER COLUMN "a" SET (pg_attver=105803768);
ALTER TABLE ONLY "s"."t" ALTER COLUMN "b" SET (pg_attver=105735832, n_distinct=-0.5);
ALTER TABLE ONLY "s"."t" ALTER COLUMN "c" SET (n_distinct=-0.5, pg_attver=105735832);
ALTER FOREIGN TABLE ONLY "s"."f" ALTER COLUMN "x" SET (pg_attver=110584888);
ALTER TABLE ONLY "s"."t" ALTER COLUMN "d" SET STATISTICS 500;
COPY "s"."t" ("a") FROM stdin;
ALTER TABLE ONLY "s"."t" ALTER COLUMN "a" SET (pg_attver=1);
\\.
ALTER TABLE ONLY "s"."t" ALTER COLUMN "e" SET (n_distinct=5);
"""

EXPECTED = """CREATE TABLE "s"."t" (
    "a" integer
);
ALTER TABLE ONLY "s"."t" ALTER COLUMN "b" SET (n_distinct=-0.5);
ALTER TABLE ONLY "s"."t" ALTER COLUMN "c" SET (n_distinct=-0.5);
ALTER TABLE ONLY "s"."t" ALTER COLUMN "d" SET STATISTICS 500;
COPY "s"."t" ("a") FROM stdin;
ALTER TABLE ONLY "s"."t" ALTER COLUMN "a" SET (pg_attver=1);
\\.
ALTER TABLE ONLY "s"."t" ALTER COLUMN "e" SET (n_distinct=5);
"""


def test_sed_leaves_the_options_out_and_copy_data_alone(tmp_path):
    """The option goes, other options of the statement stay, a statement left with none goes; a row of COPY data
    that looks like such a statement is data, untouched."""
    dump = tmp_path / "dump.sql"
    dump.write_text(DUMP, encoding="utf-8")
    out = subprocess.run(dumpfilter.sed_file_argv(["pg_attver"], str(dump)), capture_output=True, text=True, check=True)
    assert out.stdout == EXPECTED


def test_filtered_producer_output_and_failure():
    """`argv | sed` as one command: the output filtered; the producer's failure is the command's."""
    ok = subprocess.run(dumpfilter.filtered(["printf", "%s", DUMP], ["pg_attver"]), capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout == EXPECTED
    failed = subprocess.run(dumpfilter.filtered(["false"], ["pg_attver"]), capture_output=True, text=True)
    assert failed.returncode != 0


def test_only_option_names_reach_the_script():
    """Anything else is refused (it would be a regular expression)."""
    with pytest.raises(ValueError, match="not a column option name"):
        dumpfilter.sed_script(["pg_attver|.*"])


LISTING = """;
; Archive created at 2026-12-06
;
312; 1259 16390 TABLE s t postgres
4012; 2606 16400 FK CONSTRAINT s t t_fkey postgres
4013; 0 16390 ROW SECURITY s t postgres
4014; 3256 16401 POLICY s t p postgres
;4015; 0 16391 ROW SECURITY s u postgres
"""


def test_row_security_entries_split_off():
    """The listing without its ROW SECURITY entries (commented out), and those entries alone."""
    rest, last = rowsecurity.split(LISTING)
    assert ";4013; 0 16390 ROW SECURITY s t postgres" in rest.splitlines()
    assert "4012; 2606 16400 FK CONSTRAINT s t t_fkey postgres" in rest.splitlines()
    assert last == "4013; 0 16390 ROW SECURITY s t postgres\n"
    assert rowsecurity.split("312; 1259 16390 TABLE s t postgres\n")[1] == ""
