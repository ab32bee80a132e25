"""Helpers for engine and process tests: real workflows copied into a workspace, recorded events, /proc scans."""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from openvre.workflows.engines import EngineJob, EngineOutcome, StepEvent

WORKFLOWS = Path(__file__).resolve().parents[2] / "data" / "workflows"


@dataclass
class Run:
    """An EngineJob whose callbacks record what the engine reported."""

    job: EngineJob
    events: list[StepEvent] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def statuses(self) -> list[tuple[str, str]]:
        return [(event.step, event.status) for event in self.events]

    def ended(self, step: str) -> StepEvent:
        return next(e for e in self.events if e.step == step and e.status != "running")


def example(tmp_path: Path, name: str) -> tuple[Path, dict[str, Any]]:
    """Copy tests/data/workflows/<name> into a fresh workspace; return it and its reana.yaml."""
    workspace = tmp_path / "workspace"
    shutil.copytree(WORKFLOWS / name, workspace)
    spec = yaml.safe_load((workspace / "reana.yaml").read_text())
    return workspace, spec


def make_run(
    workspace: Path,
    spec: dict[str, Any],
    *,
    parameters: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    environment: dict[str, str] | None = None,
) -> Run:
    events: list[StepEvent] = []
    lines: list[str] = []
    job = EngineJob(
        workflow=spec["workflow"],
        workspace=workspace,
        parameters={**(spec.get("inputs") or {}).get("parameters", {}), **(parameters or {})},
        operational_options=options or {},
        environment=environment or {},
        on_event=events.append,
        stop=threading.Event(),
        log=lines.append,
    )
    return Run(job, events, lines)


def unique_sleep() -> str:
    """A sleep duration no other process on this machine uses, to find the processes a test started."""
    return f"60.{uuid.uuid4().int % 10**8:08d}"


def processes_with(marker: str, program: str | None = None) -> list[int]:
    """PIDs of processes whose command line contains ``marker``.

    ``program`` keeps only those running that program: the shell that starts ``sleep <marker>`` has the marker
    in its own command line too, and matches before its first command has run.
    """
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline and (program is None or cmdline.split(" ", 1)[0] == program):
            found.append(int(entry.name))
    return found


def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


def stop_while_sleeping(run: Run, engine: Any, marker: str) -> tuple[EngineOutcome, float]:
    """Run the engine in a thread, stop it once the sleeping step is alive; the outcome and seconds to stop."""
    outcome: list[EngineOutcome] = []
    thread = threading.Thread(target=lambda: outcome.append(engine.run(run.job)))
    thread.start()
    try:
        wait_for(lambda: processes_with(marker), timeout=30)
    finally:
        started = time.monotonic()
        run.job.stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive(), "the engine did not return after stop"
    return outcome[0], time.monotonic() - started
