from __future__ import annotations

import threading
import time
from pathlib import Path

from openvre.workflows.processes import run_process
from tests.unit.workflows.support import processes_with, unique_sleep, wait_for


def _run(tmp_path: Path, script: str, stop: threading.Event | None = None, **kwargs):
    lines: list[str] = []
    result = run_process(
        ["bash", "-c", script],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "WHO": "world"},
        log_path=tmp_path / "logs" / "step.log",
        stop=stop or threading.Event(),
        on_line=lines.append,
        **kwargs,
    )
    return result, lines


def test_output_is_streamed_to_the_log_and_the_callback_in_order(tmp_path: Path) -> None:
    result, lines = _run(tmp_path, "echo hello $WHO; echo oops >&2; printf 'no newline'")

    assert result.exit_code == 0 and result.succeeded and not result.stopped
    assert lines == ["hello world", "oops", "no newline"]
    assert (tmp_path / "logs/step.log").read_text() == "hello world\noops\nno newline\n"
    assert result.tail == ("hello world", "oops", "no newline")


def test_exit_code_and_stdin_and_cwd(tmp_path: Path) -> None:
    result, lines = _run(tmp_path, "cat; pwd; exit 7", stdin="from stdin\n")

    assert result.exit_code == 7 and not result.succeeded
    assert result.describe() == "exit code 7"
    assert lines == ["from stdin", str(tmp_path)]


def test_background_processes_end_with_the_command(tmp_path: Path) -> None:
    marker = unique_sleep()
    started = time.monotonic()

    result, _ = _run(tmp_path, f"sleep {marker} & echo started")

    assert result.exit_code == 0
    assert time.monotonic() - started < 3
    wait_for(lambda: not processes_with(marker), timeout=2)


def test_stop_terminates_the_whole_group_then_kills_what_ignores_sigterm(tmp_path: Path) -> None:
    marker = unique_sleep()
    stop = threading.Event()
    both_sleeping = lambda: len(processes_with(marker, program="sleep")) == 2  # noqa: E731 - the trap has run
    threading.Thread(target=lambda: (wait_for(both_sleeping), stop.set()), daemon=True).start()
    started = time.monotonic()

    result, _ = _run(tmp_path, f"trap '' TERM; sleep {marker} & sleep {marker}", stop=stop, grace_period=0.5)

    assert result.stopped and not result.succeeded
    assert result.describe() == "killed by SIGKILL"
    assert time.monotonic() - started < 5
    assert processes_with(marker) == []
