"""REANA's workspace endpoints over :mod:`openvre.workflows.workspace`: upload, list, download, delete.

reana-client sends upload names with a leading "/" (it strips only the current directory from an
absolute path), so one leading "/" is dropped here, as REANA does; every other path check (``..``,
symlinks out, openvre's ``.openvre/``) is :func:`openvre.workflows.workspace.safe_path`'s.
"""

from __future__ import annotations

import asyncio
import fnmatch
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response, StreamingResponse

from openvre.errors import InvalidInput
from openvre.web.deps import DbSession
from openvre.workflows import runs, workspace
from openvre.workflows.errors import WorkspaceFileNotFound
from openvre.workflows.reana_api._shapes import size_json
from openvre.workflows.reana_api._wire import ReanaCaller, positive_int, reana_date, require, search_names

router = APIRouter()  # mounted under /api/workflows, at /reana and at the server root (see __init__)

_SPOOL_BYTES = 8 * 1024 * 1024
_GLOB_CHARACTERS = frozenset("*?[")


@router.post("/{workflow_id_or_name}/workspace")
async def upload_file(
    workflow_id_or_name: str, request: Request, caller: ReanaCaller, session: DbSession
) -> dict[str, str]:
    require(caller, "write_workspace")
    file_name = request.query_params.get("file_name", "")
    if not file_name:
        raise InvalidInput("give the file's path in the workspace as ?file_name=", field="file_name")
    name = file_name[1:] if file_name.startswith("/") else file_name
    run = await asyncio.to_thread(runs.get_run, session, caller.username, workflow_id_or_name)
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)
        written = await asyncio.to_thread(workspace.write_file, run.workspace, name, spool)  # type: ignore[arg-type]
    return {"message": f"{written.name} has been successfully uploaded."}


@router.get("/{workflow_id_or_name}/workspace")
def get_files(workflow_id_or_name: str, request: Request, caller: ReanaCaller, session: DbSession) -> dict[str, Any]:
    """The workspace's files, optionally only those matching ``file_name`` (a glob) or ``search``."""
    require(caller, "read_workflow")
    query = request.query_params
    run = runs.get_run(session, caller.username, workflow_id_or_name)
    files = workspace.list_files(run.workspace) if run.workspace.is_dir() else []
    pattern = query.get("file_name")
    if pattern:
        files = [file for file in files if _matches(file.name, pattern)]
    for needle in search_names(query.get("search")):
        files = [file for file in files if needle in file.name]
    items = [
        {"name": file.name, "size": size_json(file.size), "last-modified": reana_date(file.last_modified)}
        for file in files
    ]
    page, size = positive_int(query.get("page"), "page", 1) or 1, positive_int(query.get("size"), "size", None)
    if size is not None:
        items = items[(page - 1) * size : page * size]
    return {"items": items, "total": len(files)}


@router.get("/{workflow_id_or_name}/workspace/{file_name:path}")
async def download_file(workflow_id_or_name: str, file_name: str, caller: ReanaCaller, session: DbSession) -> Response:
    """One file as itself; a directory or a glob as a zip (``Content-Type: application/zip``), as REANA."""
    require(caller, "read_workflow")
    run = await asyncio.to_thread(runs.get_run, session, caller.username, workflow_id_or_name)
    if not _GLOB_CHARACTERS & set(file_name):
        path = workspace.safe_path(run.workspace, file_name)
        if path.is_file() and not workspace.is_internal(file_name):
            return FileResponse(path, media_type="application/octet-stream", filename=path.name)
        if not path.is_dir():
            raise WorkspaceFileNotFound(f"{file_name} does not exist in the workspace of {run.full_name}")
    names = _zip_members(run.workspace, file_name)
    if not names:
        raise WorkspaceFileNotFound(f"{file_name} does not match any file in the workspace of {run.full_name}")
    archive = await asyncio.to_thread(_zip, run.workspace, names)
    zip_name = f"{Path(file_name).name}.zip" if not _GLOB_CHARACTERS & set(file_name) else "download.zip"
    return StreamingResponse(
        _chunks(archive),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{zip_name}"'},
    )


@router.delete("/{workflow_id_or_name}/workspace/{file_name:path}")
def delete_file(workflow_id_or_name: str, file_name: str, caller: ReanaCaller, session: DbSession) -> dict[str, Any]:
    """REANA's answer: ``{"deleted": {name: {"size": bytes}}, "failed": {}}``; no match leaves both empty."""
    require(caller, "write_workspace")
    run = runs.get_run(session, caller.username, workflow_id_or_name)
    sizes = {file.name: file.size for file in workspace.list_files(run.workspace)} if run.workspace.is_dir() else {}
    deleted = workspace.delete_files(run.workspace, [file_name]) if run.workspace.is_dir() else []
    return {
        "deleted": {
            name: {"size": sizes.get(name, sum(size for other, size in sizes.items() if other.startswith(name + "/")))}
            for name in deleted
        },
        "failed": {},
    }


def _matches(name: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(name, pattern) or name.startswith(pattern.rstrip("/") + "/")


def _zip_members(root: Path, pattern: str) -> list[str]:
    workspace.safe_path(root, pattern)  # refuses absolute and '..' before matching
    return [file.name for file in workspace.list_files(root) if _matches(file.name, pattern.strip("/"))]


def _zip(root: Path, names: list[str]) -> IO[bytes]:
    archive: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - closed by _chunks
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as writer:
        for name in names:
            writer.write(workspace.safe_path(root, name), arcname=name)
    archive.seek(0)
    return archive


def _chunks(archive: IO[bytes]) -> Iterator[bytes]:
    with archive:
        while chunk := archive.read(1024 * 1024):
            yield chunk
