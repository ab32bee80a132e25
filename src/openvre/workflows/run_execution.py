"""One run executed in a worker thread: prepare it, let its engine run, record how it ended.

The scheduler creates a :class:`RunExecution` per claimed run and calls :meth:`RunExecution.run` in a
thread. Each database write is its own short transaction; the engine's events become step rows as they
happen, so ``reana-client status`` shows progress while the run goes on. The stop event is the one the
scheduler sets when the owner asks to stop (or openvre shuts down); the engine ends its current step.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from openvre.db import Database
from openvre.errors import OpenVREError
from openvre.workflows import provenance
from openvre.workflows._tables import RunRow
from openvre.workflows.config import WorkflowsConfig
from openvre.workflows.datalake_access import rucio_environment, wants_rucio
from openvre.workflows.engines import Engine, EngineJob, EngineOutcome, StepEvent, get_engine
from openvre.workflows.errors import WorkflowError
from openvre.workflows.runs import Run
from openvre.workflows.steps import list_steps, record_step_event, refresh_progress
from openvre.workflows.transitions import ACTIVE, RunStatus, transition

SHUTDOWN_REASON = "openvre was shut down while the run was running; restart it with `reana-client restart`"
_ENDINGS = {"finished": RunStatus.FINISHED, "failed": RunStatus.FAILED, "stopped": RunStatus.STOPPED}


@dataclass(frozen=True)
class _Prepared:
    run: Run
    engine: Engine
    record: dict[str, Any]
    environment: dict[str, str]


class RunExecution:
    def __init__(
        self,
        database: Database,
        run_id: str,
        stop: threading.Event,
        *,
        is_shutdown: Callable[[], bool] = lambda: False,
        engines: Callable[[str], Engine] | None = None,
        config: WorkflowsConfig | None = None,
    ) -> None:
        """``engines`` builds the engine for a workflow type; by default :func:`get_engine` with the
        config's ``container_runtime``, so the setting reaches every engine that runs containers."""
        self.database = database
        self.config = config
        self.run_id = run_id
        self.stop = stop
        self._is_shutdown = is_shutdown
        runtime = config.container_runtime if config is not None else "none"
        self._engines = engines or partial(get_engine, container_runtime=runtime)

    def run(self) -> None:
        prepared = self._prepare()
        if prepared is None:
            return
        outcome = self._run_engine(prepared)
        self._finish(prepared, outcome)

    def fail(self, message: str) -> None:
        """End the run as failed with ``message`` if it is still active (after an error in openvre)."""
        with self.database.transaction() as session:
            row = self._row(session)
            if RunStatus(row.status) in ACTIVE:
                row.message = message
                transition(session, row, RunStatus.FAILED, message)

    # -- the three phases ----------------------------------------------------------------------
    def _prepare(self) -> _Prepared | None:
        with self.database.transaction() as session:
            row = self._row(session)
            if row.stop_requested_at is not None:
                transition(session, row, RunStatus.STOPPED, "stopped before it started")
                return None
            run = Run.from_row(row)
        try:
            engine = self._engines(run.workflow_type)
        except OpenVREError as error:
            self.fail(error.message)
            return None
        record = provenance.start_record(run, engine_type=run.workflow_type, engine_versions=engine.versions())
        try:
            with self.database.transaction() as session:
                environment = self._step_environment(session, run)
        except OpenVREError as error:
            self.fail(error.message)
            return None
        with self.database.transaction() as session:
            row = self._row(session)
            row.provenance = record
            row.total_steps = _declared_steps(run)
            transition(session, row, RunStatus.RUNNING, f"{run.workflow_type} engine started")
        return _Prepared(run, engine, record, environment)

    def _step_environment(self, session: Session, run: Run) -> dict[str, str]:
        if not wants_rucio(run.spec):
            return {}
        if self.config is None:
            raise WorkflowError("workflow.resources.rucio needs the scheduler's data lake settings")
        environment = rucio_environment(
            session,
            owner=run.owner,
            run_name=run.full_name,
            workspace=run.workspace,
            lake_url=self.config.datalake_url,
            lake_token=self.config.datalake_token,
        )
        _LogWriter(run.log_path)(
            f"workflow.resources.rucio: steps get RUCIO_CONFIG for {self.config.datalake_url} as {run.owner}"
        )
        return environment

    def _run_engine(self, prepared: _Prepared) -> EngineOutcome:
        run = prepared.run
        job = EngineJob(
            workflow=dict(run.spec.get("workflow") or {}),
            workspace=run.workspace,
            parameters=run.input_parameters,
            operational_options=run.engine_options,
            environment=prepared.environment,
            on_event=self._record_event,
            stop=self.stop,
            log=_LogWriter(run.log_path),
            log_label=self.run_id,
        )
        try:
            return prepared.engine.run(job)
        except OpenVREError as error:
            return EngineOutcome(status="failed", message=error.message, total_steps=None)

    def _finish(self, prepared: _Prepared, outcome: EngineOutcome) -> None:
        status = _ENDINGS.get(outcome.status, RunStatus.FAILED)
        message = outcome.message
        if status is RunStatus.STOPPED and self._is_shutdown():
            status, message = RunStatus.FAILED, SHUTDOWN_REASON
        with self.database.transaction() as session:
            steps = list_steps(session, self.run_id)
        record = provenance.finish_record(prepared.record, prepared.run, steps, status=status.value, message=message)
        with self.database.transaction() as session:
            row = self._row(session)
            _close_open_steps(row, "stopped" if status is RunStatus.STOPPED else "failed")
            if outcome.total_steps is not None:  # the engine knows best (FROM/TARGET ran fewer)
                row.total_steps = outcome.total_steps
            refresh_progress(session, row)
            row.current_step = row.current_command = None
            row.message, row.provenance = message, record
            transition(session, row, status, message or f"engine ended {status.value}")

    # -- helpers ---------------------------------------------------------------------------------
    def _record_event(self, event: StepEvent) -> None:
        with self.database.transaction() as session:
            record_step_event(session, self._row(session), event)

    def _row(self, session: Session) -> RunRow:
        row: RunRow | None = session.get(RunRow, self.run_id)
        if row is None:
            raise LookupError(f"run {self.run_id} vanished from the database")
        return row


def _close_open_steps(row: RunRow, status: str) -> None:
    """Steps the engine left running when it returned did not finish: say how they ended."""
    for step in row.steps:
        if step.status in ("running", "queued", "pending"):
            step.status = status


def _declared_steps(run: Run) -> int:
    """Steps a serial spec declares, so progress shows ``0/N`` from the start; other engines say later."""
    if run.workflow_type != "serial":
        return 0
    steps = ((run.spec.get("workflow") or {}).get("specification") or {}).get("steps")
    return len(steps) if isinstance(steps, list) else 0


class _LogWriter:
    """The engine's ``log``: each line appended to the run's workflow log, which ``reana-client logs`` shows."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, line: str) -> None:
        if self.path is None:
            return
        with self._lock, self.path.open("a", encoding="utf-8") as sink:
            sink.write(line.rstrip("\n") + "\n")
