"""The Migrations page's HTML: self-contained pages (no external assets), every value escaped.

Links between the app's pages are absolute paths under the app's mount point (`root`: the api-server's base path
plus /migrations), so they work inside the Airflow UI's frame and on their own. Links to Airflow's own pages carry
`data-airflow`: inside the UI's frame a small script has the UI itself open them (the frame may not navigate the
window), elsewhere they are ordinary links.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from timescale_migration import phases
from timescale_migration.checks.findings import Finding
from timescale_migration.fleet import rehearsal
from timescale_migration.fleet.rehearsal import RehearsalRecord
from timescale_migration.ui.links import run_path
from timescale_migration.ui.model import Migration, Outcome, Overview

CSS = """
body { font-family: system-ui, sans-serif; margin: 1.2em 1.6em; color: #1b1f24; }
h1 { font-size: 1.4em; margin: .2em 0 .6em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
nav.top a { margin-right: 1.2em; }
table { border-collapse: collapse; margin: .5em 0; font-size: .92em; }
th, td { border: 1px solid #d0d7de; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1a7f37; font-weight: 600; } .bad { color: #cf222e; font-weight: 600; }
.wait { color: #bc4c00; font-weight: 600; } .running { color: #0969da; font-weight: 600; }
.neutral { color: #57606a; }
.banner { padding: .7em 1em; border-radius: 6px; font-weight: 600; }
.banner.ok { background: #dafbe1; } .banner.bad { background: #ffebe9; } .banner.wait { background: #fff1e5; }
.banner.running { background: #ddf4ff; } .banner.neutral { background: #f6f8fa; }
code { background: #f6f8fa; padding: 0 .25em; } .muted { color: #57606a; font-size: .9em; }
"""

SCRIPT = """
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-airflow]");
  if (!link || window.top === window) return;
  try {
    var top = window.top, state = top.history.state || {};
    if (top.location.origin !== window.location.origin) return;
    event.preventDefault();
    top.history.pushState({usr: null, key: Math.random().toString(36).slice(2, 10), idx: (state.idx || 0) + 1},
                          "", link.href);
    top.dispatchEvent(new PopStateEvent("popstate", {state: top.history.state}));
  } catch (error) { /* another origin: the frame follows the link itself */ }
});
"""


def e(value: Any) -> str:
    """Escaped text; None as a dash."""
    return html.escape("—" if value is None else str(value))


def when(value: datetime | str | None) -> str:
    """A UTC timestamp to the second."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return e(value.replace("T", " ")[:19])
    return e(value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))


def seconds(value: float | None) -> str:
    """Seconds as '12.3 s' or '4 min 05 s'."""
    if value is None:
        return "—"
    minutes, rest = divmod(round(value), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {rest:02d} s" if minutes else f"{value:.1f} s"


def megabytes(value: int | None) -> str:
    return "—" if value is None else f"{value / 1_048_576:,.1f} MB"


def tone(outcome: Outcome) -> str:
    return f"<span class='{outcome.tone}'>{e(outcome.label)}</span>"


def page(title: str, root: str, body: Iterable[str], *, refresh: int | None = None) -> str:
    """A whole page: title, navigation, body."""
    head = f"<meta http-equiv='refresh' content='{refresh}'>" if refresh else ""
    return "\n".join([
        "<!doctype html><html><head><meta charset='utf-8'>", head, f"<title>{e(title)}</title>",
        f"<style>{CSS}</style><script>{SCRIPT}</script></head><body>",
        f"<nav class='top'><a href='{root}/'>Migrations</a><a href='{root}/#rehearsals'>Rehearsals</a>"
        f"<a href='{root}/#ledger'>Ledger</a></nav>",
        f"<h1>{e(title)}</h1>", *body, "</body></html>",
    ])


def airflow_run_link(airflow_root: str, dag_id: str, run_id: str, text: str = "open the run in Airflow") -> str:
    """A link to the run's page in the Airflow UI (grid, logs)."""
    href = f"{airflow_root}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"
    return f"<a data-airflow href='{e(href)}'>{e(text)}</a>"


def run_link(root: str, dag_id: str, run_id: str, text: str | None = None) -> str:
    return f"<a href='{e(run_path(dag_id, run_id, prefix=root))}'>{e(text or run_id)}</a>"


# --- the overview -----------------------------------------------------------------------------------------------------


def overview_page(data: Overview, root: str) -> str:
    """Every migration, the rehearsals with their downtime trend, the ledger."""
    active = any(m.outcome.tone in ("running", "wait") for m in data.migrations)
    body = [
        "<p class='muted'>Every run of <code>migrate_database</code> (newest first), the rehearsals and the ledger. "
        "A run's page has its preflight checks, its verification report and every phase.</p>",
        "<h2 id='migrations'>Migrations</h2>",
        *migrations_table(data.migrations, root),
        "<h2 id='rehearsals'>Rehearsals</h2>",
        *rehearsals_section(data.rehearsals, root),
        "<h2 id='ledger'>Ledger</h2>",
        *ledger_table(data.ledger, root),
        "<p class='muted'>Work directories read: "
        + ", ".join(f"<code>{e(path)}</code>" for path in data.work_dirs) + "</p>",
    ]
    return page("Timescale migrations", root, body, refresh=30 if active else None)


def migrations_table(found: list[Migration], root: str) -> list[str]:
    if not found:
        return ["<p>No migration yet: trigger <code>migrate_database</code> (Dags → migrate_database → Trigger).</p>"]
    rows = ["<table class='migrations'><tr><th>run</th><th>kind</th><th>source → target</th><th>started</th>"
            "<th>state</th><th>downtime</th><th>verification</th><th>reports</th></tr>"]
    for m in found:
        reports = [run_link(root, m.dag_id, m.run_id, "run")]
        if m.has_verification_report:
            reports.append(f"<a href='{e(run_path(m.dag_id, m.run_id, prefix=root))}verification.html'>"
                           "verification</a>")
        rows.append(
            f"<tr><td>{run_link(root, m.dag_id, m.run_id)}</td><td>{e(m.kind)}</td>"
            f"<td>{e(m.source)} → {e(m.target)}</td><td>{when(m.run.start or m.run.queued)}</td>"
            f"<td>{tone(m.outcome)}</td><td class='num'>{seconds(m.downtime_s)}</td>"
            f"<td>{tone(m.verification_text)}</td><td>{' · '.join(reports)}</td></tr>")
    rows.append("</table>")
    return rows


def rehearsals_section(history: list[RehearsalRecord], root: str) -> list[str]:
    if not history:
        return ["<p>No rehearsal yet: <code>rehearse_migrations</code> (paused when created) rehearses the databases "
                "of <code>include/rehearsals.json</code> into scratch databases.</p>"]
    latest: dict[str, RehearsalRecord] = {}
    for record in history:
        latest[record.name] = record
    rows = ["<table class='rehearsals'><tr><th>database</th><th>rehearsed at</th><th>size</th><th>format</th>"
            "<th>predicted downtime</th><th>verification</th><th>run</th></tr>"]
    for r in latest.values():
        verified = ("<span class='ok'>verified</span>" if r.verified
                    else f"<span class='bad'>NOT verified</span> {e((r.error or '')[:300])}")
        rows.append(f"<tr><td>{e(r.name)}</td><td>{when(r.rehearsed_at)}</td><td class='num'>"
                    f"{megabytes(r.size_bytes)}</td><td>{e(r.dump_format)}</td><td class='num'><b>"
                    f"{seconds(r.predicted_downtime_s)}</b></td><td>{verified}</td>"
                    f"<td>{run_link(root, phases.DAG_ID, r.child_run_id)}</td></tr>")
    rows.append("</table>")
    return [
        "<p>Latest rehearsal of each database. Predicted downtime: from the first downtime phase to the end of "
        "verification in a rehearsal into a scratch database.</p>",
        *rows,
        "<h3>Trend of the predicted downtime</h3>",
        f"<div class='trend'>{rehearsal.trend_svg(history)}</div>",
        f"<p><a href='{root}/rehearsals/'>Every rehearsal, phase by phase</a> ({len(history)} recorded)</p>",
    ]


def ledger_table(records: list[dict[str, Any]], root: str) -> list[str]:
    if not records:
        return ["<p>No verified migration recorded: the ledger holds one record per target database that a "
                "migration loaded and verified (a rollback removes it).</p>"]
    rows = ["<table class='ledger'><tr><th>target connection</th><th>database</th><th>source</th><th>verified at</th>"
            "<th>relations</th><th>rows</th><th>run</th></tr>"]
    for r in records:
        run = (run_link(root, str(r.get("dag_id") or phases.DAG_ID), str(r["run_id"])) if r.get("run_id") else "—")
        rows.append(f"<tr><td>{e(r.get('target_conn_id'))}</td><td>{e(r.get('target_database'))}</td>"
                    f"<td>{e(r.get('source'))}</td><td>{when(r.get('verified_at'))}</td>"
                    f"<td class='num'>{e(r.get('tables'))}</td><td class='num'>{_count(r.get('rows'))}</td>"
                    f"<td>{run}</td></tr>")
    rows.append("</table>")
    return ["<p>Each target database a migration loaded and verified; <code>migrate_fleet</code> skips them.</p>",
            *rows]


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else e(value)


# --- one run ----------------------------------------------------------------------------------------------------------


def run_page(m: Migration, root: str, airflow_root: str) -> str:
    """One run: where it is, its preflight report, its gates, its verification, every phase."""
    outcome = m.outcome
    here = run_path(m.dag_id, m.run_id, prefix=root)
    body = [
        f"<p class='banner {outcome.tone}'>{e(outcome.label)}</p>",
        "<table class='summary'>",
        f"<tr><th>run</th><td><code>{e(m.run_id)}</code> ({e(m.kind)}) — "
        f"{airflow_run_link(airflow_root, m.dag_id, m.run_id)}</td></tr>",
        f"<tr><th>Airflow state</th><td>{e(m.run.state)}</td></tr>",
        f"<tr><th>source</th><td>{e(m.source)}</td></tr>",
        f"<tr><th>target</th><td>{e(m.target)}</td></tr>",
        f"<tr><th>started</th><td>{when(m.run.start)}</td></tr>",
        f"<tr><th>ended</th><td>{when(m.run.end)}</td></tr>",
        f"<tr><th>{'predicted downtime' if m.rehearsal else 'downtime'}</th><td>{seconds(m.downtime_s)} "
        "<span class='muted'>(from the first downtime phase to the end of verify)</span></td></tr>",
        f"<tr><th>verification</th><td>{tone(m.verification_text)}</td></tr>",
        f"<tr><th>work directory</th><td><code>{e(m.run_dir)}</code></td></tr>",
        "</table>",
        "<h2 id='preflight'>Preflight</h2>", *preflight_section(m),
        "<h2 id='gates'>Gates</h2>", *gates_section(m),
        "<h2 id='verification'>Verification</h2>", *verification_section(m, here),
        "<h2 id='phases'>Phases</h2>", *phases_table(m),
    ]
    refresh = 15 if outcome.tone in ("running", "wait") else None
    return page(f"Migration {m.run_id}", root, body, refresh=refresh)


def preflight_section(m: Migration) -> list[str]:
    parts = ["<table class='checks'><tr><th>check</th><th>state</th><th>refused because</th></tr>"]
    for task, state, error in m.preflight:
        css = "ok" if state == "success" else "bad" if state == "failed" else "neutral"
        parts.append(f"<tr><td>{e(task)}</td><td class='{css}'>{e(state or 'not run')}</td><td>{e(error)}</td></tr>")
    parts.append("</table>")
    plan = m.plan
    if plan:
        source, target = plan.get("source") or {}, plan.get("target") or {}
        tools = plan.get("client_tools") or {}
        ts = plan.get("timescaledb") or {}
        extensions = ", ".join(f"{name} {info.get('version', '')}" for name, info in sorted(m.extensions.items()))
        parts += [
            "<table class='plan'><tr><th></th><th>source</th><th>target</th></tr>",
            f"<tr><th>PostgreSQL</th><td>{e(source.get('version'))}</td><td>{e(target.get('version'))}</td></tr>",
            f"<tr><th>database size</th><td class='num'>{megabytes(source.get('database_bytes'))}</td>"
            f"<td class='num'>{megabytes(target.get('database_bytes'))}</td></tr>",
            f"<tr><th>encoding</th><td>{e(source.get('encoding'))}</td><td>{e(target.get('encoding'))}</td></tr>",
            f"<tr><th>login</th><td>{e(source.get('user_name'))}</td><td>{e(target.get('user_name'))}</td></tr>",
            f"<tr><th>TimescaleDB</th><td>{e(ts.get('version') or '-')}</td><td>{e(ts.get('version') or '-')}</td>"
            "</tr></table>",
            f"<p>Client tools: PostgreSQL {e(tools.get('version'))} in <code>{e(tools.get('bin_dir'))}</code>. "
            f"Extensions on the source: {e(extensions or 'none')}."
            + (f" TimescaleDB on the target was aligned ({e(plan.get('aligned'))})." if plan.get("aligned") else "")
            + ("" if plan.get("role_passwords", True) else " Role passwords could not be read: roles arrive "
               "without them.") + "</p>",
        ]
    found = m.findings
    if found:
        parts += [f"<p><b>{len(found)} finding(s)</b>, shown at the stop_apps gate:</p>",
                  "<table class='findings'><tr><th>severity</th><th>check</th><th>about</th><th>what it means</th>"
                  "</tr>", *[_finding_row(f) for f in found], "</table>"]
    elif plan:
        parts.append("<p>No finding: nothing the target will not get.</p>")
    return parts


def _finding_row(f: Finding) -> str:
    css = "bad" if f.severity == "blocking" else "wait"
    return (f"<tr><td class='{css}'>{e(f.severity)}</td><td>{e(f.check)}</td><td>{e(f.subject)}</td>"
            f"<td>{e(f.explain())}</td></tr>")


def gates_section(m: Migration) -> list[str]:
    rows = ["<table class='gates'><tr><th>gate</th><th>state</th><th>answer</th></tr>"]
    for gate in phases.GATES:
        answer = ", ".join(m.chosen(gate)) or ("waiting for a person" if m.state(gate) == "awaiting_input" else None)
        by = m.answered_by(gate)
        rows.append(f"<tr><td>{e(gate)}</td><td>{e(m.state(gate) or 'not run')}</td><td>{e(answer)}"
                    + (f" <span class='muted'>({e(by)})</span>" if by else "") + "</td></tr>")
    rows.append("</table>")
    if m.waiting_at:
        rows.append("<p>Answer it in Airflow: Browse → Required Actions, or the task's Required Actions tab.</p>")
    return rows


def verification_section(m: Migration, here: str) -> list[str]:
    summary = m.verification
    if summary is None:
        return [f"<p>{tone(m.verification_text)}</p>"]
    ok = bool(summary.get("ok"))
    parts = [
        f"<p class='banner {'ok' if ok else 'bad'}'>"
        + ("The target holds what the source held." if ok else
           f"{len(summary.get('differences') or [])} difference(s): the target does not hold what the source held.")
        + "</p>",
        "<table class='verification'>",
        f"<tr><th>relations compared</th><td class='num'>{_count(summary.get('tables'))}</td></tr>",
        f"<tr><th>rows</th><td class='num'>{_count(summary.get('rows'))}</td></tr>",
        f"<tr><th>sequences</th><td class='num'>{_count(summary.get('sequences'))}</td></tr>",
        f"<tr><th>structure items</th><td class='num'>{_count(summary.get('structure_items'))}</td></tr>",
        *[f"<tr><th>{e(k)}</th><td class='num'>{seconds(v)}</td></tr>"
          for k, v in (summary.get("timings") or {}).items() if isinstance(v, int | float)],
        "</table>",
    ]
    if not ok:
        parts += ["<ul>", *[f"<li>{e(d)}</li>" for d in (summary.get("differences") or [])[:200]], "</ul>"]
    if m.has_verification_report:
        parts.append(f"<p><a class='report' href='{e(here)}verification.html'>Verification report</a>: every "
                     f"relation, sequence and structure item compared · <a href='{e(here)}verification.json'>"
                     "as JSON</a></p>")
    else:
        parts.append("<p class='muted'>The report file is not in the work directory (yet, or any more).</p>")
    return parts


def phases_table(m: Migration) -> list[str]:
    rows = ["<table class='phases'><tr><th>task</th><th>state</th><th>started</th><th>ended</th><th>seconds</th>"
            "</tr>"]
    failure = m.failure or {}
    for row in m.task_rows:
        css = {"success": "ok", "failed": "bad", "awaiting_input": "wait"}.get(row.state or "", "neutral")
        error = (f"<br><span class='bad'>{e(failure.get('error'))}</span>"
                 if failure.get("task_id") == row.task_id else "")
        rows.append(f"<tr><td>{e(row.task_id)}{error}</td><td class='{css}'>{e(row.state or 'no status')}</td>"
                    f"<td>{when(row.start)}</td><td>{when(row.end)}</td><td class='num'>{seconds(row.seconds)}</td>"
                    "</tr>")
    rows.append("</table>")
    return rows


# --- files verify and the rehearsals wrote --------------------------------------------------------------------------


def framed_report(report_html: str, back: str, title: str) -> str:
    """verification.html as verify wrote it, with a line leading back to the run's page."""
    bar = (f"<p style='font-family:system-ui,sans-serif'><a href='{e(back)}'>← {e(title)}</a></p>")
    head, marker, rest = report_html.partition("<body>")
    return f"{head}{marker}{bar}{rest}" if marker else bar + report_html


def rehearsals_page(history: list[RehearsalRecord], root: str) -> str:
    """fleet/rehearsal.py's trend report of every rehearsal recorded, with a line back to the overview."""
    return framed_report(rehearsal.render_report(history), f"{root}/#rehearsals", "Migrations")


def not_found_page(root: str, what: str) -> str:
    return page("Not found", root, [f"<p>{e(what)}</p>"])


def unauthenticated_page(login_url: str) -> str:
    return ("<!doctype html><html><head><meta charset='utf-8'><title>Sign in</title></head><body "
            "style='font-family:system-ui,sans-serif'><h1>Sign in to Airflow first</h1>"
            f"<p>The Migrations page is behind Airflow's login: <a href='{e(login_url)}'>sign in</a>.</p>"
            "</body></html>")


def forbidden_page() -> str:
    return ("<!doctype html><html><head><meta charset='utf-8'><title>Forbidden</title></head><body "
            "style='font-family:system-ui,sans-serif'><h1>Not allowed</h1><p>Reading the Migrations page needs "
            f"permission to read the runs of the {e(phases.DAG_ID)} DAG.</p></body></html>")
