"""The workflow tables: workflows, their runs, the runs' steps and every state change.

REANA's model with fewer columns. A *workflow* is a name an account owns; each start of it is a *run*
numbered ``N`` (``name.N``), and each restart of run ``N`` is ``N.M`` sharing N's workspace. The run row
holds everything the scheduler needs to resume after a crash (status, claim, heartbeat, stop request),
the progress counters REANA's status shows, and the provenance record written when the run ends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from openvre.db import Base, UTCDateTime, utcnow


class WorkflowRow(Base):
    """A workflow name of one account; locked while a run number is handed out."""

    __tablename__ = "wf_workflows"
    __table_args__ = (UniqueConstraint("owner", "name", name="uq_wf_workflows_owner_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    runs: Mapped[list[RunRow]] = relationship(back_populates="workflow", cascade="all, delete-orphan")


class RunRow(Base):
    __tablename__ = "wf_runs"
    __table_args__ = (UniqueConstraint("workflow_id", "run_major", "run_minor", name="uq_wf_runs_number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID, REANA's workflow_id
    workflow_id: Mapped[int] = mapped_column(ForeignKey("wf_workflows.id", ondelete="CASCADE"), index=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)  # the workflow's, copied for one-table listing
    name: Mapped[str] = mapped_column(String(100), index=True)
    run_major: Mapped[int] = mapped_column(Integer)
    run_minor: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), index=True)
    workflow_type: Mapped[str] = mapped_column(String(20))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    operational_options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    workspace: Mapped[str] = mapped_column(String(1024))
    restarted_from: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    stop_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    total_steps: Mapped[int] = mapped_column(Integer, default=0)
    finished_steps: Mapped[int] = mapped_column(Integer, default=0)
    failed_steps: Mapped[int] = mapped_column(Integer, default=0)
    running_steps: Mapped[int] = mapped_column(Integer, default=0)
    current_step: Mapped[str | None] = mapped_column(String(200), nullable=True)
    current_command: Mapped[str | None] = mapped_column(Text, nullable=True)
    message: Mapped[str] = mapped_column(Text, default="")
    log_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    # Which scheduler process runs it and when that process last said so: how a crash is recognised.
    claimed_by: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    provenance: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    workflow: Mapped[WorkflowRow] = relationship(back_populates="runs")
    steps: Mapped[list[StepRow]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="StepRow.position"
    )


class StepRow(Base):
    """One job of a run: a step of a serial workflow, a CWL tool run, a Snakemake job."""

    __tablename__ = "wf_steps"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID, REANA's job id
    run_id: Mapped[str] = mapped_column(ForeignKey("wf_runs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10))
    command: Mapped[str] = mapped_column(Text, default="")
    image: Mapped[str] = mapped_column(String(500), default="")
    compute_backend: Mapped[str] = mapped_column(String(50), default="")
    exit_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    log_path: Mapped[str | None] = mapped_column(String(1024), nullable=True)

    run: Mapped[RunRow] = relationship(back_populates="steps")


class StateChangeRow(Base):
    """Every accepted transition of a run, with its reason: the run's history."""

    __tablename__ = "wf_state_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("wf_runs.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
