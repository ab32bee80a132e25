"""Rucio's replica endpoints (register, change state, list with PFNs or as metalink) and traces.

Thin over :mod:`openvre.datalake.replicas`. ``rucio download`` asks for metalink XML; everything else
reads one JSON object per file (NDJSON).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from openvre.datalake import replicas, scopes
from openvre.datalake.errors import InvalidObject
from openvre.datalake.rucio_api._wire import RucioCaller, created, ndjson, require
from openvre.datalake.rucio_api.rses import JsonObject
from openvre.identity import Account
from openvre.web.deps import DbSession

router = APIRouter()

METALINK_TYPE = "application/metalink4+xml"


def replica_json(file: replicas.FileReplicas) -> dict[str, Any]:
    body: dict[str, Any] = {
        "scope": file.scope,
        "name": file.name,
        "bytes": file.bytes,
        "md5": file.md5,
        "adler32": file.adler32,
        "pfns": {
            source.pfn: {
                "rse_id": source.rse_id,
                "rse": source.rse,
                "type": source.rse_type,
                "volatile": source.volatile,
                "domain": source.domain,
                "priority": source.priority,
                "client_extract": source.client_extract,
            }
            for source in file.sources
        },
        "rses": file.rses,
        "states": {rse: state.value for rse, state in file.states.items()},
    }
    if file.parents is not None:
        body["parents"] = file.parents
    return body


def metalink(files: Iterable[replicas.FileReplicas]) -> str:
    """Metalink 4 as Rucio writes it; the download client needs ``identity``, the hashes and the urls."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<metalink xmlns="urn:ietf:params:xml:ns:metalink">']
    for file in files:
        did = f"{file.scope}:{file.name}"
        lines.append(f" <file name={quoteattr(file.name)}>")
        if file.parents:
            lines += ["  <parents>", *(f"   <did>{escape(parent)}</did>" for parent in file.parents), "  </parents>"]
        lines.append(f"  <identity>{escape(did)}</identity>")
        lines += [
            f'  <hash type="{kind}">{value}</hash>'
            for kind, value in (("adler32", file.adler32), ("md5", file.md5))
            if value
        ]
        lines.append(f"  <size>{file.bytes}</size>")
        lines.append(f"  <glfn name={quoteattr(f'/generic/rucio/{did}')}></glfn>")
        lines += [
            f'  <url location={quoteattr(source.rse)} domain={quoteattr(source.domain)} priority="{source.priority}"'
            f' client_extract="{str(source.client_extract).lower()}">{escape(source.pfn)}</url>'
            for source in file.sources
        ]
        lines.append(" </file>")
    lines.append("</metalink>")
    return "\n".join(lines) + "\n"


@router.post("/replicas")
@router.post("/replicas/")
def add_replicas(body: JsonObject, caller: RucioCaller, session: DbSession) -> Response:
    files = [_new_replica(item) for item in _files(body)]
    _require_for_scopes(session, caller, "add_replicas", {file.scope for file in files})
    ignore_availability = _flag(body.get("ignore_availability"), default=True)
    replicas.add_replicas(session, _rse(body), files, caller.username, ignore_availability=ignore_availability)
    return created()


@router.put("/replicas")
@router.put("/replicas/")
def update_replicas_states(body: JsonObject, caller: RucioCaller, session: DbSession) -> Response:
    updates = [_state_update(item) for item in _files(body)]
    _require_for_scopes(session, caller, "update_replicas_states", {update.scope for update in updates})
    replicas.update_replicas_states(session, _rse(body), updates)
    return Response(status_code=200)


@router.post("/replicas/list")
@router.post("/replicas/list/")
def list_replicas(request: Request, body: JsonObject, caller: RucioCaller, session: DbSession) -> Response:
    dids = body.get("dids") or []
    if not isinstance(dids, list) or not all(isinstance(did, dict) for did in dids):
        raise InvalidObject('give the DIDs as {"dids": [{"scope": ..., "name": ...}, ...]}')
    schemes = body.get("schemes")
    found = replicas.list_replicas(
        session,
        [(str(did.get("scope")), str(did.get("name"))) for did in dids],
        rse_expression=body.get("rse_expression") or None,
        all_states=_flag(body.get("all_states"), default=False),
        schemes=[str(scheme) for scheme in schemes] if isinstance(schemes, list) else None,
        resolve_parents=_flag(body.get("resolve_parents"), default=False),
        ignore_availability=_flag(body.get("ignore_availability"), default=False),
    )
    return _replicas_response(request, found)


@router.get("/replicas/{scope}/{name:path}")
def list_did_replicas(
    scope: str, name: str, request: Request, caller: RucioCaller, session: DbSession, schemes: str | None = None
) -> Response:
    chosen = [scheme for scheme in schemes.split(",") if scheme] if schemes else None
    return _replicas_response(request, replicas.list_replicas(session, [(scope, name)], schemes=chosen))


@router.post("/traces/")
@router.post("/traces")
def add_trace() -> Response:
    """The clients report each transfer here, without a token; openvre has no use for the reports."""
    return created()


def _replicas_response(request: Request, found: list[replicas.FileReplicas]) -> Response:
    if METALINK_TYPE in request.headers.get("accept", ""):
        return Response(metalink(found), media_type=METALINK_TYPE)
    return ndjson(replica_json(file) for file in found)


def _require_for_scopes(session: Session, caller: Account, action: str, names: set[str]) -> None:
    """The policy decides per scope owner: registering in your own scope is yours to do."""
    for name in sorted(names):
        require(caller, action, scopes.get_scope(session, name).account)


def _rse(body: dict[str, Any]) -> str:
    rse = body.get("rse")
    if not isinstance(rse, str) or not rse:
        raise InvalidObject('name the RSE as {"rse": "NAME", "files": [...]}')
    return rse


def _files(body: dict[str, Any]) -> list[dict[str, Any]]:
    files = body.get("files")
    if not isinstance(files, list) or not files or not all(isinstance(file, dict) for file in files):
        raise InvalidObject('give the files as {"files": [{"scope": ..., "name": ..., "bytes": ...}, ...]}')
    return files


def _new_replica(item: dict[str, Any]) -> replicas.NewReplica:
    meta = item["meta"] if isinstance(item.get("meta"), dict) else {}
    try:
        return replicas.NewReplica(
            scope=str(item["scope"]),
            name=str(item["name"]),
            bytes=item["bytes"],
            adler32=item.get("adler32"),
            md5=item.get("md5"),
            guid=item.get("guid") or meta.get("guid"),
            state=replicas.parse_replica_state(item["state"]) if item.get("state") else None,
            pfn=item.get("pfn"),
        )
    except KeyError as missing:
        raise InvalidObject(f"each file needs scope, name and bytes; {missing} is missing") from None


def _state_update(item: dict[str, Any]) -> replicas.ReplicaStateUpdate:
    try:
        state = replicas.parse_replica_state(item["state"])
        return replicas.ReplicaStateUpdate(str(item["scope"]), str(item["name"]), state, item.get("reason"))
    except KeyError as missing:
        raise InvalidObject(f"each file needs scope, name and state; {missing} is missing") from None


def _flag(value: Any, default: bool) -> bool:
    """A boolean as the clients send it: JSON true/false, or the strings True/False/1/0."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)
