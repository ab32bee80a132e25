"""Turning what an engine observes about its steps into StepEvents, step logs and the run's outcome.

Every engine keeps a :class:`StepTracker`: it numbers the steps in the order they start, gives each
a log file under ``.openvre/logs/``, sends each state change to ``job.on_event`` once, and at the
end says how the run went (:func:`outcome`) in the same words for every engine.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Literal

from openvre.workflows.engines.base import EngineJob, EngineOutcome, StepEvent
from openvre.workflows.processes import TAIL_LINES, ProcessResult
from openvre.workflows.workspace import step_log_path

LAST_LINES_IN_MESSAGES = 10


@dataclass
class _RunningStep:
    event: StepEvent
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL_LINES))
    log: IO[str] | None = None


class StepTracker:
    """The steps of one run, keyed by an engine's own id for a step (jobid, node id, index)."""

    def __init__(self, job: EngineJob) -> None:
        self._job = job
        self._running: dict[str, _RunningStep] = {}
        self._started = 0
        self.failed: list[tuple[StepEvent, tuple[str, ...]]] = []

    def start(
        self,
        key: str,
        step: str,
        *,
        command: str | None = None,
        image: str | None = None,
        log_path: Path | None = None,
    ) -> Path:
        """Report ``step`` running; returns its log file (``log_path`` when the engine writes its own)."""
        self._started += 1
        path = log_path or step_log_path(self._job.log_dir(), self._started, step)
        event = StepEvent(step, "running", command, image, None, _now(), None, path)
        self._running[key] = _RunningStep(event)
        self._job.on_event(event)
        return path

    def is_running(self, key: str) -> bool:
        return key in self._running

    def write(self, key: str, line: str) -> None:
        """Append one output line to a running step's log."""
        running = self._running.get(key)
        if running is None or running.event.log_path is None:
            return
        if running.log is None:
            running.log = running.event.log_path.open("a", encoding="utf-8")
        running.log.write(line + "\n")
        running.log.flush()
        running.tail.append(line)

    def finish(
        self,
        key: str,
        status: Literal["finished", "failed", "stopped"],
        *,
        exit_code: int | None = None,
        command: str | None = None,
        tail: tuple[str, ...] = (),
    ) -> None:
        """Report a running step's end; ``tail`` gives its last output when the engine kept it.

        A step that fails after a stop was asked for was stopped: tools report the jobs they kill
        on SIGTERM as errors.
        """
        running = self._running.pop(key, None)
        if running is None:
            return
        if status == "failed" and self._job.stop.is_set():
            status = "stopped"
        if running.log is not None:
            running.log.close()
        event = replace(
            running.event,
            status=status,
            exit_code=exit_code,
            command=command or running.event.command,
            finished_at=_now(),
        )
        if status == "failed":
            self.failed.append((event, tail or tuple(running.tail)))
        self._job.on_event(event)

    def end_all(self, status: Literal["finished", "failed", "stopped"]) -> None:
        """Close the steps the engine did not report as ended (stopped, died, or a line we did not parse)."""
        for key in list(self._running):
            self.finish(key, status)


def outcome(tracker: StepTracker, result: ProcessResult, *, tool: str, total_steps: int | None) -> EngineOutcome:
    """The run's outcome from the tool's exit and the steps seen; closes steps still open."""
    if result.stopped:
        tracker.end_all("stopped")
        return EngineOutcome("stopped", "the run was stopped on request", total_steps)
    if result.succeeded and not tracker.failed:
        tracker.end_all("finished")  # the tool succeeded, so did any step whose end we missed
        return EngineOutcome("finished", "the run finished successfully", total_steps)
    tracker.end_all("failed")
    if tracker.failed:
        event, tail = tracker.failed[0]
        return EngineOutcome("failed", step_failure_message(event, tail), total_steps)
    return EngineOutcome(
        "failed", f"{tool} failed ({result.describe()}); last lines:\n" + _last(result.tail), total_steps
    )


def step_failure_message(event: StepEvent, tail: tuple[str, ...]) -> str:
    """``step 'count' failed with exit code 3; last lines of its log: ...``."""
    how = f"with exit code {event.exit_code}" if event.exit_code is not None else "(no exit code reported)"
    message = f"step {event.step!r} failed {how}"
    if tail:
        message += f"; last lines of its log ({event.log_path}):\n" + _last(tail)
    return message


def _last(lines: tuple[str, ...]) -> str:
    return "\n".join(lines[-LAST_LINES_IN_MESSAGES:])


def _now() -> datetime:
    return datetime.now(UTC)
