"""Zenodo's deposit API: ``/api/deposit/depositions`` and its actions; thin over :mod:`openvre.repository.deposits`.

Status codes are Zenodo's: create 201, publish 202, edit/discard/newversion 201, delete 204. Another
user's deposition answers 404, as if it did not exist. ``newversion`` answers with the new draft (whose
``links.latest_draft`` is itself), as Zenodo does since it moved to InvenioRDM: openscm-zenodo reads the
draft's ``id`` from the answer, eossr follows ``links.latest_draft``, and both find the draft.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import JSONResponse

from openvre import errors
from openvre.identity import may
from openvre.repository import deposits
from openvre.repository.errors import InvalidMetadata, Problem
from openvre.repository.zenodo_api._shapes import deposition_json
from openvre.repository.zenodo_api._wire import ConfigDep, LinksDep, ZenodoCaller, flag, own_deposition
from openvre.web.deps import DbSession

# Clients send JSON without a Content-Type header (openscm-zenodo's POST has no body at all).
router = APIRouter(prefix="/api/deposit/depositions", strict_content_type=False)
JsonBody = Annotated[Any, Body()]


@router.get("")
def list_depositions(
    caller: ZenodoCaller,
    session: DbSession,
    config: ConfigDep,
    links: LinksDep,
    q: str = "",
    status: str | None = None,
    sort: str = "mostrecent",
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=deposits.MAX_PAGE_SIZE)] = 10,
    all_versions: str | None = None,
) -> JSONResponse:
    """The caller's own depositions, as a JSON list (the legacy API does not wrap it in ``hits``)."""
    found = deposits.list_depositions(
        session,
        config,
        caller.username,
        status=status,
        query=q,
        sort=sort,
        page=page,
        size=size,
        all_versions=flag(all_versions),
    )
    return JSONResponse([deposition_json(deposition, links) for deposition in found])


@router.post("", status_code=201)
def create_deposition(
    caller: ZenodoCaller, session: DbSession, config: ConfigDep, links: LinksDep, body: JsonBody = None
) -> JSONResponse:
    if not may(caller, "create_deposition", caller.username):
        raise errors.PermissionDenied(f"{caller.username} may not create depositions")
    metadata = _metadata_of(body, required=False)
    created = deposits.create_deposition(session, config, caller.username, metadata)
    return JSONResponse(deposition_json(created, links), status_code=201)


@router.get("/{recid}")
def get_deposition(recid: int, caller: ZenodoCaller, session: DbSession, config: ConfigDep, links: LinksDep) -> Any:
    return deposition_json(own_deposition(session, config, recid, caller, "read_deposition"), links)


@router.put("/{recid}")
def update_deposition(
    recid: int, caller: ZenodoCaller, session: DbSession, config: ConfigDep, links: LinksDep, body: JsonBody = None
) -> Any:
    own_deposition(session, config, recid, caller, "update_deposition")
    updated = deposits.update_metadata(session, config, recid, _metadata_of(body, required=True))
    return deposition_json(updated, links)


@router.delete("/{recid}", status_code=204)
def delete_deposition(recid: int, caller: ZenodoCaller, session: DbSession, config: ConfigDep) -> Response:
    own_deposition(session, config, recid, caller, "delete_deposition")
    deposits.delete_deposition(session, config, recid)
    return Response(status_code=204)


@router.post("/{recid}/actions/publish", status_code=202)
def publish(recid: int, caller: ZenodoCaller, session: DbSession, config: ConfigDep, links: LinksDep) -> JSONResponse:
    own_deposition(session, config, recid, caller, "publish_deposition")
    published = deposits.publish(session, config, recid, caller)
    return JSONResponse(deposition_json(published, links), status_code=202)


@router.post("/{recid}/actions/edit", status_code=201)
def edit(recid: int, caller: ZenodoCaller, session: DbSession, config: ConfigDep, links: LinksDep) -> JSONResponse:
    own_deposition(session, config, recid, caller, "update_deposition")
    return JSONResponse(deposition_json(deposits.edit(session, config, recid), links), status_code=201)


@router.post("/{recid}/actions/discard", status_code=201)
def discard(recid: int, caller: ZenodoCaller, session: DbSession, config: ConfigDep, links: LinksDep) -> JSONResponse:
    own_deposition(session, config, recid, caller, "update_deposition")
    return JSONResponse(deposition_json(deposits.discard(session, config, recid), links), status_code=201)


@router.post("/{recid}/actions/newversion", status_code=201)
def new_version(
    recid: int, caller: ZenodoCaller, session: DbSession, config: ConfigDep, links: LinksDep
) -> JSONResponse:
    own_deposition(session, config, recid, caller, "update_deposition")
    draft = deposits.new_version(session, config, recid)
    return JSONResponse(deposition_json(draft, links), status_code=201)


def _metadata_of(body: Any, *, required: bool) -> dict[str, Any] | None:
    """The ``metadata`` object of a create or update body, with a clear error for the usual mistakes."""
    if body is None or body == {}:
        if required:
            raise InvalidMetadata([Problem("metadata", 'required: send {"metadata": {"title": ..., ...}}')])
        return None
    if not isinstance(body, dict) or "metadata" not in body:
        raise InvalidMetadata([Problem("metadata", 'send the metadata inside {"metadata": {...}}')])
    metadata = body["metadata"]
    if not isinstance(metadata, dict):
        raise InvalidMetadata([Problem("metadata", "must be a JSON object")])
    return metadata
