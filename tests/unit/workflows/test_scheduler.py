"""The scheduler: runs the hello workflow to the end, stops on request, and never leaves a run "running"."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from openvre.db import Database, utcnow
from openvre.errors import OpenVREError
from openvre.workflows import runs
from openvre.workflows._tables import RunRow, StateChangeRow
from openvre.workflows.config import WorkflowsConfig
from openvre.workflows.engines import EngineJob, EngineOutcome
from openvre.workflows.errors import EngineNotAvailable
from openvre.workflows.run_execution import SHUTDOWN_REASON, RunExecution
from openvre.workflows.scheduler import CRASH_REASON, Scheduler, SchedulerSettings
from openvre.workflows.steps import list_steps
from openvre.workflows.transitions import RunStatus, transition
from tests.unit.workflows.conftest import upload_inputs

FAST = SchedulerSettings(poll_interval=0.05, heartbeat_interval=0.2, stale_after=5, shutdown_grace=10)
DEAD_PID = 2**22 + 12345  # above Linux's pid_max default: no process has it


def _queued_run(database: Database, config: WorkflowsConfig, spec: dict[str, Any], **parameters: Any) -> runs.Run:
    with database.transaction() as session:
        run = runs.create_run(session, "alice", "hello", spec, config=config)
        upload_inputs(run.workspace)
        return runs.start_run(session, "alice", run.id, parameters=parameters)


def _stop(database: Database, run_id: str) -> None:
    with database.transaction() as session:
        runs.stop_run(session, "alice", run_id)


def _get(database: Database, run_id: str) -> runs.Run:
    with database.transaction() as session:
        return runs.get_run(session, "alice", run_id)


async def _until(condition: Callable[[], bool], timeout: float = 20) -> None:
    """Wait for ``condition``, asked in a thread: it reads the database, which the loop's thread must not."""
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(condition):
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


def _run_scheduler(scheduler: Scheduler, body: Callable[[], Any]) -> None:
    """Run the scheduler's loop while ``body`` (a coroutine function) runs, then stop it."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.create_task(scheduler.run(stop))
        try:
            await body()
        finally:
            stop.set()
            await loop

    asyncio.run(main())


def test_a_queued_run_runs_to_the_end_with_steps_progress_and_provenance(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    run = _queued_run(database, config, hello_spec, greeting="Hi")
    scheduler = Scheduler(database, config, FAST)

    async def body() -> None:
        await _until(lambda: _get(database, run.id).status is RunStatus.FINISHED)

    _run_scheduler(scheduler, body)
    done = _get(database, run.id)
    assert (run.workspace / "results" / "out.txt").read_text() == "Hi, World!\n"
    assert (done.progress.total, done.progress.finished, done.progress.failed) == (2, 2, 0)
    with database.transaction() as session:
        steps = list_steps(session, run.id)
    assert [(step.name, step.status, step.exit_code) for step in steps] == [
        ("greet", "finished", 0),
        ("shout", "finished", 0),
    ]
    assert steps[0].command and steps[0].image == "docker.io/library/python:3.12-slim"
    record = done.provenance
    assert record is not None and record["status"] == "finished"
    assert record["parameters"] == {"greeting": "Hi", "sleeptime": 0}
    assert [entry["path"] for entry in record["inputs"]] == ["data/name.txt"]
    assert [entry["path"] for entry in record["outputs"]] == ["results/loud.txt", "results/out.txt"]
    assert all(len(entry["sha256"]) == 64 for entry in record["outputs"])
    assert [step["name"] for step in record["steps"]] == ["greet", "shout"]
    assert record["software"]["engine"] == "serial" and record["software"]["engine_versions"]


def test_a_stop_request_stops_the_running_step(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    run = _queued_run(database, config, hello_spec, sleeptime=60)
    scheduler = Scheduler(database, config, FAST)

    async def body() -> None:
        await _until(lambda: _get(database, run.id).progress.running == 1)
        await asyncio.to_thread(_stop, database, run.id)
        scheduler.wake()
        started = time.monotonic()
        await _until(lambda: _get(database, run.id).status is RunStatus.STOPPED)
        assert time.monotonic() - started < 15

    _run_scheduler(scheduler, body)
    stopped = _get(database, run.id)
    assert stopped.stopped_at is not None and not (run.workspace / "results" / "out.txt").exists()
    with database.transaction() as session:
        assert [step.status for step in list_steps(session, run.id)] == ["stopped"]


def _leave_running(database: Database, run_id: str, claimed_by: str, heartbeat_age: float) -> None:
    """What a scheduler that died mid-run leaves behind."""
    with database.transaction() as session:
        row = session.get(RunRow, run_id)
        assert row is not None
        transition(session, row, RunStatus.PENDING, "test")
        transition(session, row, RunStatus.RUNNING, "test")
        row.claimed_by = claimed_by
        row.heartbeat_at = utcnow() - timedelta(seconds=heartbeat_age)


def test_start_up_fails_a_run_its_killed_scheduler_left_running(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    run = _queued_run(database, config, hello_spec)
    _leave_running(database, run.id, f"{socket.gethostname()}:{DEAD_PID}:deadbeef", heartbeat_age=0)
    assert Scheduler(database, config, FAST).recover() == 1
    failed = _get(database, run.id)
    assert failed.status is RunStatus.FAILED
    assert failed.message == CRASH_REASON
    assert "restart it with `reana-client restart`" in failed.message
    with database.transaction() as session:
        last = session.scalars(
            select(StateChangeRow).where(StateChangeRow.run_id == run.id).order_by(StateChangeRow.id.desc())
        ).first()
    assert last is not None and (last.from_status, last.to_status, last.reason) == ("running", "failed", CRASH_REASON)


def test_a_live_scheduler_elsewhere_keeps_its_run_until_its_heartbeat_is_stale(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    alive, stale = _queued_run(database, config, hello_spec), _queued_run(database, config, hello_spec)
    _leave_running(database, alive.id, "other-host:123:aaaa", heartbeat_age=1)
    _leave_running(database, stale.id, "other-host:123:aaaa", heartbeat_age=600)
    assert Scheduler(database, config, FAST).recover() == 1
    assert _get(database, alive.id).status is RunStatus.RUNNING
    assert _get(database, stale.id).status is RunStatus.FAILED


def test_shutting_down_fails_the_running_run_with_the_reason(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    run = _queued_run(database, config, hello_spec, sleeptime=60)
    scheduler = Scheduler(database, config, FAST)

    async def body() -> None:
        await _until(lambda: _get(database, run.id).progress.running == 1)

    _run_scheduler(scheduler, body)
    ended = _get(database, run.id)
    assert ended.status is RunStatus.FAILED and ended.message == SHUTDOWN_REASON


class _Engine:
    name, extra = "fake", None

    def __init__(self, outcome: EngineOutcome | Exception) -> None:
        self.outcome = outcome

    def versions(self) -> dict[str, str]:
        return {"fake": "1"}

    def run(self, job: EngineJob) -> EngineOutcome:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def _pending(database: Database, run: runs.Run) -> None:
    with database.transaction() as session:
        row = session.get(RunRow, run.id)
        assert row is not None
        transition(session, row, RunStatus.PENDING, "test")


@pytest.mark.parametrize(
    ("engines", "message"),
    [
        (EngineNotAvailable("cwl workflows need cwltool: pip install 'openvre[cwl]'"), "pip install 'openvre[cwl]'"),
        (_Engine(OpenVREError("the engine gave up")), "the engine gave up"),
        (_Engine(EngineOutcome("failed", "step greet failed with exit code 3", 2)), "exit code 3"),
    ],
)
def test_a_missing_engine_or_a_failing_one_fails_the_run_with_its_message(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any], engines: Any, message: str
) -> None:
    run = _queued_run(database, config, hello_spec)
    _pending(database, run)

    def get_engine(_type: str) -> Any:
        if isinstance(engines, Exception):
            raise engines
        return engines

    RunExecution(database, run.id, threading.Event(), engines=get_engine).run()
    failed = _get(database, run.id)
    assert failed.status is RunStatus.FAILED and message in failed.message


def test_the_specs_operational_options_apply_and_given_ones_win(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    hello_spec["inputs"]["options"] = {"TARGET": "greet"}
    only_greet = _queued_run(database, config, hello_spec)
    with database.transaction() as session:
        created = runs.create_run(session, "alice", "hello", hello_spec, config=config)
        upload_inputs(created.workspace)
        both = runs.start_run(session, "alice", created.id, operational_options={"TARGET": "shout"})
    assert both.engine_options == {"TARGET": "shout"}
    scheduler = Scheduler(database, config, FAST)

    async def body() -> None:
        await _until(lambda: all(_get(database, r.id).status is RunStatus.FINISHED for r in (only_greet, both)))

    _run_scheduler(scheduler, body)
    assert _get(database, only_greet.id).progress.total == 1
    assert _get(database, both.id).progress.total == 2
    assert (both.workspace / "results" / "loud.txt").exists() and not (
        only_greet.workspace / "results" / "loud.txt"
    ).exists()


def test_the_configured_container_runtime_reaches_the_engine(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    podman = WorkflowsConfig(workspaces=config.workspaces, logs=config.logs, container_runtime="podman")
    run = _queued_run(database, podman, hello_spec)
    _pending(database, run)

    RunExecution(database, run.id, threading.Event(), config=podman).run()

    failed = _get(database, run.id)
    assert failed.status is RunStatus.FAILED
    # Its image was never built here: proof that the step was to run in it. Without podman, the fix.
    assert (
        "image docker.io/library/python:3.12-slim is not available locally" in failed.message
        or "apt-get install podman runc" in failed.message
    ), failed.message
