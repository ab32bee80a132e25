"""Zenodo's two files APIs: the bucket API (``PUT {links.bucket}/<name>``, streamed) and the legacy one.

Uploads stream straight to storage: the request body is read chunk by chunk in a worker thread, md5
computed on the way, and nothing is left behind if the client goes away or a limit is passed. No
database transaction is open while bytes flow (see :func:`openvre.repository.files.upload_file`).
The legacy multipart upload is spooled by the form parser first; prefer the bucket API for large files.

Downloads are verified against the md5 recorded at upload before the first byte is sent.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, BinaryIO
from urllib.parse import quote

import anyio.from_thread
from fastapi import APIRouter, Body, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect

from openvre import errors
from openvre.db import Database, utcnow
from openvre.identity import Account, may
from openvre.repository import deposits, files, records
from openvre.repository.config import RepositoryConfig
from openvre.repository.deposits import Deposition
from openvre.repository.errors import BucketNotFound
from openvre.repository.files import StoredFile
from openvre.repository.zenodo_api._shapes import bucket_json, legacy_file_json, object_json
from openvre.repository.zenodo_api._wire import (
    ConfigDep,
    LinksDep,
    OptionalCaller,
    ZenodoCaller,
    own_deposition,
)
from openvre.web.deps import DatabaseDep, DbSession

log = logging.getLogger(__name__)

router = APIRouter(strict_content_type=False)
CHUNK_SIZE = 1024 * 1024


# --- the bucket API -------------------------------------------------------------------------------


@router.put("/api/files/{bucket_id}/{key:path}")
async def upload_object(
    bucket_id: str, key: str, request: Request, caller: ZenodoCaller, database: DatabaseDep, config: ConfigDep,
    links: LinksDep,
) -> Response:  # fmt: skip
    """Store the raw request body as ``key``, replacing a file of that name (201 with the object)."""
    await run_in_threadpool(_writable_bucket, database, config, bucket_id, caller)
    length = request.headers.get("content-length")
    declared = int(length) if length and length.isdigit() else None
    try:
        stored = await run_in_threadpool(
            files.upload_file, database, config, bucket_id, key, request_chunks(request), declared_size=declared
        )
    except ClientDisconnect:
        log.info("upload of %r to bucket %s interrupted by the client; nothing was kept", key, bucket_id)
        return Response(status_code=400)
    return JSONResponse(object_json(stored, links), status_code=201)


@router.get("/api/files/{bucket_id}")
def list_bucket(bucket_id: str, caller: OptionalCaller, session: DbSession, config: ConfigDep, links: LinksDep) -> Any:
    _readable_deposition(session, config, bucket_id, caller)
    return bucket_json(files.get_bucket(session, bucket_id), files.list_files(session, bucket_id), links)


@router.get("/api/files/{bucket_id}/{key:path}")
async def download_object(
    bucket_id: str, key: str, caller: OptionalCaller, database: DatabaseDep, config: ConfigDep
) -> Response:
    stored = await run_in_threadpool(_readable_file, database, config, bucket_id, key, caller)
    return await file_response(config, stored)


@router.delete("/api/files/{bucket_id}/{key:path}", status_code=204)
def delete_object(bucket_id: str, key: str, caller: ZenodoCaller, session: DbSession, config: ConfigDep) -> Response:
    deposition = deposits.get_deposition_of_bucket(session, config, bucket_id)
    own_deposition(session, config, deposition.recid, caller, "update_deposition")
    files.delete_file(session, config, bucket_id, key=key)
    return Response(status_code=204)


# --- the legacy deposit files API -----------------------------------------------------------------

LEGACY = "/api/deposit/depositions/{recid}/files"


@router.get(LEGACY)
def list_files(recid: int, caller: ZenodoCaller, session: DbSession, config: ConfigDep, links: LinksDep) -> Any:
    deposition = own_deposition(session, config, recid, caller, "read_deposition")
    return [legacy_file_json(stored, deposition, links) for stored in deposition.files]


@router.post(LEGACY, status_code=201)
async def upload_file(
    recid: int, request: Request, caller: ZenodoCaller, database: DatabaseDep, config: ConfigDep, links: LinksDep
) -> JSONResponse:
    """A multipart upload (fields ``file`` and optional ``name``); a name the deposition has is refused."""
    deposition = await run_in_threadpool(_own, database, config, recid, caller, "update_deposition")
    async with request.form(max_files=1) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise errors.InvalidInput("send the file as the multipart form field 'file'", field="file")
        name = form.get("name")
        key = name if isinstance(name, str) and name else upload.filename or ""
        stored = await run_in_threadpool(
            files.upload_file, database, config, deposition.bucket_id, key, _file_chunks(upload.file), replace=False
        )
    return JSONResponse(legacy_file_json(stored, deposition, links), status_code=201)


@router.get(LEGACY + "/{file_id}")
def get_file(
    recid: int, file_id: str, caller: ZenodoCaller, session: DbSession, config: ConfigDep, links: LinksDep
) -> Any:
    deposition = own_deposition(session, config, recid, caller, "read_deposition")
    return legacy_file_json(files.get_file_by_id(session, deposition.bucket_id, file_id), deposition, links)


@router.put(LEGACY + "/{file_id}")
def rename_file(
    recid: int,
    file_id: str,
    caller: ZenodoCaller,
    session: DbSession,
    config: ConfigDep,
    links: LinksDep,
    body: Annotated[Any, Body()] = None,
) -> Any:
    deposition = own_deposition(session, config, recid, caller, "update_deposition")
    new_name = body.get("filename", body.get("name")) if isinstance(body, dict) else None
    if not isinstance(new_name, str):
        raise errors.InvalidInput('send the new name as {"filename": "new-name.csv"}', field="filename")
    renamed = files.rename_file(session, deposition.bucket_id, file_id, new_name)
    return legacy_file_json(renamed, deposition, links)


@router.delete(LEGACY + "/{file_id}", status_code=204)
def delete_file(recid: int, file_id: str, caller: ZenodoCaller, session: DbSession, config: ConfigDep) -> Response:
    deposition = own_deposition(session, config, recid, caller, "update_deposition")
    files.delete_file(session, config, deposition.bucket_id, file_id=file_id)
    return Response(status_code=204)


# --- helpers shared with the records API and the portal's repository pages -----------------------


async def file_response(config: RepositoryConfig, stored: StoredFile) -> StreamingResponse:
    """The file's bytes, checked against their md5 first (in a worker thread: it reads the whole file)."""
    chunks = await run_in_threadpool(files.read_file, config, stored)
    return StreamingResponse(
        chunks,
        media_type=stored.mimetype,
        headers={
            "Content-Length": str(stored.size),
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(stored.key)}",
            # RFC 1864: base64 of the digest's bytes, not hex.
            "Content-MD5": base64.b64encode(bytes.fromhex(stored.md5)).decode(),
        },
    )


def request_chunks(request: Request) -> Iterator[bytes]:
    """The request body as a blocking iterator, for a worker thread; the event loop reads the socket."""
    stream: AsyncIterator[bytes] = request.stream().__aiter__()

    async def next_chunk() -> bytes | None:
        try:
            return await stream.__anext__()
        except StopAsyncIteration:
            return None

    while (chunk := anyio.from_thread.run(next_chunk)) is not None:
        if chunk:
            yield chunk


def _file_chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK_SIZE):
        yield chunk


def _own(database: Database, config: RepositoryConfig, recid: int, caller: Account, action: str) -> Deposition:
    with database.transaction() as session:
        return own_deposition(session, config, recid, caller, action)


def _writable_bucket(database: Database, config: RepositoryConfig, bucket_id: str, caller: Account) -> None:
    with database.transaction() as session:
        deposition = deposits.get_deposition_of_bucket(session, config, bucket_id)
        if not may(caller, "update_deposition", deposition.owner):
            raise BucketNotFound(f"no bucket {bucket_id}: take the bucket URL from the deposition's links.bucket")


def _readable_deposition(
    session: Session, config: RepositoryConfig, bucket_id: str, caller: Account | None
) -> Deposition:
    """The bucket's deposition if the caller owns it, or it is a record whose files anyone may read."""
    deposition = deposits.get_deposition_of_bucket(session, config, bucket_id)
    if caller is not None and may(caller, "read_deposition", deposition.owner):
        return deposition
    if deposition.is_published and records.get_record(session, deposition.recid).files_are_public(utcnow().date()):
        return deposition
    raise BucketNotFound(f"no bucket {bucket_id}: take the bucket URL from the deposition's links.bucket")


def _readable_file(
    database: Database, config: RepositoryConfig, bucket_id: str, key: str, caller: Account | None
) -> StoredFile:
    with database.transaction() as session:
        _readable_deposition(session, config, bucket_id, caller)
        return files.get_file(session, bucket_id, key)
