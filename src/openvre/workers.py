"""Background workers as asyncio tasks: inside `vre up` by default, or alone in `vre worker`.

Their state lives in the database, so stopping them at any point loses nothing; they are stopped by
setting an event and awaited, so a clean shutdown never cuts a database transaction in half.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from openvre.datalake.transfer_agent import TransferAgent
from openvre.workflows.scheduler import Scheduler


@contextlib.asynccontextmanager
async def run_workers(agent: TransferAgent | None, scheduler: Scheduler | None = None) -> AsyncIterator[None]:
    stop = asyncio.Event()
    tasks = []
    if agent is not None:
        tasks.append(asyncio.create_task(agent.run(stop), name="transfer-agent"))
    if scheduler is not None:
        tasks.append(asyncio.create_task(scheduler.run(stop), name="workflow-scheduler"))
    try:
        yield
    finally:
        stop.set()
        if tasks:
            await asyncio.wait(tasks, timeout=30)
