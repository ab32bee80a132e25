"""REANA's workflow endpoints, thin over :mod:`openvre.workflows.runs`: create, list, start, status, logs."""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from openvre.db import Database
from openvre.errors import InvalidInput
from openvre.web.deps import DbSession
from openvre.workflows import runs, steps
from openvre.workflows.config import WorkflowsConfig
from openvre.workflows.diff import diff_runs, workspace_text_diff
from openvre.workflows.reana_api._shapes import list_item_json, logs_json, run_answer, status_json
from openvre.workflows.reana_api._wire import JsonBody, ReanaCaller, flag, positive_int, require, search_names
from openvre.workflows.transitions import ACTIVE, RunStatus

router = APIRouter(prefix="/api/workflows")

DEFAULT_WORKFLOW_NAME = "workflow"  # what REANA names a workflow created without a name
STOP_WAIT_SECONDS = 10.0


def _config(request: Request) -> WorkflowsConfig:
    config: WorkflowsConfig = request.app.state.workflows_config
    return config


def _wake_scheduler(request: Request) -> None:
    scheduler = request.app.state.scheduler
    if scheduler is not None:
        scheduler.wake()


@router.get("")
def get_workflows(request: Request, caller: ReanaCaller, session: DbSession) -> dict[str, Any]:
    """The caller's runs; ``status`` is one CSV value and ``search`` a JSON object, as the client sends."""
    require(caller, "read_workflow")
    query = request.query_params
    statuses = _statuses(query.getlist("status"))
    if query.get("workflow_id_or_name"):  # `reana-client list -w NAME`: that one run
        page = runs.RunPage([runs.get_run(session, caller.username, query["workflow_id_or_name"])], 1)
    else:
        page = runs.list_runs(
            session,
            caller.username,
            statuses=statuses or None,
            names=search_names(query.get("search")) or None,
            newest_first=query.get("sort", "desc") != "asc",
            page=positive_int(query.get("page"), "page", 1) or 1,
            size=positive_int(query.get("size"), "size", None),
        )
    verbose = flag(query.get("verbose"))
    with_progress = verbose or flag(query.get("include_progress"))
    with_size = verbose or flag(query.get("include_workspace_size"))
    items = [
        list_item_json(
            run,
            steps.list_steps(session, run.id) if with_progress else None,
            _workspace_size(run) if with_size else None,
        )
        for run in page.items
    ]
    return {"items": items, "total": page.total}


@router.post("")
def create_workflow(request: Request, spec: JsonBody, caller: ReanaCaller, session: DbSession) -> JSONResponse:
    require(caller, "create_workflow")
    name = request.query_params.get("workflow_name") or DEFAULT_WORKFLOW_NAME
    run = runs.create_run(session, caller.username, name, spec, config=_config(request))
    body = {
        "message": "The workflow has been successfully created.",
        "workflow_id": run.id,
        "workflow_name": run.full_name,
    }
    return JSONResponse(body, status_code=201)


@router.get("/{workflow_id_or_name}/specification")
def get_workflow_specification(workflow_id_or_name: str, caller: ReanaCaller, session: DbSession) -> dict[str, Any]:
    require(caller, "read_workflow")
    run = runs.get_run(session, caller.username, workflow_id_or_name)
    return {"specification": run.spec, "parameters": run.input_parameters}


@router.get("/{workflow_id_or_name}/parameters")
def get_workflow_parameters(workflow_id_or_name: str, caller: ReanaCaller, session: DbSession) -> dict[str, Any]:
    """The parameters a start may override: reana-client drops any ``-p`` name not listed here."""
    require(caller, "read_workflow")
    run = runs.get_run(session, caller.username, workflow_id_or_name)
    return {"id": run.id, "name": run.full_name, "type": run.workflow_type, "parameters": run.input_parameters}


@router.post("/{workflow_id_or_name}/start")
def start_workflow(workflow_id_or_name: str, request: Request, body: JsonBody, caller: ReanaCaller) -> dict[str, Any]:
    """Start a created run, or with ``restart: true`` queue ``name.N.M`` in the same workspace."""
    require(caller, "run_workflow")
    if not isinstance(body, dict):
        raise InvalidInput("the body must be an object with input_parameters and operational_options")
    parameters, options = body.get("input_parameters"), body.get("operational_options")
    database: Database = request.app.state.database
    # Committed before the scheduler is woken, so its next cycle finds the queued run.
    with database.transaction() as session:
        if body.get("restart"):
            run = runs.restart_run(
                session,
                caller.username,
                workflow_id_or_name,
                config=_config(request),
                parameters=parameters,
                operational_options=options,
                spec=body.get("reana_specification"),
            )
            text = f"Workflow {run.full_name} has been queued as a restart."
        else:
            run = runs.start_run(
                session, caller.username, workflow_id_or_name, parameters=parameters, operational_options=options
            )
            text = "Workflow submitted."
    _wake_scheduler(request)
    return run_answer(run, text)


@router.get("/{workflow_id_or_name}/status")
def get_workflow_status(workflow_id_or_name: str, caller: ReanaCaller, session: DbSession) -> dict[str, Any]:
    require(caller, "read_workflow")
    run = runs.get_run(session, caller.username, workflow_id_or_name)
    return status_json(run, steps.list_steps(session, run.id))


@router.put("/{workflow_id_or_name}/status")
def set_workflow_status(
    workflow_id_or_name: str, request: Request, body: JsonBody, caller: ReanaCaller
) -> dict[str, Any]:
    """``status=stop`` (waits a little for the scheduler to stop it) or ``status=deleted``."""
    database: Database = request.app.state.database
    wanted = request.query_params.get("status", "")
    if wanted == "stop":
        require(caller, "run_workflow")
        with database.transaction() as session:
            run = runs.stop_run(session, caller.username, workflow_id_or_name)
        _wake_scheduler(request)
        run = _settled(database, caller.username, run)
        return run_answer(run, f"Workflow {run.full_name} has been stopped.")
    if wanted == "deleted":
        require(caller, "delete_workflow")
        options = body if isinstance(body, dict) else {}
        with database.transaction() as session:
            deleted = runs.delete_runs(
                session,
                caller.username,
                workflow_id_or_name,
                all_runs=bool(options.get("all_runs", False)),
                remove_workspace=bool(options.get("workspace", True)),
            )
        return run_answer(deleted[0], f"Workflow {deleted[0].full_name} has been deleted.")
    raise InvalidInput(f"status={wanted!r} is not supported: use status=stop or status=deleted", field="status")


def _settled(database: Database, owner: str, run: runs.Run) -> runs.Run:
    """The run once its scheduler has acted on a stop request, or as it is after STOP_WAIT_SECONDS."""
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    while run.status in ACTIVE and time.monotonic() < deadline:
        time.sleep(0.1)
        with database.transaction() as session:
            run = runs.get_run(session, owner, run.id)
    return run


@router.get("/{workflow_id_or_name}/logs")
def get_workflow_logs(
    workflow_id_or_name: str, wanted: JsonBody, caller: ReanaCaller, session: DbSession
) -> dict[str, Any]:
    """Engine and step logs; the step names to show may come as a JSON list in the GET body."""
    require(caller, "read_workflow")
    names = [str(name) for name in wanted] if isinstance(wanted, list) and wanted else None
    run = runs.get_run(session, caller.username, workflow_id_or_name)
    workflow_log = ""
    if run.log_path is not None and run.log_path.is_file():
        workflow_log = run.log_path.read_text(errors="replace")
    return logs_json(run, workflow_log, steps.list_steps(session, run.id, names))


@router.get("/{workflow_id_or_name_a}/diff/{workflow_id_or_name_b}")
def get_workflow_diff(
    workflow_id_or_name_a: str, workflow_id_or_name_b: str, request: Request, caller: ReanaCaller, session: DbSession
) -> dict[str, Any]:
    require(caller, "read_workflow")
    brief = flag(request.query_params.get("brief"))
    context = positive_int(request.query_params.get("context_lines"), "context_lines", 5) or 5
    diff = diff_runs(session, caller.username, workflow_id_or_name_a, workflow_id_or_name_b, context_lines=context)
    return {
        "reana_specification": json.dumps(diff.specification),
        "workspace_listing": json.dumps(workspace_text_diff(diff, brief=brief, context_lines=context)),
    }


# -- query parsing ---------------------------------------------------------------------------------
def _statuses(values: list[str]) -> list[RunStatus]:
    """REANA's ``status`` filter: one CSV value from reana-client, or the parameter repeated."""
    items = [item.strip() for value in values for item in value.split(",") if item.strip()]
    known = {status.value for status in RunStatus}
    unknown = [item for item in items if item not in known]
    if unknown:
        raise InvalidInput(f"unknown status {', '.join(unknown)}; use {', '.join(sorted(known))}", field="status")
    return [RunStatus(item) for item in items]


def _workspace_size(run: runs.Run) -> int:
    if not run.workspace.is_dir():
        return 0
    return sum(path.stat().st_size for path in run.workspace.rglob("*") if path.is_file() and not path.is_symlink())
