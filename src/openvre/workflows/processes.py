"""Run one command as its own process group, stream its output, and stop it when asked.

Every engine runs its work through :func:`run_process`: serial steps (``bash -c``) and the
Snakemake, cwltool and yadage command-line tools alike. The command gets a new session
(``start_new_session=True``), so it and everything it starts share one process group that is
signalled as a whole: on ``stop`` the group gets SIGTERM, then SIGKILL after the grace period; and
when the command ends, whatever it left running in the background is killed too, as a container's
processes end with the container in REANA. Nothing outlives a step.

Output (stdout and stderr merged, in the order written) is read without a helper thread, so a
background process holding the pipe open cannot hang the caller: after the group is gone the
rest of the pipe is drained for at most :data:`DRAIN_SECONDS`.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

DRAIN_SECONDS = 1.0
TAIL_LINES = 20
_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class ProcessResult:
    """How a command ended.

    ``exit_code`` is the command's exit status, or ``-N`` when signal N ended it (as in
    :mod:`subprocess`). ``stopped`` is true when the caller's stop event ended it. ``tail`` keeps
    the last lines of output for error messages.
    """

    exit_code: int
    stopped: bool
    tail: tuple[str, ...]

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0 and not self.stopped

    def describe(self) -> str:
        """``exit code 3`` or ``killed by SIGKILL``, for messages."""
        if self.exit_code < 0:
            return f"killed by {signal.Signals(-self.exit_code).name}"
        return f"exit code {self.exit_code}"


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log_path: Path,
    stop: threading.Event,
    grace_period: float = 5.0,
    on_line: Callable[[str], None] | None = None,
    stdin: str | None = None,
) -> ProcessResult:
    """Run ``argv`` in ``cwd`` until it ends or ``stop`` is set; append its output to ``log_path``.

    Each output line (without its newline) is written to the log file as it arrives and passed to
    ``on_line``. ``stdin`` is fed to the command if given, otherwise it reads from /dev/null.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a", encoding="utf-8") as log:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if stdin is not None:
            _feed(process, stdin)
        assert process.stdout is not None
        lines = _LineSink(log, on_line)
        stopped = _pump(process, process.stdout, lines, stop, grace_period)
        _kill_group(process.pid, signal.SIGKILL)  # background leftovers end with the command
        _drain(process.stdout, lines)
        process.stdout.close()
        lines.flush()
        return ProcessResult(exit_code=process.wait(), stopped=stopped, tail=tuple(lines.tail))


def _feed(process: subprocess.Popen[bytes], text: str) -> None:
    assert process.stdin is not None
    with contextlib.suppress(BrokenPipeError):
        process.stdin.write(text.encode())
    with contextlib.suppress(BrokenPipeError):
        process.stdin.close()


class _LineSink:
    """Splits raw output into lines; writes each to the log and the callback; keeps the tail."""

    def __init__(self, log: IO[str], on_line: Callable[[str], None] | None) -> None:
        self._log = log
        self._on_line = on_line
        self._partial = b""
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)

    def feed(self, chunk: bytes) -> None:
        *complete, self._partial = (self._partial + chunk).split(b"\n")
        for raw in complete:
            self._emit(raw)

    def flush(self) -> None:
        if self._partial:
            self._emit(self._partial)
            self._partial = b""

    def _emit(self, raw: bytes) -> None:
        line = raw.decode("utf-8", errors="replace").rstrip("\r")
        self._log.write(line + "\n")
        self._log.flush()
        self.tail.append(line)
        if self._on_line is not None:
            self._on_line(line)


def _pump(
    process: subprocess.Popen[bytes], pipe: IO[bytes], lines: _LineSink, stop: threading.Event, grace: float
) -> bool:
    """Forward output until the command exits; on ``stop`` terminate its group. True if stopped."""
    stopped = False
    kill_at: float | None = None
    with selectors.DefaultSelector() as selector:
        selector.register(pipe, selectors.EVENT_READ)
        while process.poll() is None:
            if stop.is_set() and not stopped:
                stopped = True
                _kill_group(process.pid, signal.SIGTERM)
                kill_at = time.monotonic() + grace
            if kill_at is not None and time.monotonic() >= kill_at:
                _kill_group(process.pid, signal.SIGKILL)
                kill_at = None
            if selector.select(timeout=_POLL_SECONDS):
                chunk = os.read(pipe.fileno(), 65536)
                if chunk:
                    lines.feed(chunk)
                else:  # the command closed its output but still runs: just wait for it
                    selector.unregister(pipe)
    return stopped


def _drain(pipe: IO[bytes], lines: _LineSink) -> None:
    deadline = time.monotonic() + DRAIN_SECONDS
    with selectors.DefaultSelector() as selector:
        selector.register(pipe, selectors.EVENT_READ)
        while time.monotonic() < deadline and selector.select(timeout=max(0.0, deadline - time.monotonic())):
            chunk = os.read(pipe.fileno(), 65536)
            if not chunk:
                return
            lines.feed(chunk)


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
