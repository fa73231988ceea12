"""rendering.py: the one Jinja2 environment of the HTML pages (templates/, one stylesheet, autoescaping) and the
formatting filters they share."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from timescale_migration import rendering
from timescale_migration.fleet import rehearsal
from timescale_migration.verify import report
from timescale_migration.verify.compare import VerifyReport

pytestmark = pytest.mark.unit

PACKAGE = Path(rendering.__file__).parent


def test_filters() -> None:
    """Durations, sizes, timestamps and counts as the pages show them; None as a dash (or the mark given)."""
    assert [rendering.seconds(v) for v in (None, 12.34, 125, 3725)] == ["—", "12.3 s", "2 min 05 s", "1 h 02 min"]
    assert rendering.seconds(3725, "-", hours=False) == "62 min 05 s"
    assert (rendering.megabytes(3 * 1_048_576), rendering.megabytes(None, "-")) == ("3.0 MB", "-")
    assert rendering.when(datetime(2026, 12, 1, 10, 0, 5, tzinfo=UTC)) == "2026-12-01 10:00:05 UTC"
    assert rendering.when("2026-12-01T10:00:05+00:00") == "2026-12-01 10:00:05"
    assert (rendering.count(4321), rendering.count(None), rendering.count("x")) == ("4,321", "—", "x")


def test_every_value_is_escaped() -> None:
    """Autoescaping: a value never reaches a page as markup."""
    page = rendering.render("gate_email.html", subject="<b>", link="http://x/?a=1&b=2", body="<script>")
    assert "<b>" not in page and "<script>" not in page and "&lt;script&gt;" in page
    assert 'href="http://x/?a=1&amp;b=2"' in page


def test_the_pages_embed_the_one_stylesheet() -> None:
    """verification.html, the rehearsals' report and the Migrations page carry templates/style.css, whole."""
    css = (PACKAGE / "templates" / "style.css").read_text(encoding="utf-8").strip()
    pages = [
        report.render_html(VerifyReport([]), {}),
        rehearsal.render_report([]),
        rendering.render("migrations/message.html", root="/m", title="t", refresh=None, message="m"),
    ]
    for page in pages:
        assert css in page


def test_no_module_escapes_html_by_hand() -> None:
    """HTML is the templates' alone: no module of the package calls html.escape or builds pages with it."""
    escaping = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if re.search(r"\bhtml\.escape\(|^import html$", path.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert escaping == []
