"""Unit tests of timescale_migration.verify.report: verification.json and verification.html in a work directory."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from timescale_migration.checks.findings import WARNING, Finding
from timescale_migration.verify import report
from timescale_migration.verify.compare import Check, VerifyReport

pytestmark = pytest.mark.unit

ODD = '"public"."<b>&\'quoted\'"'
"""A relation name with every character HTML must escape."""


def data(name: str, source: int | None, target: int | None, kind: str = "table") -> Check:
    """A data check as compare_data makes it."""
    ok = source == target
    return Check(
        "data",
        name,
        source,
        target,
        ok,
        "" if ok else f"source {source} rows, target {target} rows",
        {"kind": kind, "checksum_match": ok, "source_seconds": 0.5, "target_seconds": 1.25},
    )


def ok_report() -> VerifyReport:
    """Everything identical."""
    return VerifyReport(
        [
            data('"public"."orders"', 1200, 1200),
            data(ODD, 3, 3),
            Check("sequences", '"public"."orders_id_seq"', "last_value=1200", "last_value=1200", True),
            Check("indexes", '"public"."orders_pkey"', "btree (id)", "btree (id)", True),
            Check("timescaledb state", "background worker scheduler", ">= 1", 1, True),
        ],
        timings={"load seconds": 12.25},
    )


def bad_report() -> VerifyReport:
    """Differences in data, structure (with a name to escape) and TimescaleDB's state."""
    return VerifyReport(
        [
            data('"public"."orders"', 1200, 1199),
            data(ODD, 3, 3),
            Check("indexes", 'idx_<a href="x">', "btree (a)", None, False, "missing on the target"),
            Check(
                "timescaledb state",
                "background worker scheduler",
                ">= 1",
                0,
                False,
                "no TimescaleDB scheduler runs for the target database: jobs will not run",
            ),
        ]
    )


CONTEXT = {
    "source": "source 'src' (db.example:5432/app as postgres)",
    "target": "target <tsdb> & more",
    "run": "manual__2026",
}


def test_write_creates_private_files(tmp_path: Path) -> None:
    """Both files are written in the run dir with mode 0600, and their paths returned."""
    json_path, html_path = report.write(ok_report(), tmp_path, CONTEXT)
    assert json_path == tmp_path / "verification.json"
    assert html_path == tmp_path / "verification.html"
    for path in (json_path, html_path):
        assert path.is_file()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_write_overwrites_previous_report(tmp_path: Path) -> None:
    """A second write (a retried verify) replaces the first report."""
    report.write(bad_report(), tmp_path, CONTEXT)
    json_path, html_path = report.write(ok_report(), tmp_path, CONTEXT)
    assert json.loads(json_path.read_text(encoding="utf-8"))["summary"]["ok"] is True
    assert "difference(s)" not in html_path.read_text(encoding="utf-8")


def test_write_tightens_existing_file_mode(tmp_path: Path) -> None:
    """A report file that already exists world-readable is made private too (as workdir.private_file does)."""
    existing = tmp_path / "verification.json"
    existing.write_text("{}")
    existing.chmod(0o644)
    json_path, _ = report.write(ok_report(), tmp_path, CONTEXT)
    assert stat.S_IMODE(json_path.stat().st_mode) == 0o600


def test_json_has_summary_checks_context(tmp_path: Path) -> None:
    """The JSON holds the context, the summary and every check."""
    json_path, _ = report.write(bad_report(), tmp_path, CONTEXT)
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert set(data) == {"summary", "checks", "context", "preflight"}
    assert data["context"] == CONTEXT
    assert data["summary"]["ok"] is False
    assert data["summary"]["tables"] == 2
    assert len(data["summary"]["differences"]) == 3
    assert [c["name"] for c in data["checks"]] == [
        '"public"."orders"',
        ODD,
        'idx_<a href="x">',
        "background worker scheduler",
    ]
    assert data["checks"][0]["extra"]["kind"] == "table"


def test_json_serializes_unusual_values(tmp_path: Path) -> None:
    """Values JSON does not know (a Path in the context) are written as text."""
    json_path, _ = report.write(ok_report(), tmp_path, {"work_dir": tmp_path})
    assert json.loads(json_path.read_text(encoding="utf-8"))["context"] == {"work_dir": str(tmp_path)}


def test_html_escapes_names(tmp_path: Path) -> None:
    """Names and context with <, &, and quotes are escaped (as Jinja2's autoescaping writes them), never raw."""
    _, html_path = report.write(bad_report(), tmp_path, CONTEXT)
    page = html_path.read_text(encoding="utf-8")
    assert ODD not in page
    assert "<b>" not in page
    assert "&#34;public&#34;.&#34;&lt;b&gt;&amp;&#39;quoted&#39;&#34;" in page
    assert 'idx_<a href="x">' not in page
    assert "idx_&lt;a href=&#34;x&#34;&gt;" in page
    assert "target &lt;tsdb&gt; &amp; more" in page
    assert "source &#39;src&#39;" in page


def test_html_ok_banner(tmp_path: Path) -> None:
    """A clean run says the target holds what the source held, and lists no differences."""
    _, html_path = report.write(ok_report(), tmp_path, CONTEXT)
    page = html_path.read_text(encoding="utf-8")
    assert "<p class='banner ok'>The target holds what the source held.</p>" in page
    assert "<h2>Differences</h2>" not in page
    assert "DIFFERS" not in page


def test_html_failure_banner_and_differences(tmp_path: Path) -> None:
    """A failed run says how many differences there are and lists each."""
    _, html_path = report.write(bad_report(), tmp_path, CONTEXT)
    page = html_path.read_text(encoding="utf-8")
    assert "<p class='banner bad'>3 difference(s): the target does not hold what the source held.</p>" in page
    differences = page.split("<h2>Differences</h2><ul>", 1)[1].split("</ul>", 1)[0]
    assert differences.count("<li>") == 3
    assert "<li>data &#34;public&#34;.&#34;orders&#34;: source 1200 rows, target 1199 rows</li>" in differences
    assert "missing on the target" in differences
    assert "jobs will not run" in differences
    assert page.count('<span class="bad">DIFFERS</span>') >= 3


def test_html_summary_table(tmp_path: Path) -> None:
    """Counts, rows with thousands separators and timings are shown."""
    _, html_path = report.write(VerifyReport([data("big", 1_234_567, 1_234_567)], {"load seconds": 12.5}), tmp_path, {})
    page = html_path.read_text(encoding="utf-8")
    assert "<tr><th>rows</th><td>1,234,567</td></tr>" in page
    assert "<tr><th>relations</th><td>1</td></tr>" in page
    assert "<tr><th>load seconds</th><td>12.5 s</td></tr>" in page
    assert "0.50 / 1.25" in page


def test_html_sections() -> None:
    """Structure and TimescaleDB sections summarize each section; without them neither heading appears."""
    page = report.render_html(bad_report(), CONTEXT)
    assert "<h2>Structure</h2>" in page
    assert "<h2>TimescaleDB</h2>" in page
    assert "<tr><td>indexes</td><td class='num'>0 of 1</td>" in page
    only_data = report.render_html(VerifyReport([data("t", 1, 1)]), {})
    assert "<h2>Structure</h2>" not in only_data
    assert "<h2>TimescaleDB</h2>" not in only_data


def test_html_missing_value_shown_as_dash() -> None:
    """An absent side shows a dash, not "None"."""
    gone = Check("data", "gone", 5, None, False, "missing on the target (source has 5 rows)", {"kind": "table"})
    page = report.render_html(VerifyReport([gone]), {})
    assert "<td class='num'>5</td><td class='num'>—</td>" in page
    assert "None" not in page


def test_sequences_are_data_not_structure() -> None:
    """Sequence values and large objects are listed with the data, before the structure sections."""
    page = report.render_html(ok_report(), CONTEXT)
    values = page.index("<h2>Sequences and large objects</h2>")
    structure = page.index("<h2>Structure</h2>")
    assert values < page.index("<tr><td>sequences</td>") < structure
    assert page.index("<tr><td>indexes</td>") > structure


def test_html_session_defaults_section_shows_every_setting_open() -> None:
    """Database and role settings have their own section, listed open, with an accepted difference's reason."""
    checks = [
        Check("database settings", "database TimeZone", "America/New_York", "America/New_York", True),
        Check(
            "database settings",
            "database lc_messages",
            "C",
            None,
            True,
            "expected, shown at the stop_apps gate: only a superuser may set it",
        ),
        Check("indexes", "public.i", "btree", "btree", True),
    ]
    page = report.render_html(VerifyReport(checks), CONTEXT)
    section = page.index("<h2>Session defaults: database and role-in-database settings</h2>")
    assert section > page.index("<h2>Structure</h2>")
    assert "<details open><summary>database settings: every item</summary>" in page
    assert "<tr><td><code>database TimeZone</code></td><td>America/New_York</td><td>America/New_York</td>" in page
    assert '<span class="ok">ok</span> (expected, shown at the stop_apps gate: only a superuser may set it)' in page
    assert page.index("<tr><td>indexes</td>") < section


def test_html_owners_and_privileges_have_their_own_section() -> None:
    """Owners and privileges are summarized apart from the rest of the structure."""
    checks = [
        Check("privileges", 'table "s"."t"', '{"owner": "app"}', '{"owner": "postgres"}', False, "differs"),
        Check("indexes", "public.i", "btree", "btree", True),
    ]
    page = report.render_html(VerifyReport(checks), CONTEXT)
    section = page.index("<h2>Owners and privileges</h2>")
    assert (
        page.index("<tr><td>privileges</td><td class='num'>0 of 1</td>") > section > page.index("<tr><td>indexes</td>")
    )


def test_preflight_section(tmp_path: Path) -> None:
    """The checks' findings before the downtime are kept in both files: each with severity, check, subject, cause
    and remedy, escaped; a run without findings says so."""
    finding = Finding(
        "locale",
        WARNING,
        "LC_COLLATE: source C, target <en_US>",
        "text sorts differently",
        remedy="create the target with LC_COLLATE C",
    )
    json_path, html_path = report.write(ok_report(), tmp_path, CONTEXT, [finding])
    assert [Finding.from_dict(f) for f in json.loads(json_path.read_text(encoding="utf-8"))["preflight"]] == [finding]
    page = html_path.read_text(encoding="utf-8")
    section = page.split("<h2 id='preflight'>Preflight</h2>", 1)[1]
    assert "1 finding(s) of the checks before the downtime" in section
    assert "<td>locale</td><td><code>LC_COLLATE: source C, target &lt;en_US&gt;</code></td>" in section
    assert "<td>create the target with LC_COLLATE C</td>" in section
    _, html_path = report.write(ok_report(), tmp_path, CONTEXT)
    assert "found nothing to report" in html_path.read_text(encoding="utf-8")
