"""A worker's two long-lived sessions, driven against a stand-in psql (a small script reading its commands from
standard input): tables meet at their FIFOs, failures and kills end both sessions and name the side."""

from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path

import pytest

from timescale_migration.copy.copysessions import CopySessions, SessionCopy, fifo_directory, fifo_literal, one_line
from timescale_migration.exceptions import ClientToolFailed

pytestmark = pytest.mark.unit
LOG = logging.getLogger("test")

FAKE_PSQL = r"""
import re, sys, time
record = open(sys.argv[1], "a")
for line in sys.stdin:
    line = line.rstrip("\n")
    record.write(line + "\n"); record.flush()
    if line.startswith("\\echo "):
        print(line[6:], flush=True)
    elif m := re.match(r"\\copy (\S+) to '([^']+)'", line):
        with open(m.group(2), "w") as fifo:
            fifo.write(f"rows of {m.group(1)}\n")
    elif m := re.match(r"\\copy (\S+) from '([^']+)'", line):
        with open(m.group(2)) as fifo:
            record.write("received " + fifo.read())
    elif line.startswith("FAIL"):
        print("ERROR:  " + line, flush=True)
        sys.exit(3)
    elif line.startswith("SLEEP"):
        time.sleep(60)
    elif line.startswith("QUIT"):
        sys.exit(0)
"""


@pytest.fixture
def sessions(tmp_path: Path) -> CopySessions:
    """A pair of stand-in psql sessions recording what they are sent into source.log and target.log."""
    fake = tmp_path / "fake_psql.py"
    fake.write_text(FAKE_PSQL)
    return CopySessions(
        ([sys.executable, str(fake), str(tmp_path / "source.log")], {}, ("SETUP source;",)),
        ([sys.executable, str(fake), str(tmp_path / "target.log")], {}, ("SETUP target;",)),
        LOG,
    )


def table(tmp_path: Path, name: str, *, writer_first: tuple[str, ...] = ()) -> SessionCopy:
    """One table's commands for the stand-ins."""
    fifo = tmp_path / f"{name}.fifo"
    return SessionCopy(fifo, (f"\\copy {name} to '{fifo}'",), (*writer_first, f"\\copy {name} from '{fifo}'"))


def test_tables_pass_through_their_fifos_after_the_setup(sessions: CopySessions, tmp_path: Path) -> None:
    """Setup first, then each table's commands; the target receives each table's rows; FIFOs are removed; both
    sessions end cleanly."""
    for name in ("a", "b"):
        assert sessions.copy(table(tmp_path, name)) >= 0
    sessions.close()
    source = (tmp_path / "source.log").read_text().splitlines()
    target = (tmp_path / "target.log").read_text().splitlines()
    assert source[0] == "SETUP source;" and target[0] == "SETUP target;"
    assert [line for line in target if line.startswith("received")] == ["received rows of a", "received rows of b"]
    assert not list(tmp_path.glob("*.fifo"))


def test_a_failing_target_session_ends_the_source_session_and_names_itself(
    sessions: CopySessions, tmp_path: Path
) -> None:
    """The target fails before it opens the FIFO (the source would wait on it forever): both end, the error
    names the target, its exit code and its last output."""
    sessions.copy(table(tmp_path, "a"))
    started = time.monotonic()
    with pytest.raises(ClientToolFailed, match=r"psql \(target\) exited with code 3") as failed:
        sessions.copy(table(tmp_path, "b", writer_first=("FAIL duplicate key",)))
    assert "ERROR:  FAIL duplicate key" in str(failed.value)
    assert time.monotonic() - started < 10
    assert all(psql.proc.poll() is not None for psql in sessions._psql.values())
    assert not list(tmp_path.glob("*.fifo"))


def test_a_session_ending_cleanly_mid_table_still_fails_the_copy(sessions: CopySessions, tmp_path: Path) -> None:
    """A psql that ends with code 0 before its table's marker has not copied it: the copy fails all the same."""
    with pytest.raises(ClientToolFailed, match=r"psql \(target\) exited with code 0"):
        sessions.copy(table(tmp_path, "a", writer_first=("QUIT",)))


def test_kill_ends_a_copy_under_way_and_refuses_the_next(sessions: CopySessions, tmp_path: Path) -> None:
    """kill() from another thread (on_kill, or another worker failed): the waiting copy fails as killed."""
    sessions.copy(table(tmp_path, "a"))
    threading.Timer(0.5, sessions.kill).start()
    with pytest.raises(ClientToolFailed, match="killed by signal 9"):
        sessions.copy(table(tmp_path, "b", writer_first=("SLEEP",)))
    with pytest.raises(ClientToolFailed):
        sessions.copy(table(tmp_path, "c"))


def test_kill_before_the_first_table_starts_nothing(sessions: CopySessions, tmp_path: Path) -> None:
    """A worker whose sessions were killed before its first table starts no psql."""
    sessions.kill()
    with pytest.raises(ClientToolFailed, match="stopped"):
        sessions.copy(table(tmp_path, "a"))
    assert sessions._psql == {}
    sessions.close()


def test_fifo_directory_in_the_run_directory_removed_afterwards(tmp_path: Path) -> None:
    """Private, inside the run directory, replacing one a killed try left, and gone afterwards."""
    (tmp_path / "fifos").mkdir()
    (tmp_path / "fifos" / "0.fifo").touch()
    with fifo_directory(tmp_path) as path:
        assert path == tmp_path / "fifos" and not any(path.iterdir())
        assert path.stat().st_mode & 0o777 == 0o700
    assert not path.exists()


def test_fifo_directory_elsewhere_when_the_run_directory_cannot_be_quoted(tmp_path: Path) -> None:
    """A quote in the work directory's path: a private temporary directory instead, removed afterwards."""
    odd = tmp_path / "it's"
    odd.mkdir()
    with fifo_directory(odd) as path:
        assert not path.is_relative_to(odd) and fifo_literal(path / "0.fifo") is not None
    assert not path.exists()


def test_fifo_literal_and_one_line() -> None:
    """A path is quoted as is unless it holds a quote, backslash or line break; a \\copy with a line break or a
    second backslash is not one line psql can read."""
    assert fifo_literal(Path("/w/a b/1.fifo")).as_string(None) == "'/w/a b/1.fifo'"  # type: ignore[union-attr]
    assert fifo_literal(Path("/w/it's/1.fifo")) is None and fifo_literal(Path("/w/a\\b")) is None
    assert one_line('\\copy "s"."t" to \'/f\'')
    assert not one_line('\\copy "s"."t\nx" to \'/f\'') and not one_line('\\copy "s"."t\\x" to \'/f\'')
