"""Unit tests of timescale_migration.tools.runner: running short real commands, progress reports and kill()."""

from __future__ import annotations

import logging
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import timescale_migration
from timescale_migration.exceptions import ClientToolFailed
from timescale_migration.tools.runner import TAIL_LINES, ToolRunner

pytestmark = pytest.mark.unit

LOGGER = "tsm.unit.runner"


@pytest.fixture
def runner() -> ToolRunner:
    """A runner logging to a test logger."""
    return ToolRunner(logging.getLogger(LOGGER))


def env() -> dict[str, str]:
    """A minimal environment for the child."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}


def pgrep(pattern: str) -> list[str]:
    """Pids of processes whose command line matches pattern."""
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True, check=False)
    return out.stdout.split()


def wait_for(condition, timeout: float = 5.0) -> bool:
    """Poll condition() until true or timeout; returns its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


def test_run_success_returns_seconds_and_logs_output(runner: ToolRunner, caplog: pytest.LogCaptureFixture) -> None:
    """A successful run returns its duration and logs every output line prefixed with the tool name."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    seconds = runner.run(["sh", "-c", "echo one; echo two >&2"], env())
    assert 0 <= seconds < 10
    messages = [r.getMessage() for r in caplog.records]
    assert "sh: one" in messages
    assert "sh: two" in messages
    assert any(m.startswith("sh finished in ") for m in messages)


def test_run_failure_raises_with_exit_code_and_output(runner: ToolRunner) -> None:
    """A non-zero exit raises ClientToolFailed with the tool, its exit code and its last output."""
    with pytest.raises(ClientToolFailed) as err:
        runner.run(["sh", "-c", "echo hi; exit 3"], env())
    message = str(err.value)
    assert message.startswith("sh exited with code 3 after ")
    assert message.endswith("its last output:\nhi")


def test_run_failure_without_output(runner: ToolRunner) -> None:
    """A silent failure says so."""
    with pytest.raises(ClientToolFailed, match=r"\(no output\)"):
        runner.run(["sh", "-c", "exit 1"], env())


def test_run_failure_keeps_only_the_tail(runner: ToolRunner) -> None:
    """Only the last TAIL_LINES lines of output are in the error."""
    script = "i=1; while [ $i -le 30 ]; do printf 'line-%02d\\n' $i; i=$((i+1)); done; exit 2"
    with pytest.raises(ClientToolFailed) as err:
        runner.run(["sh", "-c", script], env())
    tail = str(err.value).split("its last output:\n", 1)[1].splitlines()
    assert len(tail) == TAIL_LINES
    assert tail[0] == f"line-{30 - TAIL_LINES + 1:02d}"
    assert tail[-1] == "line-30"


def test_run_passes_exactly_the_given_env(runner: ToolRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """The child sees the env given, not the parent's."""
    monkeypatch.setenv("TSM_UNIT_PARENT_ONLY", "leak")
    with pytest.raises(ClientToolFailed) as err:
        runner.run(
            ["sh", "-c", 'echo "given=$TSM_GIVEN parent=$TSM_UNIT_PARENT_ONLY"; exit 1'], {**env(), "TSM_GIVEN": "yes"}
        )
    assert "given=yes parent=\n" in str(err.value) + "\n"


def test_run_stdin_is_closed(runner: ToolRunner) -> None:
    """The child reads no input (stdin is /dev/null), so a tool never waits for a prompt answer."""
    with pytest.raises(ClientToolFailed, match="got=<>"):
        runner.run(["sh", "-c", 'read -r line; echo "got=<$line>"; exit 1'], env())


def test_run_uses_tool_basename(runner: ToolRunner) -> None:
    """Messages name the tool by its file name, not its full path."""
    with pytest.raises(ClientToolFailed, match=r"^sh exited with code 4"):
        runner.run(["/bin/sh", "-c", "exit 4"], env())


def test_progress_callback_called(runner: ToolRunner, caplog: pytest.LogCaptureFixture) -> None:
    """While the tool runs, progress() is called every interval and its message logged."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    calls: list[float] = []

    def progress() -> str:
        calls.append(time.monotonic())
        return f"step {len(calls)}"

    runner.run(["sleep", "0.3"], env(), progress=progress, interval=0.05)
    assert len(calls) >= 2
    assert "sleep progress: step 1" in [r.getMessage() for r in caplog.records]


def test_progress_none_is_not_logged(runner: ToolRunner, caplog: pytest.LogCaptureFixture) -> None:
    """A progress() returning None logs nothing."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    calls = []
    runner.run(["sleep", "0.2"], env(), progress=lambda: calls.append(1), interval=0.05)
    assert calls
    assert not [r for r in caplog.records if "progress" in r.getMessage()]


def test_progress_errors_do_not_break_the_run(runner: ToolRunner, caplog: pytest.LogCaptureFixture) -> None:
    """A failing progress() is logged and the tool still completes."""
    caplog.set_level(logging.INFO, logger=LOGGER)

    def progress() -> str:
        raise OSError("no such file")

    assert runner.run(["sleep", "0.2"], env(), progress=progress, interval=0.05) >= 0.2
    assert "sleep progress: progress unavailable: no such file" in [r.getMessage() for r in caplog.records]


def test_progress_stops_after_the_run(runner: ToolRunner) -> None:
    """No progress() call happens once run() has returned."""
    calls: list[int] = []
    runner.run(["sleep", "0.1"], env(), progress=lambda: calls.append(1), interval=0.02)
    count = len(calls)
    time.sleep(0.15)
    assert len(calls) == count


def test_pid_only_while_running(runner: ToolRunner) -> None:
    """pid is None before and after a run and the child's pid during it."""
    assert runner.pid is None
    seen: list[int | None] = []
    runner.run(["sleep", "0.2"], env(), progress=lambda: seen.append(runner.pid), interval=0.05)
    assert runner.pid is None
    assert seen
    assert all(isinstance(pid, int) and pid > 0 for pid in seen)


def test_kill_without_running_tool(runner: ToolRunner) -> None:
    """kill() with nothing running does nothing."""
    runner.kill()
    assert runner.pid is None


def test_kill_ends_tool_and_children(runner: ToolRunner) -> None:
    """kill() from another thread ends the tool and the processes it started within a few seconds."""
    marker = f"31.{random.randrange(10**6):06d}"
    pattern = f"sleep {marker}"
    outcome: dict[str, BaseException | float] = {}

    def target() -> None:
        try:
            outcome["result"] = runner.run(["sh", "-c", f"sleep {marker} & sleep {marker}; wait"], env())
        except BaseException as err:
            outcome["result"] = err

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: len(pgrep(pattern)) >= 3), "the sleeps did not start"
        started = time.monotonic()
        runner.kill(grace=2)
        thread.join(timeout=10)
        assert not thread.is_alive()
        assert time.monotonic() - started < 5
        assert isinstance(outcome["result"], ClientToolFailed)
        assert "was killed by signal" in str(outcome["result"])
        assert wait_for(lambda: not pgrep(pattern), timeout=3), f"left running: {pgrep(pattern)}"
    finally:
        for pid in pgrep(pattern):
            os.kill(int(pid), 9)


def test_kill_escalates_to_sigkill(runner: ToolRunner) -> None:
    """A tool that ignores SIGTERM is killed with SIGKILL after the grace period."""
    marker = f"32.{random.randrange(10**6):06d}"
    outcome: dict[str, BaseException | float] = {}
    script = f"trap '' TERM; echo ready; sleep {marker}; sleep {marker}"

    def target() -> None:
        try:
            outcome["result"] = runner.run(["sh", "-c", script], env())
        except BaseException as err:
            outcome["result"] = err

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: len(pgrep(f"sleep {marker}")) >= 1)
        time.sleep(0.1)
        runner.kill(grace=0.5)
        thread.join(timeout=10)
        assert not thread.is_alive()
        assert "killed by signal 9" in str(outcome["result"])
    finally:
        for pid in pgrep(f"sleep {marker}"):
            os.kill(int(pid), 9)


def test_pipeline_passes_data_and_logs_both_tools() -> None:
    """producer | consumer: the consumer's output reaches the log; both must exit 0."""
    runner, lines = _pipeline_runner()
    runner.run_pipeline(
        ["sh", "-c", "printf 'a\\nb\\nc\\n'; echo note >&2"], dict(os.environ), ["wc", "-l"], dict(os.environ)
    )
    assert any(line.endswith(": 3") for line in lines), lines
    assert any("sh: note" in line for line in lines), lines


def test_pipeline_failure_names_the_failing_side() -> None:
    """A consumer that stops early fails the pipeline naming it; the producer does not hang."""
    runner, _ = _pipeline_runner()
    started = time.monotonic()
    with pytest.raises(ClientToolFailed, match=r"^sh exited with code 3"):
        runner.run_pipeline(["yes"], dict(os.environ), ["sh", "-c", "head -c 10 >/dev/null; exit 3"], dict(os.environ))
    assert time.monotonic() - started < 10


def test_pipeline_kill_ends_both_processes() -> None:
    """kill() during a pipeline ends the producer and the consumer."""
    runner, _ = _pipeline_runner()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            runner.run_pipeline(["sleep", "30.71"], dict(os.environ), ["sleep", "30.72"], dict(os.environ))
        except ClientToolFailed as err:
            errors.append(err)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.5)
    runner.kill(grace=2)
    thread.join(timeout=10)
    assert not thread.is_alive() and errors
    leftovers = subprocess.run(["pgrep", "-f", "sleep 30.7"], capture_output=True, text=True).stdout
    assert leftovers.strip() == ""


def _pipeline_runner() -> tuple[ToolRunner, list[str]]:
    lines: list[str] = []
    log = logging.getLogger("pipeline-test")
    log.info = lambda msg, *args: lines.append(msg % args)  # type: ignore[method-assign]
    log.warning = log.info  # type: ignore[method-assign]
    return ToolRunner(log), lines


def test_a_tool_dies_with_the_task_process_that_started_it(tmp_path: Path) -> None:
    """A process started through the runner is killed by the kernel when its parent dies by SIGKILL (no orphan
    pg_dump or psql keeps loading after a worker is killed)."""
    script = tmp_path / "parent.py"
    pidfile = tmp_path / "child.pid"
    script.write_text(
        "import logging, sys\n"
        f"sys.path.insert(0, {str(Path(timescale_migration.__file__).parents[1])!r})\n"
        "from timescale_migration.tools.runner import ToolRunner\n"
        f"ToolRunner(logging.getLogger('t')).run(['sh', '-c', 'echo $$ > {pidfile}; exec sleep 60'],"
        " {'PATH': '/usr/bin:/bin'})\n"
    )
    parent = subprocess.Popen([sys.executable, str(script)])
    deadline = time.monotonic() + 20
    while not (pidfile.exists() and pidfile.read_text().strip()):
        assert time.monotonic() < deadline, "the tool never started"
        time.sleep(0.05)
    child = int(pidfile.read_text())
    os.kill(child, 0)  # alive while its parent lives
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and "Z" not in Path(f"/proc/{child}/stat").read_text().split()[2]:
        assert time.monotonic() < deadline, f"tool {child} outlived its parent"
        time.sleep(0.05)
