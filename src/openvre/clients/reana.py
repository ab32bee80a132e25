"""A small REANA REST client for openvre's own front ends (``vre run``, ``vre runs``).

It speaks the subset reana-client 0.9.6 uses, token as ``?access_token=``, so the same code serves
openvre's embedded workflows service (``http://127.0.0.1:8000/reana``) and a real REANA server. REANA's
``{"message": ...}`` errors come back as openvre's exception classes (``WorkflowNotFound``,
``RunStateError``...), so callers catch one tree whichever server answered.

    client = ReanaClient("http://127.0.0.1:8000/reana", token="vre_...")
    created = client.create_workflow(spec, "hello")          # {"workflow_name": "hello.1", ...}
    client.start_workflow("hello.1", parameters={"name": "Ada"})

``transport`` is the seam tests use to run the client against the app in-process.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import httpx

from openvre import errors
from openvre.workflows import errors as workflow_errors

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)

_ERRORS: dict[int, type[errors.OpenVREError]] = {
    400: errors.InvalidInput,
    401: errors.InvalidToken,
    404: workflow_errors.WorkflowNotFound,
    409: workflow_errors.RunStateError,
    501: workflow_errors.EngineNotAvailable,
}


class ReanaClient:
    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        transport: httpx.BaseTransport | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        # ``http``: an already configured client, e.g. Starlette's TestClient running the app in-process.
        self._http = http or httpx.Client(base_url=self.base_url, timeout=DEFAULT_TIMEOUT, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ReanaClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _request(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        query = {key: value for key, value in (params or {}).items() if value is not None}
        query["access_token"] = self._token
        response = self._http.request(method, f"/api{path}", params=query, **kwargs)
        _raise_for_reana_error(response)
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._request(method, path, **kwargs).json()

    # -- server and caller -------------------------------------------------------------------------
    def ping(self) -> dict[str, Any]:
        """Who the token belongs to (``/api/you``, what ``reana-client ping`` calls)."""
        return self._json("GET", "/you")  # type: ignore[no-any-return]

    def info(self) -> dict[str, Any]:
        return self._json("GET", "/info")  # type: ignore[no-any-return]

    # -- workflows ---------------------------------------------------------------------------------
    def create_workflow(self, specification: dict[str, Any], name: str) -> dict[str, Any]:
        """Create run ``name.N`` from a loaded reana.yaml; REANA answers ``workflow_name`` = ``name.N``."""
        return self._json("POST", "/workflows", params={"workflow_name": name}, json=specification)  # type: ignore[no-any-return]

    def get_workflows(
        self,
        *,
        statuses: Iterable[str] | None = None,
        name: str | None = None,
        page: int | None = None,
        size: int | None = None,
        include_progress: bool = False,
        sort: str | None = None,
    ) -> dict[str, Any]:
        """``{"items": [...], "total": n}``; ``statuses`` as REANA's one CSV value, ``name`` a substring.

        ``sort`` ("asc": oldest first, "desc": newest first) is REANA's API parameter, which reana-client
        itself never sends (it sorts the page it got).
        """
        params = {
            "type": "batch",
            "sort": sort,
            "status": ",".join(statuses) if statuses else None,
            "search": json.dumps({"name": [name]}) if name else None,
            "page": page,
            "size": size,
            "include_progress": "true" if include_progress else None,
        }
        return self._json("GET", "/workflows", params=params)  # type: ignore[no-any-return]

    def get_workflow_specification(self, workflow: str) -> dict[str, Any]:
        return self._json("GET", f"/workflows/{_segment(workflow)}/specification")  # type: ignore[no-any-return]

    def get_workflow_parameters(self, workflow: str) -> dict[str, Any]:
        return self._json("GET", f"/workflows/{_segment(workflow)}/parameters")  # type: ignore[no-any-return]

    def start_workflow(
        self, workflow: str, *, parameters: dict[str, Any] | None = None, options: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        body = {"input_parameters": parameters or {}, "operational_options": options or {}}
        return self._json("POST", f"/workflows/{_segment(workflow)}/start", json=body)  # type: ignore[no-any-return]

    def restart_workflow(
        self,
        workflow: str,
        *,
        parameters: dict[str, Any] | None = None,
        options: dict[str, Any] | None = None,
        specification: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Queue ``name.N.M``; the answer's ``workflow_name`` + "." + ``run_number`` names it."""
        body: dict[str, Any] = {
            "input_parameters": parameters or {},
            "operational_options": options or {},
            "restart": True,
        }
        if specification is not None:
            body["reana_specification"] = specification
        return self._json("POST", f"/workflows/{_segment(workflow)}/start", json=body)  # type: ignore[no-any-return]

    def get_workflow_status(self, workflow: str) -> dict[str, Any]:
        return self._json("GET", f"/workflows/{_segment(workflow)}/status")  # type: ignore[no-any-return]

    def stop_workflow(self, workflow: str) -> dict[str, Any]:
        path = f"/workflows/{_segment(workflow)}/status"
        return self._json("PUT", path, params={"status": "stop"}, json={"force_stop": True})  # type: ignore[no-any-return]

    def delete_workflow(self, workflow: str, *, all_runs: bool = False) -> dict[str, Any]:
        path = f"/workflows/{_segment(workflow)}/status"
        body = {"all_runs": all_runs, "workspace": True}
        return self._json("PUT", path, params={"status": "deleted"}, json=body)  # type: ignore[no-any-return]

    def get_workflow_logs(self, workflow: str, steps: list[str] | None = None) -> dict[str, Any]:
        """The logs as a dict (REANA sends them as a JSON string in ``logs``)."""
        response = self._json("GET", f"/workflows/{_segment(workflow)}/logs", json=steps or None)
        return json.loads(response["logs"])  # type: ignore[no-any-return]

    def get_workflow_diff(self, a: str, b: str, *, brief: bool = False, context_lines: int = 5) -> dict[str, Any]:
        """``{"specification": {section: [lines]}, "workspace": "diff text"}``, decoded from REANA's strings."""
        params = {"brief": "true" if brief else "false", "context_lines": str(context_lines)}
        response = self._json("GET", f"/workflows/{_segment(a)}/diff/{_segment(b)}", params=params)
        return {
            "specification": json.loads(response.get("reana_specification") or "{}"),
            "workspace": json.loads(response.get("workspace_listing") or '""'),
        }

    # -- workspace ---------------------------------------------------------------------------------
    def upload_file(self, workflow: str, name: str, content: bytes | IO[bytes]) -> dict[str, Any]:
        path = f"/workflows/{_segment(workflow)}/workspace"
        headers = {"Content-Type": "application/octet-stream"}
        return self._json("POST", path, params={"file_name": name}, content=content, headers=headers)  # type: ignore[no-any-return]

    def get_files(self, workflow: str, pattern: str | None = None) -> list[dict[str, Any]]:
        response = self._json("GET", f"/workflows/{_segment(workflow)}/workspace", params={"file_name": pattern})
        return response["items"]  # type: ignore[no-any-return]

    def download_file(self, workflow: str, name: str, directory: Path) -> Path:
        """Save one file (or a zip of a directory or glob) under ``directory``, named as the server says."""
        path = f"/workflows/{_segment(workflow)}/workspace/{quote(name)}"
        with self._http.stream("GET", f"/api{path}", params={"access_token": self._token}) as response:
            if response.is_error:
                response.read()
                _raise_for_reana_error(response)
            target = directory / _attachment_name(response.headers.get("content-disposition"), name)
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as sink:
                for chunk in response.iter_bytes():
                    sink.write(chunk)
        return target

    def delete_file(self, workflow: str, name: str) -> dict[str, Any]:
        path = f"/workflows/{_segment(workflow)}/workspace/{quote(name, safe='')}"
        return self._json("DELETE", path)  # type: ignore[no-any-return]


def _segment(value: str) -> str:
    return quote(value, safe="")


def _attachment_name(header: str | None, requested: str) -> str:
    """The file name from ``Content-Disposition``, reduced to a plain name; else the requested path."""
    match = re.search(r'filename="?([^";]+)"?', header or "")
    name = Path(match[1]).name if match else requested
    return name if name not in ("", ".", "..") else "download"


def _raise_for_reana_error(response: httpx.Response) -> None:
    if response.is_success:
        return
    try:
        text = str(response.json().get("message") or response.text)
    except ValueError:
        text = response.text or response.reason_phrase
    status, request = response.status_code, response.request
    error_class = _ERRORS.get(status, errors.OpenVREError)
    if status == 403:
        error_class = errors.InvalidToken if "token" in text.lower() else errors.PermissionDenied
    elif status == 400 and request.method == "POST" and request.url.path.endswith("/workflows"):
        error_class = workflow_errors.InvalidWorkflowSpec
    elif status == 404 and "/workspace/" in request.url.path:
        error_class = workflow_errors.WorkspaceFileNotFound
    raise error_class(f"{text} (HTTP {status} from {request.url.copy_with(query=None)})")
