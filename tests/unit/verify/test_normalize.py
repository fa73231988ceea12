"""Unit tests of verify/normalize.py without a server: which NOT NULL rows each version pair compares, hidden
sections, which items are deparsed again. The deparsing itself runs on real servers in
tests/integration/test_verify_every_object.py (PostgreSQL 15 into 18)."""

from __future__ import annotations

import pytest

from timescale_migration.verify import normalize

pytestmark = pytest.mark.unit

CONSTRAINTS = {
    "public.t.t_pkey": "p PRIMARY KEY (id)",
    "public.t.t_id_not_null": "n column NOT NULL id",
    "public.flag.flag_not_null": "n domain NOT NULL",
    "public.t.named": "n column NOT NULL v NOT VALID",
}


@pytest.mark.parametrize(
    ("source", "target", "kept"),
    [
        (15, 17, {"public.t.t_pkey"}),
        (15, 18, {"public.t.t_pkey"}),
        (16, 18, {"public.t.t_pkey"}),
        (17, 17, {"public.t.t_pkey", "public.flag.flag_not_null"}),
        (17, 18, {"public.t.t_pkey", "public.flag.flag_not_null"}),
        (18, 18, set(CONSTRAINTS)),
    ],
)
def test_not_null_rows_only_where_both_versions_keep_them(source, target, kept):
    """A domain's NOT NULL row from 17, a column's from 18: left out on both sides where the older one lacks them."""
    src, tgt = normalize.normalized({"constraints": CONSTRAINTS}, {"constraints": CONSTRAINTS}, source, target, None)
    assert set(src["constraints"]) == kept and set(tgt["constraints"]) == kept


def test_a_check_constraint_text_is_not_a_not_null_row():
    """Only kind 'n' marked domain or column counts."""
    assert normalize.not_null_kind("c CHECK ((n IS NOT NULL))") is None
    assert normalize.not_null_kind("n column NOT NULL id") == "column"


def test_hidden_sections_are_not_compared():
    """The texts kept for deparsing again never reach the comparison."""
    src, tgt = normalize.normalized(
        {normalize.VIEW_TEXTS: {"v": "SELECT 1"}, "tables": {"v": "view"}},
        {normalize.VIEW_TEXTS: {"v": "SELECT 1"}, "tables": {"v": "view"}},
        17,
        17,
        None,
    )
    assert src == tgt == {"tables": {"v": "view"}}


def test_only_items_differing_in_their_hashed_text_are_deparsed_again():
    """Same kind and attributes, another hash: a candidate; another attribute: a real difference, left alone."""
    source = {
        "functions": {
            "f()": "function sql immutable definition aaa",
            "g()": "function sql stable definition aaa",
            "h()": "function sql immutable definition bbb",
        }
    }
    target = {
        "functions": {
            "f()": "function sql immutable definition ccc",
            "g()": "function sql immutable definition ddd",
            "h()": "function sql immutable definition bbb",
        }
    }
    assert normalize._differing(source, target, "functions", normalize.DEFINITION) == ["f()"]


class RefusingConnection:
    """A session whose every statement fails, as a target that cannot take the source's text."""

    broken = False

    def transaction(self, **kwargs):
        raise normalize.psycopg.errors.SyntaxError("no")


def test_a_text_the_target_refuses_stays_a_difference():
    """The source's text cannot be deparsed again on the target: the difference is kept."""
    source = {"view definitions": {"v": "view query aaa"}, normalize.VIEW_TEXTS: {"v": "SELECT broken"}}
    target = {"view definitions": {"v": "view query bbb"}}
    src, _ = normalize.normalized(source, target, 15, 18, RefusingConnection())
    assert src["view definitions"]["v"] == "view query aaa"
