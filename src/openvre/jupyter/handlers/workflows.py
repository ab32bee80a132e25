"""``workflows/...``: validate and run a reana.yaml from the file browser, follow its runs, fetch results.

Runs go through the session's REANA client, so the panel drives the embedded workflows service and a
real REANA alike. Submission is reana-client's (:func:`openvre.workflows.submit.submit_run`): the
spec is checked first (an invalid one answers 422 with every problem and its line), then the run is
created, its declared inputs uploaded from the yaml's folder, and started, as a job.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tornado import web

from openvre.clients.reana import ReanaClient
from openvre.errors import InvalidInput
from openvre.jupyter.handlers.base import WorkspaceHandler, string_arg
from openvre.jupyter.jobs import Job, raise_for_failures
from openvre.jupyter.paths import relative_path
from openvre.publish import download_workspace_file
from openvre.workflows.graph import run_graph
from openvre.workflows.submit import files_to_upload, load_submission, submit_run
from openvre.workflows.validation import validate_spec

STATUSES = ("created", "queued", "pending", "running", "finished", "failed", "stopped", "deleted")
MAX_CACHED_FILES = 100
_WORKFLOW_FILES: dict[tuple[str, str], str] = {}  # (run id, path) → text; a run's workflow file never changes
_RUN = re.compile(r"^(?P<name>.+?)\.(?P<number>\d+(?:\.\d+)?)$")


def summary(item: dict[str, Any]) -> dict[str, Any]:
    """A run as the list shows it: name and run number apart, step counts."""
    match = _RUN.match(str(item["name"]))
    progress = item.get("progress") or {}
    return {
        "id": item["id"],
        "name": match["name"] if match else item["name"],
        "run_number": match["number"] if match else None,
        "workflow": item["name"],
        "status": item["status"],
        "created": item.get("created"),
        "progress": {
            "finished": (progress.get("finished") or {}).get("total", 0),
            "total": (progress.get("total") or {}).get("total", 0),
        },
    }


def list_runs(
    reana: ReanaClient, status: str | None, search: str | None, sort: str, page: int, size: int
) -> dict[str, Any]:
    statuses = [status] if status else [s for s in STATUSES if s != "deleted"]
    found = reana.get_workflows(statuses=statuses, name=search, page=page, size=size, include_progress=True, sort=sort)
    return {"items": [summary(item) for item in found["items"]], "total": found["total"]}


def run_details(reana: ReanaClient, workflow: str) -> dict[str, Any]:
    """A run's summary, times, type and step graph with each step's status."""
    status = reana.get_workflow_status(workflow)
    specification = reana.get_workflow_specification(workflow)["specification"]
    logs = reana.get_workflow_logs(workflow)
    progress = status.get("progress") or {}
    graph = run_graph(specification, logs.get("job_logs") or {}, _workflow_file_reader(reana, status))
    return {
        **summary(status),
        "started": progress.get("run_started_at"),
        "ended": progress.get("run_finished_at") or progress.get("run_stopped_at"),
        "message": status.get("logs") or "",
        "workflow_type": (specification.get("workflow") or {}).get("type"),
        "graph": graph.as_json(),
    }


def _workflow_file_reader(reana: ReanaClient, status: dict[str, Any]) -> Callable[[str], str]:
    """Read a run's CWL or yadage file from its workspace, once per run: the panel asks every half second."""

    def read(path: str) -> str:
        key = (str(status["id"]), path)
        if key not in _WORKFLOW_FILES:
            with tempfile.TemporaryDirectory(prefix="openvre-graph-") as scratch:
                saved = download_workspace_file(reana, str(status["name"]), path, Path(scratch))
                text = saved.read_text(encoding="utf-8")
            while len(_WORKFLOW_FILES) >= MAX_CACHED_FILES:
                _WORKFLOW_FILES.pop(next(iter(_WORKFLOW_FILES)))
            _WORKFLOW_FILES[key] = text
        return _WORKFLOW_FILES[key]

    return read


def run_logs(reana: ReanaClient, workflow: str) -> dict[str, Any]:
    logs = reana.get_workflow_logs(workflow)
    jobs = sorted((logs.get("job_logs") or {}).items(), key=lambda item: str(item[1].get("started_at") or ""))
    steps = [
        {
            "id": job_id,
            "name": job.get("job_name"),
            "status": job.get("status"),
            "started": job.get("started_at"),
            "finished": job.get("finished_at"),
            "command": job.get("cmd"),
            "logs": job.get("logs") or "",
        }
        for job_id, job in jobs
    ]
    return {"workflow_log": logs.get("workflow_logs") or "", "steps": steps}


def outputs_of(reana: ReanaClient, workflow: str, wanted: list[str] | None) -> list[str]:
    """Workspace files to download: those asked for (folders expanded), else the declared outputs."""
    listing = [str(item["name"]) for item in reana.get_files(workflow)]
    if wanted is None:
        outputs = reana.get_workflow_specification(workflow)["specification"].get("outputs") or {}
        wanted = [*(outputs.get("files") or []), *(outputs.get("directories") or [])]
    names: list[str] = []
    for name in wanted:
        clean = str(name).strip("/").removeprefix("./")
        inside = [path for path in listing if path.startswith(clean + "/")]
        names += inside or [clean]
    return list(dict.fromkeys(names))


def download_results(
    reana: ReanaClient, workflow: str, wanted: list[str] | None, dest: Path, root: Path, job: Job
) -> dict[str, Any]:
    names = outputs_of(reana, workflow, wanted)
    if not names:
        raise InvalidInput(f"{workflow} declares no outputs; name the files to download", field="files")
    job.set_total(len(names), "files")
    paths = []
    for name in names:
        job.say(f"downloading {name}")
        paths.append(relative_path(root, download_workspace_file(reana, workflow, name, dest)))
        job.advance(1)
    return {"paths": paths}


def submit(reana: ReanaClient, spec: Path, name: str, parameters: dict[str, Any], job: Job) -> dict[str, Any]:
    document = load_submission(spec)
    job.set_total(3 + len(files_to_upload(document, spec.parent)), "steps")
    results = []
    for result in submit_run(reana, spec, name=name, parameters=parameters):
        results.append(result)
        job.say(f"{result.action} {result.target}")
        job.advance(1)
    raise_for_failures(results, "steps")
    return {"workflow": results[-1].target}


class WorkflowsHandler(WorkspaceHandler):
    async def reana(self) -> ReanaClient:
        return await self.blocking(self.workspace.workflows)

    @web.authenticated
    async def get(self) -> None:
        status = self.get_argument("status", None) or None
        if status is not None and status not in STATUSES:
            raise InvalidInput(f"status {status!r} is not one of {', '.join(STATUSES)}", field="status")
        sort = self.get_argument("sort", "desc")
        if sort not in ("asc", "desc"):
            raise InvalidInput(f"sort {sort!r} is not asc (oldest first) or desc (newest first)", field="sort")
        page, size = self.int_arg("page", 1, 10_000), self.int_arg("size", 20, 500)
        reana = await self.reana()
        self.reply(
            await self.blocking(list_runs, reana, status, self.get_argument("search", None) or None, sort, page, size)
        )

    @web.authenticated
    async def post(self) -> None:
        body = self.body()
        spec = self.path_in_root(body.get("path"))
        name = string_arg(body.get("name"), "name", required=False) or _default_name(spec)
        parameters = body.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise InvalidInput("parameters is an object of NAME: value", field="parameters")
        await self.require("workflows")
        await self.blocking(load_submission, spec)  # an invalid spec is a 422 now, not a failed job
        workspace = self.workspace

        def work(job: Job) -> dict[str, Any]:
            with workspace.connections("workflows") as services:
                return submit(services.workflows, spec, name, parameters, job)

        self.start_job("submit", "steps", work)


def _default_name(spec: Path) -> str:
    """The workflow's name when none is given: the yaml's folder, as REANA names allow."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", spec.parent.name).strip("-") or "workflow"


class ValidateHandler(WorkspaceHandler):
    @web.authenticated
    async def post(self) -> None:
        spec = self.path_in_root(self.body().get("path"))
        self.reply(await self.blocking(validation_answer, spec, relative_path(self.root, spec)))


def validation_answer(spec: Path, shown: str) -> dict[str, Any]:
    try:
        text = spec.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InvalidInput(f"cannot read {shown}: give the path of a reana.yaml text file", field="path") from None
    report = validate_spec(text, source=shown, base_dir=spec.parent)
    problems = [
        {
            "line": p.line,
            "message": f"{p.path}: {p.message}" if p.path else p.message,
            "fix": p.fix,
            "severity": severity,
        }
        for severity, found in (("error", report.errors), ("warning", report.warnings))
        for p in found
    ]
    workflow_type = report.spec.workflow.type if report.spec else None
    return {"valid": report.valid, "problems": problems, "workflow_type": workflow_type}


class WorkflowHandler(WorkspaceHandler):
    async def reana(self) -> ReanaClient:
        return await self.blocking(self.workspace.workflows)

    @web.authenticated
    async def get(self, workflow: str) -> None:
        self.reply(await self.blocking(run_details, await self.reana(), workflow))

    @web.authenticated
    async def delete(self, workflow: str) -> None:
        await self.blocking((await self.reana()).delete_workflow, workflow)
        self.reply({"deleted": workflow})


class WorkflowLogsHandler(WorkflowHandler):
    @web.authenticated
    async def get(self, workflow: str) -> None:
        self.reply(await self.blocking(run_logs, await self.reana(), workflow))


class WorkflowFilesHandler(WorkflowHandler):
    @web.authenticated
    async def get(self, workflow: str) -> None:
        listing = await self.blocking((await self.reana()).get_files, workflow)
        files = [
            {"name": f["name"], "size": (f.get("size") or {}).get("raw"), "last-modified": f.get("last-modified")}
            for f in listing
        ]
        self.reply({"files": files})


class WorkflowDownloadHandler(WorkflowHandler):
    @web.authenticated
    async def post(self, workflow: str) -> None:
        body = self.body()
        wanted = body.get("files")
        if wanted is not None and (not isinstance(wanted, list) or not all(isinstance(f, str) for f in wanted)):
            raise InvalidInput("files is a list of workspace paths, or null for the declared outputs", field="files")
        dest = self.path_in_root(body["path"]) if body.get("path") else self.path_in_root(f"results/{workflow}")
        await self.require("workflows")
        root, workspace = self.root, self.workspace

        def work(job: Job) -> dict[str, Any]:
            with workspace.connections("workflows") as services:
                return download_results(services.workflows, workflow, wanted, dest, root, job)

        self.start_job("download-results", "files", work)


class WorkflowRestartHandler(WorkflowHandler):
    @web.authenticated
    async def post(self, workflow: str) -> None:
        reana = await self.reana()
        answer = await self.blocking(reana.restart_workflow, workflow)
        restarted = f"{answer['workflow_name']}.{answer['run_number']}"
        self.reply(await self.blocking(run_details, reana, restarted))


class WorkflowStopHandler(WorkflowHandler):
    @web.authenticated
    async def post(self, workflow: str) -> None:
        reana = await self.reana()
        await self.blocking(reana.stop_workflow, workflow)
        self.reply(await self.blocking(run_details, reana, workflow))


_W = r"([^/]+)"
ROUTES: list[tuple[str, type[WorkspaceHandler]]] = [
    (r"workflows", WorkflowsHandler),
    (r"workflows/validate", ValidateHandler),
    (rf"workflows/{_W}/logs", WorkflowLogsHandler),
    (rf"workflows/{_W}/files", WorkflowFilesHandler),
    (rf"workflows/{_W}/download", WorkflowDownloadHandler),
    (rf"workflows/{_W}/restart", WorkflowRestartHandler),
    (rf"workflows/{_W}/stop", WorkflowStopHandler),
    (rf"workflows/{_W}", WorkflowHandler),
]
