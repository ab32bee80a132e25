"""What every workspace route shares: the JSON body, the workspace and jobs, and ONE error mapping.

Errors answer ``{"error": "<Class>", "message", "fields"?, "problems"?}`` with the status of openvre's
own table (:data:`openvre.web.problems.STATUS_BY_ERROR`), plus what only the workspace has: an
invalid reana.yaml is 422 with its problems (line, message, fix), metadata problems list their
``fields``, a service that does not answer is 502. Anything else is 500 with an id; the traceback goes
only to the server log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from jupyter_server.base.handlers import APIHandler
from tornado.web import HTTPError

from openvre import errors
from openvre.jupyter.jobs import Job, Jobs, Unit, Work
from openvre.jupyter.paths import resolve_path
from openvre.jupyter.workspace import ServiceUnreachable, Workspace
from openvre.repository.errors import InvalidMetadata
from openvre.web.problems import status_for
from openvre.workflows.errors import InvalidWorkflowSpec

log = logging.getLogger(__name__)
T = TypeVar("T")

WORKSPACE_KEY = "openvre_workspace"
JOBS_KEY = "openvre_jobs"


def error_status(error: BaseException) -> int:
    """The HTTP status of an error, by class: openvre's table, 422 for a spec, 502 for a silent service."""
    if isinstance(error, InvalidWorkflowSpec):
        return 422
    if isinstance(error, ServiceUnreachable | httpx.TransportError):
        return 502
    if isinstance(error, errors.OpenVREError):
        return status_for(error)
    return 500


def error_json(error: BaseException) -> dict[str, Any]:
    """The error as the panels show it: its class, the message with the fix, and the fields or problems."""
    if isinstance(error, httpx.TransportError):
        url = error.request.url.copy_with(query=None) if _has_request(error) else "a service"
        return {"error": "ServiceUnreachable", "message": f"{url} does not answer ({error}); is the service up?"}
    if not isinstance(error, errors.OpenVREError):
        error_id = uuid.uuid4().hex[:12]
        log.error("openvre workspace error %s", error_id, exc_info=error)
        return {
            "error": "InternalError",
            "message": f"openvre hit an unexpected error; the Jupyter server log has it under id {error_id}",
        }
    body: dict[str, Any] = {"error": type(error).__name__, "message": error.message}
    if isinstance(error, InvalidMetadata):
        body["fields"] = [{"field": p.field, "message": p.message} for p in error.problems]
    elif error.field:
        body["fields"] = [{"field": error.field, "message": error.message}]
    if isinstance(error, InvalidWorkflowSpec):
        body["problems"] = [{"line": p.line, "message": p.message, "fix": p.fix} for p in error.problems]
    return body


def _has_request(error: httpx.TransportError) -> bool:
    try:
        error.request  # noqa: B018 - httpx raises RuntimeError when the error has no request
    except RuntimeError:
        return False
    return True


class WorkspaceHandler(APIHandler):
    """A route of the workspace API: JSON in and out, errors mapped by :func:`error_json`."""

    @property
    def workspace(self) -> Workspace:
        workspace: Workspace = self.settings[WORKSPACE_KEY]
        return workspace

    @property
    def jobs(self) -> Jobs:
        jobs: Jobs = self.settings[JOBS_KEY]
        return jobs

    @property
    def root(self) -> Path:
        return self.workspace.root_dir

    def body(self) -> dict[str, Any]:
        """The request's JSON object ({} when empty); anything else is a 400 saying what to send."""
        if not self.request.body:
            return {}
        try:
            value = json.loads(self.request.body)
        except ValueError as error:
            raise errors.InvalidInput(f"the request body is not JSON ({error}); send a JSON object") from None
        if not isinstance(value, dict):
            raise errors.InvalidInput("the request body must be a JSON object")
        return value

    def int_arg(self, name: str, default: int, high: int) -> int:
        """A whole-number query argument from 1 to ``high`` (larger asks get ``high``); else a 400."""
        try:
            return min(max(int(self.get_argument(name, str(default))), 1), high)
        except ValueError:
            raise errors.InvalidInput(f"{name} must be a whole number from 1 to {high}", field=name) from None

    def path_in_root(self, given: Any, field: str = "path") -> Path:
        if not isinstance(given, str):
            raise errors.InvalidInput(f"{field} must be a path relative to the Jupyter root", field=field)
        return resolve_path(self.root, given, field=field)

    async def require(self, *services: str) -> None:
        """401 ``NotLoggedIn`` unless each service has usable credentials (checked off the IO loop)."""
        for name in services:
            await self.blocking(self.workspace.require, name)

    async def blocking(self, call: Callable[..., T], *args: Any) -> T:
        """Run a blocking client call in a thread, so the server's IO loop keeps serving."""
        return await asyncio.to_thread(call, *args)

    def reply(self, value: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(value, default=str))

    def start_job(self, kind: str, unit: Unit, work: Work) -> Job:
        job = self.jobs.start(kind, unit, work)
        self.reply({"job": job.id}, 202)
        return job

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Every error of these routes as JSON; openvre's errors with their class and message."""
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        if error is not None and not isinstance(error, HTTPError):
            body = error_json(error)
            self.set_status(error_status(error))
        else:
            reason = getattr(error, "log_message", None) or self._reason
            body = {"error": "HTTPError", "message": str(reason)}
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))


def string_arg(value: Any, field: str, *, required: bool = True) -> str:
    """A string field of the body; a missing or non-string one is a 400 naming the field."""
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise errors.InvalidInput(f"{field} is required: give it as a string", field=field)
    return value.strip()


__all__ = ["JOBS_KEY", "WORKSPACE_KEY", "WorkspaceHandler", "error_json", "error_status", "string_arg"]
