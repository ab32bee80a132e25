"""Workflow runs: create, start, restart, find, list, stop and delete, REANA's way.

A workflow is a name an account owns; ``create_run`` gives it run ``name.N`` (the next number) with a
fresh workspace, ``start_run`` queues it for the scheduler, and ``restart_run`` makes ``name.N.M``: a
new run in the *same* workspace, with new parameters, operational options (FROM/TARGET) or a new
specification. Runs are found by ``name`` (the latest run), ``name.N``, ``name.N.M`` or their UUID, and
only among the caller's own runs. Every status change goes through
:func:`openvre.workflows.transitions.transition`.

Like every core module, these functions take the caller's session and never commit it.

    run = create_run(session, "alice", "hello", spec, config=config)    # hello.1, created
    start_run(session, "alice", "hello", parameters={"name": "Ada"})    # queued
"""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openvre.db import utcnow
from openvre.errors import InvalidInput
from openvre.workflows._tables import RunRow, WorkflowRow
from openvre.workflows.config import WorkflowsConfig
from openvre.workflows.errors import InvalidWorkflowSpec, RunStateError, WorkflowNotFound
from openvre.workflows.transitions import ENDED, RunStatus, check_transition, transition
from openvre.workflows.validation import validate_spec
from openvre.workflows.workspace import check_spec_paths

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
_REFERENCE = re.compile(r"^(?P<name>[^.]+)(?:\.(?P<major>\d+)(?:\.(?P<minor>\d+))?)?$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


@dataclass(frozen=True)
class Progress:
    total: int
    finished: int
    failed: int
    running: int
    current_step: str | None
    current_command: str | None


@dataclass(frozen=True)
class Run:
    id: str
    name: str
    run_number: str  # "N" or "N.M", as REANA writes it
    owner: str
    status: RunStatus
    workflow_type: str
    spec: dict[str, Any]
    parameters: dict[str, Any]  # the values given at start, over the spec's defaults
    operational_options: dict[str, Any]  # the ones given at start (-o)
    workspace: Path
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    stopped_at: datetime | None
    stop_requested: bool
    progress: Progress
    message: str
    restarted_from: str | None
    log_path: Path | None
    provenance: dict[str, Any] | None

    @property
    def full_name(self) -> str:
        return f"{self.name}.{self.run_number}"

    @property
    def input_parameters(self) -> dict[str, Any]:
        """The parameters the engine sees: the spec's ``inputs.parameters`` with the given ones on top."""
        defaults = (self.spec.get("inputs") or {}).get("parameters") or {}
        return {**defaults, **self.parameters}

    @property
    def engine_options(self) -> dict[str, Any]:
        """The operational options the engine sees: the spec's ``inputs.options`` with the given ones on top."""
        defaults = (self.spec.get("inputs") or {}).get("options") or {}
        return {**defaults, **self.operational_options}

    @classmethod
    def from_row(cls, row: RunRow) -> Run:
        return cls(
            id=row.id,
            name=row.name,
            run_number=run_number(row),
            owner=row.owner,
            status=RunStatus(row.status),
            workflow_type=row.workflow_type,
            spec=row.spec,
            parameters=dict(row.parameters or {}),
            operational_options=dict(row.operational_options or {}),
            workspace=Path(row.workspace),
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            stopped_at=row.stopped_at,
            stop_requested=row.stop_requested_at is not None,
            progress=Progress(
                row.total_steps,
                row.finished_steps,
                row.failed_steps,
                row.running_steps,
                row.current_step,
                row.current_command,
            ),
            message=row.message,
            restarted_from=row.restarted_from,
            log_path=Path(row.log_path) if row.log_path else None,
            provenance=row.provenance,
        )


@dataclass(frozen=True)
class RunPage:
    items: list[Run]
    total: int


def run_number(row: RunRow) -> str:
    return f"{row.run_major}.{row.run_minor}" if row.run_minor else str(row.run_major)


# -- create, start, restart -------------------------------------------------------------------------
def create_run(session: Session, owner: str, name: str, spec: dict[str, Any], *, config: WorkflowsConfig) -> Run:
    """Run ``name.N`` (N one more than any earlier run of the name, deleted ones included), created."""
    check_workflow_name(name)
    _check_spec(spec, config)
    workflow = _workflow_for_update(session, owner, name)
    latest = session.scalar(select(func.max(RunRow.run_major)).where(RunRow.workflow_id == workflow.id))
    major = (latest or 0) + 1
    run_id = str(uuid.uuid4())
    workspace = config.workspaces / owner / name / str(major)
    workspace.mkdir(parents=True, exist_ok=True)
    row = _new_row(workflow, run_id, major, 0, spec, workspace, config)
    session.add(row)
    session.flush()
    return Run.from_row(row)


def start_run(
    session: Session,
    owner: str,
    reference: str,
    *,
    parameters: dict[str, Any] | None = None,
    operational_options: dict[str, Any] | None = None,
) -> Run:
    """Queue a created run for the scheduler, with its input parameters and operational options."""
    row = find_run_row(session, owner, reference)
    transition(session, row, RunStatus.QUEUED, f"started by {owner}")
    row.parameters = {**(row.parameters or {}), **_plain_dict(parameters, "input_parameters")}
    row.operational_options = _plain_dict(operational_options, "operational_options")
    return Run.from_row(row)


def restart_run(
    session: Session,
    owner: str,
    reference: str,
    *,
    config: WorkflowsConfig,
    parameters: dict[str, Any] | None = None,
    operational_options: dict[str, Any] | None = None,
    spec: dict[str, Any] | None = None,
) -> Run:
    """Queue ``name.N.M``: run N again in its own workspace, optionally with a new specification."""
    source = find_run_row(session, owner, reference)
    if RunStatus(source.status) not in ENDED:
        raise RunStateError(
            f"workflow {source.name}.{run_number(source)} is {source.status}; only finished, failed or stopped "
            "runs can be restarted" + (" (start it with `reana-client start`)" if source.status == "created" else "")
        )
    if spec is not None:
        _check_spec(spec, config)
    workflow = _workflow_for_update(session, owner, source.name)
    latest = session.scalar(
        select(func.max(RunRow.run_minor)).where(
            RunRow.workflow_id == workflow.id, RunRow.run_major == source.run_major
        )
    )
    row = _new_row(
        workflow,
        str(uuid.uuid4()),
        source.run_major,
        (latest or 0) + 1,
        spec or source.spec,
        Path(source.workspace),
        config,
    )
    row.restarted_from = source.id
    row.parameters = {**(source.parameters or {}), **_plain_dict(parameters, "input_parameters")}
    row.operational_options = _plain_dict(operational_options, "operational_options")
    session.add(row)
    session.flush()
    transition(session, row, RunStatus.QUEUED, f"restart of {source.name}.{run_number(source)} by {owner}")
    return Run.from_row(row)


def _new_row(
    workflow: WorkflowRow,
    run_id: str,
    major: int,
    minor: int,
    spec: dict[str, Any],
    workspace: Path,
    config: WorkflowsConfig,
) -> RunRow:
    return RunRow(
        id=run_id,
        workflow_id=workflow.id,
        owner=workflow.owner,
        name=workflow.name,
        run_major=major,
        run_minor=minor,
        status=RunStatus.CREATED.value,
        workflow_type=str((spec.get("workflow") or {}).get("type", "")),
        spec=spec,
        parameters={},
        operational_options={},
        workspace=str(workspace),
        log_path=str(config.logs / f"{run_id}.log"),
    )


def _workflow_for_update(session: Session, owner: str, name: str) -> WorkflowRow:
    """The workflow row, created if new, locked so concurrent creates get distinct run numbers."""
    query = select(WorkflowRow).where(WorkflowRow.owner == owner, WorkflowRow.name == name).with_for_update()
    workflow = session.scalars(query).one_or_none()
    if workflow is not None:
        return workflow
    try:
        with session.begin_nested():
            workflow = WorkflowRow(owner=owner, name=name)
            session.add(workflow)
    except IntegrityError:  # another request created it first: use theirs
        return session.scalars(query).one()
    return workflow


def _check_spec(spec: dict[str, Any], config: WorkflowsConfig) -> None:
    """Refuse what REANA refuses, and steps asking for a compute backend this server does not offer."""
    if not isinstance(spec, dict):
        raise InvalidWorkflowSpec("the specification must be the reana.yaml content as a JSON object")
    report = validate_spec(spec, source="reana.yaml", compute_backends=config.compute_backends)
    if report.errors:
        problems = "\n".join(f"- {problem}" for problem in report.errors)
        count = len(report.errors)
        raise InvalidWorkflowSpec(
            f"reana.yaml has {count} problem{'s' if count > 1 else ''}:\n{problems}", problems=report.errors
        )
    # Inputs, outputs and workflow files are workspace paths: none may lead out of the workspace.
    check_spec_paths(config.workspaces, spec)


def _plain_dict(value: dict[str, Any] | None, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f'{what} must be an object of names to values, e.g. {{"name": "Ada"}}', field=what)
    return dict(value)


def check_workflow_name(name: str) -> None:
    """Names become directory names and the part before the first dot of ``name.N``: keep them plain."""
    if _UUID.match(name):
        raise InvalidInput("a workflow name cannot be a UUID; choose a name such as 'my-analysis'", field="name")
    if not _NAME.match(name):
        raise InvalidInput(
            f"workflow name {name!r} is not allowed: use up to 100 letters, digits, '-' and '_' "
            "(no '.', which separates the run number), starting with a letter or digit",
            field="name",
        )


# -- find and list --------------------------------------------------------------------------------
def find_run_row(session: Session, owner: str, reference: str, *, for_update: bool = False) -> RunRow:
    """The caller's run named by ``reference``: a UUID, ``name`` (latest run), ``name.N`` or ``name.N.M``."""
    query = select(RunRow).where(RunRow.owner == owner)
    if _UUID.match(reference):
        query = query.where(RunRow.id == reference.lower())
    else:
        match = _REFERENCE.match(reference)
        if match is None:
            raise _not_found(reference)
        query = query.where(RunRow.name == match["name"])
        if match["major"] is not None:
            query = query.where(RunRow.run_major == int(match["major"]), RunRow.run_minor == int(match["minor"] or 0))
        query = query.order_by(RunRow.run_major.desc(), RunRow.run_minor.desc()).limit(1)
    if for_update:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        raise _not_found(reference)
    return row


def _not_found(reference: str) -> WorkflowNotFound:
    return WorkflowNotFound(
        f"workflow {reference} does not exist; `reana-client list` (or `vre runs list`) shows your workflows"
    )


def get_run(session: Session, owner: str, reference: str) -> Run:
    return Run.from_row(find_run_row(session, owner, reference))


def list_runs(
    session: Session,
    owner: str,
    *,
    statuses: list[RunStatus] | None = None,
    names: list[str] | None = None,
    newest_first: bool = True,
    page: int = 1,
    size: int | None = None,
) -> RunPage:
    """The caller's runs, filtered by status and by name (substring, any of ``names``), newest first."""
    if page < 1 or (size is not None and size < 1):
        raise InvalidInput("page and size start at 1", field="page")
    query: Select[tuple[RunRow]] = select(RunRow).where(RunRow.owner == owner)
    if statuses:
        query = query.where(RunRow.status.in_([RunStatus(status).value for status in statuses]))
    if names:
        query = query.where(or_(*(RunRow.name.contains(name, autoescape=True) for name in names)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = (RunRow.created_at, RunRow.run_major, RunRow.run_minor)
    query = query.order_by(*(column.desc() if newest_first else column.asc() for column in order))
    if size is not None:
        query = query.offset((page - 1) * size).limit(size)
    return RunPage([Run.from_row(row) for row in session.scalars(query)], total)


# -- stop and delete ------------------------------------------------------------------------------
def stop_run(session: Session, owner: str, reference: str) -> Run:
    """A queued run stops at once; a pending or running one is asked to, and its scheduler stops it."""
    row = find_run_row(session, owner, reference, for_update=True)
    if row.status in (RunStatus.PENDING, RunStatus.RUNNING):
        row.stop_requested_at = row.stop_requested_at or utcnow()
    else:
        transition(session, row, RunStatus.STOPPED, f"stopped by {owner}")
    return Run.from_row(row)


def delete_runs(
    session: Session, owner: str, reference: str, *, all_runs: bool = False, remove_workspace: bool = True
) -> list[Run]:
    """Mark the run (or every run of its name) deleted and remove workspaces no remaining run uses.

    Runs stay in the database as ``deleted`` so run numbers are never reused. A restart shares its
    workspace with the run it restarts, so a workspace goes only with the last run still using it.
    ``remove_workspace=False`` keeps the files (reana-client always asks to remove them).
    """
    target = find_run_row(session, owner, reference)
    rows = [target]
    if all_runs:
        rows = list(
            session.scalars(
                select(RunRow)
                .where(RunRow.workflow_id == target.workflow_id, RunRow.status != RunStatus.DELETED.value)
                .order_by(RunRow.run_major, RunRow.run_minor)
            )
        )
        if not rows:
            raise RunStateError(f"every run of {target.name} is already deleted")
    for row in rows:  # all or nothing: check every run before deleting any
        check_transition(row, RunStatus.DELETED)
    for row in rows:
        transition(session, row, RunStatus.DELETED, f"deleted by {owner}")
    session.flush()
    for workspace in {row.workspace for row in rows} if remove_workspace else ():
        still_used = session.scalar(
            select(func.count()).where(RunRow.workspace == workspace, RunRow.status != RunStatus.DELETED.value)
        )
        if not still_used:
            shutil.rmtree(workspace, ignore_errors=True)
    return [Run.from_row(row) for row in rows]
