"""Unit tests of operators/dump_data.py: execute() with a fake pg_dump script, in each format."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.unit.operators.conftest import SOURCE_PASSWORD, make_plan, write_tools
from timescale_migration.exceptions import ClientToolFailed
from timescale_migration.operators.dump_data import DumpDataOperator

pytestmark = pytest.mark.unit

FAKE_PG_DUMP = """for a in "$@"; do case "$a" in --file=*) out="${a#--file=}";; esac; done
printf -- '-- argv: %s\\n' "$*" > "$out"
printf -- '-- db=%s user=%s host=%s pw=%s\\n' "$PGDATABASE" "$PGUSER" "$PGHOST" "$PGPASSWORD" >> "$out"
echo "pg_dump: dumping contents"
"""


# --- execute ----------------------------------------------------------------------------------------------------------


def test_execute_writes_private_dump(tmp_path: Path, make_context, work_dir: Path) -> None:
    """pg_dump runs with the guide's flags and the source's libpq environment; the dump ends private in place."""
    tools = write_tools(tmp_path / "bin", scripts={"pg_dump": FAKE_PG_DUMP})
    result = DumpDataOperator(task_id="dump_data").execute(make_context(make_plan(tools)))
    dump = Path(result["dump_file"])
    assert dump.name == "dump.sql"
    assert dump.parent.parent.parent == work_dir
    content = dump.read_text()
    assert "--format=plain --quote-all-identifiers --no-tablespaces --no-owner --no-privileges --file=" in content
    assert f"-- db=appdb user=postgres host=source.example pw={SOURCE_PASSWORD}\n" in content
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert result["bytes"] == dump.stat().st_size
    assert sorted(p.name for p in dump.parent.iterdir()) == ["dump.sql"]
    assert type(result["format"]) is str and result["format"] == "plain"


@pytest.mark.parametrize("dump_format", ["stream", "parallel"])
def test_execute_streamed_formats_write_nothing(tmp_path: Path, make_context, work_dir: Path, dump_format: str) -> None:
    """stream and parallel: no pg_dump here (load reads the source itself); the XCom says so in plain strings."""
    tools = write_tools(tmp_path, scripts={"pg_dump": "exit 7"})  # never run
    result = DumpDataOperator(task_id="dump_data").execute(make_context(make_plan(tools), dump_format=dump_format))
    assert not any(work_dir.rglob("dump*"))
    assert result == {"format": dump_format, "dump_file": None, "bytes": 0, "seconds": 0.0}
    assert type(result["format"]) is str


def test_execute_password_not_in_argv(tmp_path: Path, make_context) -> None:
    """The password reaches pg_dump through the environment only."""
    tools = write_tools(tmp_path / "bin", scripts={"pg_dump": FAKE_PG_DUMP})
    dump = Path(DumpDataOperator(task_id="dump_data").execute(make_context(make_plan(tools)))["dump_file"])
    argv_line = dump.read_text().splitlines()[0]
    assert SOURCE_PASSWORD not in argv_line
    assert "source.example" not in argv_line


def test_execute_failure_cleans_up(tmp_path: Path, make_context, work_dir: Path) -> None:
    """A failing pg_dump raises naming the source and the tool's output, and leaves no dump or partial file."""
    body = 'echo "pg_dump: error: connection to server failed" >&2; exit 1'
    tools = write_tools(tmp_path / "bin", scripts={"pg_dump": body})
    context = make_context(make_plan(tools))
    stale = DumpDataOperator(task_id="dump_data").run_dir(context) / "dump.sql"
    stale.write_text("from an earlier attempt")
    with pytest.raises(ClientToolFailed) as err:
        DumpDataOperator(task_id="dump_data").execute(context)
    message = str(err.value)
    assert message.startswith("dumping source ")
    assert "source.example:5432/appdb" in message
    assert "exited with code 1" in message
    assert "connection to server failed" in message
    assert SOURCE_PASSWORD not in message
    assert list(stale.parent.iterdir()) == []
