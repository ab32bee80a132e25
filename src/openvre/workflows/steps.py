"""The steps of a run (REANA's jobs), recorded from the engine's events, and the run's progress.

An engine reports each step twice or more (started, then ended); :func:`record_step_event` turns the
reports into one ``wf_steps`` row per job and recounts the run's progress counters, so ``status`` and
``list`` read progress from the run row alone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openvre.workflows._tables import RunRow, StepRow
from openvre.workflows.engines import StepEvent

# Step states after which a row is final; a later event with the same name is a new job.
_FINAL = frozenset({"finished", "failed", "stopped", "skipped", "cached"})


@dataclass(frozen=True)
class Step:
    id: str
    name: str
    status: str
    command: str
    image: str
    compute_backend: str
    exit_code: int | None
    started_at: datetime | None
    finished_at: datetime | None
    log_path: Path | None

    @classmethod
    def from_row(cls, row: StepRow) -> Step:
        return cls(
            id=row.id,
            name=row.name,
            status=row.status,
            command=row.command,
            image=row.image,
            compute_backend=row.compute_backend,
            exit_code=row.exit_code,
            started_at=row.started_at,
            finished_at=row.finished_at,
            log_path=Path(row.log_path) if row.log_path else None,
        )

    def read_log(self) -> str:
        """The step's output so far; empty when it has none yet (a queued step, a removed log)."""
        if self.log_path is None:
            return ""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def list_steps(session: Session, run_id: str, names: list[str] | None = None) -> list[Step]:
    query = select(StepRow).where(StepRow.run_id == run_id)
    if names:
        query = query.where(StepRow.name.in_(names))
    return [Step.from_row(row) for row in session.scalars(query.order_by(StepRow.position))]


def record_step_event(session: Session, run: RunRow, event: StepEvent, *, compute_backend: str = "") -> Step:
    """Create or update the step the event is about, then recount the run's progress."""
    row = session.scalars(
        select(StepRow)
        .where(StepRow.run_id == run.id, StepRow.name == event.step, StepRow.status.not_in(_FINAL))
        .order_by(StepRow.position.desc())
        .limit(1)
    ).first()
    if row is None:
        position = session.scalar(select(func.count()).where(StepRow.run_id == run.id)) or 0
        row = StepRow(id=str(uuid.uuid4()), run_id=run.id, position=position, name=event.step)
        row.compute_backend = compute_backend
        session.add(row)
    row.status = event.status
    row.command = event.command or row.command or ""
    row.image = event.image or row.image or ""
    row.exit_code = event.exit_code if event.exit_code is not None else row.exit_code
    row.started_at = event.started_at or row.started_at
    row.finished_at = event.finished_at or row.finished_at
    row.log_path = str(event.log_path) if event.log_path else row.log_path
    session.flush()
    refresh_progress(session, run, current=row)
    return Step.from_row(row)


def refresh_progress(session: Session, run: RunRow, *, current: StepRow | None = None) -> None:
    """Recount finished, failed and running steps; the total never drops below the steps seen."""
    rows = session.execute(
        select(StepRow.status, func.count()).where(StepRow.run_id == run.id).group_by(StepRow.status)
    ).all()
    counts: dict[str, int] = {status: count for status, count in rows}
    seen = sum(counts.values())
    run.finished_steps = counts.get("finished", 0) + counts.get("cached", 0)
    run.failed_steps = counts.get("failed", 0)
    run.running_steps = counts.get("running", 0)
    run.total_steps = max(run.total_steps or 0, seen)
    if current is not None:
        run.current_step, run.current_command = current.name, current.command or None
