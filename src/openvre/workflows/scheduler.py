"""The workflow scheduler: runs queued runs with their engine, and never leaves a run stuck "running".

It works like the transfer agent: every step is a short database transaction around one slow,
side-effect-only call (the engine, in a thread), so the database always says what is true.

One cycle (:meth:`Scheduler.run_once`):

1. recover: a run ``pending``/``running`` whose scheduler is gone (its process died on this host, or
   its heartbeat is older than ``stale_after`` elsewhere) becomes ``failed`` with :data:`CRASH_REASON`;
2. stop: runs whose owner asked to stop them (``stop_requested_at``) get their stop event set, and the
   engine ends its current step;
3. claim: queued runs, oldest first, up to ``max_parallel_runs``, become ``pending`` under this
   scheduler's id and start in a thread: ``running`` with a provenance record, each engine event a
   step row, and at the end ``finished``/``failed``/``stopped`` with the record completed;
4. heartbeat: the runs this scheduler executes say it is alive.

Stopping the scheduler (``vre up`` shutting down) asks every run it executes to stop, waits for the
engines, and fails those runs with :data:`SHUTDOWN_REASON`: a run is never left "running" with no one
running it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, update

from openvre.db import Database, utcnow
from openvre.workflows._tables import RunRow
from openvre.workflows.config import WorkflowsConfig
from openvre.workflows.run_execution import SHUTDOWN_REASON, RunExecution
from openvre.workflows.transitions import RunStatus, transition

log = logging.getLogger(__name__)

CRASH_REASON = "openvre stopped while the run was running (process killed); restart it with `reana-client restart`"


@dataclass(frozen=True)
class SchedulerSettings:
    poll_interval: float = field(default=0.5, metadata={"help": "Seconds between cycles when idle."})
    max_parallel_runs: int = field(default=2, metadata={"help": "Runs this scheduler executes at once."})
    heartbeat_interval: float = field(default=5.0, metadata={"help": "Seconds between 'still running' marks."})
    stale_after: float = field(
        default=120.0, metadata={"help": "Seconds without a heartbeat after which another host's run is failed."}
    )
    shutdown_grace: float = field(default=20.0, metadata={"help": "Seconds engines get to stop on shutdown."})


@dataclass
class _Active:
    stop: threading.Event
    task: asyncio.Task[None]


class Scheduler:
    def __init__(self, database: Database, config: WorkflowsConfig, settings: SchedulerSettings | None = None) -> None:
        self.database = database
        self.config = config
        self.settings = settings or SchedulerSettings()
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._active: dict[str, _Active] = {}
        self._last_heartbeat = 0.0
        self._shutting_down = False

    def wake(self) -> None:
        """Start the next cycle now (a run was just queued or asked to stop); safe from any thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    # -- the loop --------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        self._loop = asyncio.get_running_loop()
        try:
            while not stop.is_set():
                try:
                    await self.run_once()
                except Exception:  # a bug must not stop the scheduler: log it and try again next cycle
                    log.exception("workflow scheduler cycle failed")
                self._wake.clear()
                waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
                await asyncio.wait(waiters, timeout=self.settings.poll_interval, return_when=asyncio.FIRST_COMPLETED)
                for waiter in waiters:
                    waiter.cancel()
        finally:
            await self.shutdown()
            self._loop = None

    async def run_once(self) -> None:
        await asyncio.to_thread(self.recover)
        await asyncio.to_thread(self._forward_stop_requests)
        for run_id in await asyncio.to_thread(self._claim_queued_runs):
            self._launch(run_id)
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_heartbeat >= self.settings.heartbeat_interval:
            self._last_heartbeat = loop.time()
            await asyncio.to_thread(self._heartbeat)

    async def wait_idle(self) -> None:
        """Wait until every run this scheduler started has ended (for tests and shutdown)."""
        while self._active:
            await asyncio.wait([active.task for active in self._active.values()])

    async def shutdown(self) -> None:
        """Ask every executing run to stop, give the engines a grace period, and fail what remains."""
        self._shutting_down = True
        for active in self._active.values():
            active.stop.set()
        if self._active:
            tasks = [active.task for active in self._active.values()]
            await asyncio.wait(tasks, timeout=self.settings.shutdown_grace)

    # -- recover ---------------------------------------------------------------------------------
    def recover(self) -> int:
        """Fail the runs whose scheduler is gone; returns how many."""
        now = utcnow()
        stale_before = now - timedelta(seconds=self.settings.stale_after)
        with self.database.transaction() as session:
            rows = session.scalars(
                select(RunRow)
                .where(RunRow.status.in_([RunStatus.PENDING.value, RunStatus.RUNNING.value]))
                .with_for_update()
            ).all()
            orphans = [row for row in rows if self._is_orphan(row, stale_before)]
            for row in orphans:
                row.message = CRASH_REASON
                row.stop_requested_at = None
                transition(session, row, RunStatus.FAILED, CRASH_REASON)
            return len(orphans)

    def _is_orphan(self, row: RunRow, stale_before: object) -> bool:
        if row.claimed_by == self.worker_id:
            return False
        host, _, rest = (row.claimed_by or "").partition(":")
        pid = rest.partition(":")[0]
        on_this_host = host == socket.gethostname() and pid.isdigit()
        if on_this_host and (int(pid) == os.getpid() or not _process_alive(int(pid))):
            return True  # this process restarted, or the claiming process is dead
        return row.heartbeat_at is None or row.heartbeat_at < stale_before  # type: ignore[operator]

    # -- stop, claim, heartbeat ------------------------------------------------------------------
    def _forward_stop_requests(self) -> None:
        if not self._active:
            return
        with self.database.transaction() as session:
            asked = session.scalars(
                select(RunRow.id).where(RunRow.id.in_(list(self._active)), RunRow.stop_requested_at.is_not(None))
            ).all()
        for run_id in asked:
            if run_id in self._active:
                self._active[run_id].stop.set()

    def _claim_queued_runs(self) -> list[str]:
        free = self.settings.max_parallel_runs - len(self._active)
        if free <= 0 or self._shutting_down:
            return []
        with self.database.transaction() as session:
            rows = session.scalars(
                select(RunRow)
                .where(RunRow.status == RunStatus.QUEUED.value)
                .order_by(RunRow.created_at)
                .limit(free)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                transition(session, row, RunStatus.PENDING, f"taken by scheduler {self.worker_id}")
                row.claimed_by, row.heartbeat_at = self.worker_id, utcnow()
            return [row.id for row in rows]

    def _heartbeat(self) -> None:
        if not self._active:
            return
        with self.database.transaction() as session:
            session.execute(
                update(RunRow)
                .where(RunRow.id.in_(list(self._active)), RunRow.claimed_by == self.worker_id)
                .values(heartbeat_at=utcnow())
            )

    # -- execute ---------------------------------------------------------------------------------
    def _launch(self, run_id: str) -> None:
        stop = threading.Event()
        execution = RunExecution(
            self.database, run_id, stop, is_shutdown=lambda: self._shutting_down, config=self.config
        )
        task = asyncio.create_task(self._execute(run_id, execution), name=f"workflow-run-{run_id}")
        self._active[run_id] = _Active(stop, task)

    async def _execute(self, run_id: str, execution: RunExecution) -> None:
        try:
            await asyncio.to_thread(execution.run)
        except Exception:
            error_id = uuid.uuid4().hex[:12]
            log.exception("workflow run %s failed inside openvre (error id %s)", run_id, error_id)
            await asyncio.to_thread(execution.fail, f"internal error in openvre, logged under id {error_id}")
        finally:
            self._active.pop(run_id, None)
            self._wake.set()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


__all__ = ["CRASH_REASON", "SHUTDOWN_REASON", "Scheduler", "SchedulerSettings"]
