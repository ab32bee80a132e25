"""Rucio's DID endpoints: create, show, attach, list, search, metadata and status; thin over the catalog core.

Names arrive URL-encoded with ``/`` as ``%2F``; the server decodes the path before routing, so a name
with ``/`` reaches the routes as several path segments and ``{name:path}`` collects them. A DID path
ending in one of Rucio's sub-resources (``/dids``, ``/meta``, ``/files``, ...) means that
sub-resource, exactly as on a real Rucio server: the :class:`DidName` convertor keeps the plain DID
routes from claiming those paths, so every router may be included in any order.

Writing needs the policy's permission on the scope's owner; reading is open to every account.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.convertors import Convertor, register_url_convertor

from openvre.datalake import dids, metadata, rules, scopes
from openvre.datalake.errors import InvalidObject, ScopeNotFound, UnsupportedOperation
from openvre.datalake.filters import filter_groups, parse_filters, search_type
from openvre.datalake.rucio_api._wire import RucioCaller, created, ndjson, require, rucio_json
from openvre.identity import Account
from openvre.web.deps import DbSession

SUB_RESOURCES = ("dids", "meta", "files", "parents", "rules", "status")
SEARCH_OPTIONS = ("type", "limit", "long", "recursive")
METADATA_PLUGINS = ("DID_COLUMN", "JSON", "ALL")


class DidName(Convertor[str]):
    """A DID name in a path: any text, unless it ends in a sub-resource (then the path is that sub-resource)."""

    # A lookahead from the name's first character: the '/' before a sub-resource must be inside the name,
    # so a DID called just "files" is still a DID. The DID routes end with the name, so '$' ends it.
    regex = f"(?!.*/(?:{'|'.join(SUB_RESOURCES)})$).+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("did", DidName())

# The official client sends JSON bodies without a Content-Type header; read them as JSON all the same.
router = APIRouter(strict_content_type=False)


# --- wire bodies ----------------------------------------------------------------------------------


class _Body(BaseModel):
    # Clients send keys this server ignores (e.g. an upload's "rse"), so extra keys pass.
    model_config = ConfigDict(extra="ignore")


class DidRef(_Body):
    scope: str
    name: str


class RuleSpec(_Body):
    """A rule to create with a new DID, as ``rucio upload`` asks for its dataset."""

    account: str | None = None
    copies: int = Field(default=1, ge=1)
    rse_expression: str
    grouping: str | None = None
    lifetime: int | None = None


class DidCreate(_Body):
    type: str
    statuses: dict[str, bool] = {}
    meta: dict[str, Any] = {}
    rules: list[RuleSpec] = []
    lifetime: int | None = None
    dids: list[DidRef] = []
    rse: str | None = None


class BulkDidCreate(DidCreate):
    scope: str
    name: str


class Attachment(_Body):
    dids: list[DidRef]


class MetadataValue(_Body):
    value: Any
    recursive: bool = False


class MetadataBulk(_Body):
    meta: dict[str, Any]
    recursive: bool = False


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")  # Rucio: any other status is UnsupportedStatus

    open: bool


# --- search and reads -----------------------------------------------------------------------------


@router.get("/dids/{scope}/dids/search")
def list_dids(
    scope: str,
    request: Request,
    caller: RucioCaller,
    session: DbSession,
    type: str = "collection",
    filters: str | None = None,
    long: str = "false",
    recursive: str = "false",
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """Search a scope: ``filters`` is a list of AND-groups, ORed; without it, other query values form one group."""
    require(caller, "read_catalog", None)
    if filters is not None:
        groups = parse_filters(filters)
    else:
        groups = filter_groups([{k: v for k, v in request.query_params.items() if k not in SEARCH_OPTIONS}])
    found = dids.list_dids(
        session, scope, groups, search_type(type), recursive=_flag("recursive", recursive), limit=limit
    )
    if _flag("long", long):
        return ndjson(
            {"scope": d.scope, "name": d.name, "did_type": d.did_type, "bytes": d.bytes, "length": d.length}
            for d in found
        )
    return ndjson(did.name for did in found)


@router.get("/dids/{scope}/{name:path}/dids")
def list_content(scope: str, name: str, caller: RucioCaller, session: DbSession) -> Response:
    require(caller, "read_catalog", None)
    return ndjson(
        {"scope": d.scope, "name": d.name, "type": d.did_type, "bytes": d.bytes, "adler32": d.adler32, "md5": d.md5}
        for d in dids.list_content(session, scope, name)
    )


@router.get("/dids/{scope}/{name:path}/files")
def list_files(scope: str, name: str, caller: RucioCaller, session: DbSession, long: str = "false") -> Response:
    require(caller, "read_catalog", None)
    with_lumiblocks = _flag("long", long)
    return ndjson(
        {
            "scope": f.scope,
            "name": f.name,
            "bytes": f.bytes,
            "adler32": f.adler32,
            "guid": f.guid and f.guid.upper(),  # Rucio lists guids upper-case
            "events": f.events,
            **({"lumiblocknr": f.lumiblocknr} if with_lumiblocks else {}),
        }
        for f in dids.list_files(session, scope, name)
    )


@router.get("/dids/{scope}/{name:path}/parents")
def list_parent_dids(scope: str, name: str, caller: RucioCaller, session: DbSession) -> Response:
    require(caller, "read_catalog", None)
    return ndjson(
        {"scope": d.scope, "name": d.name, "type": d.did_type} for d in dids.list_parent_dids(session, scope, name)
    )


@router.get("/dids/{scope}/{name:path}/meta")
def get_metadata(
    scope: str, name: str, caller: RucioCaller, session: DbSession, plugin: str = "DID_COLUMN"
) -> Response:
    """Every DID column plus the user's keys, whichever plugin is asked for (the columns answer all three)."""
    require(caller, "read_catalog", None)
    if plugin.upper() not in METADATA_PLUGINS:
        raise InvalidObject(f"unknown metadata plugin {plugin!r}; use one of {', '.join(METADATA_PLUGINS)}")
    return rucio_json(metadata.get_metadata(session, scope, name))


@router.get("/dids/{scope}/{name:did}")
def get_did(scope: str, name: str, caller: RucioCaller, session: DbSession) -> Response:
    """One DID; ``length`` and ``bytes`` are always computed over content, so ``dynamic_depth`` changes nothing."""
    require(caller, "read_catalog", None)
    did = dids.get_did(session, scope, name)
    common = {"scope": did.scope, "name": did.name, "type": did.did_type, "account": did.account}
    if did.did_type == dids.DidType.FILE:
        return rucio_json({**common, "bytes": did.bytes, "length": 1, "md5": did.md5, "adler32": did.adler32})
    return rucio_json(
        {
            **common,
            "open": did.is_open,
            "monotonic": did.monotonic,
            "expired_at": did.expired_at,
            "length": did.length,
            "bytes": did.bytes,
        }
    )


# --- writes ---------------------------------------------------------------------------------------


@router.post("/dids")
@router.post("/dids/")
def add_dids(body: list[BulkDidCreate], request: Request, caller: RucioCaller, session: DbSession) -> Response:
    for entry in body:
        _create(session, caller, entry.scope, entry.name, entry)
    _wake_transfer_agent(request, body)
    return created()


@router.post("/dids/{scope}/{name:path}/dids")
def attach_dids(scope: str, name: str, body: Attachment, caller: RucioCaller, session: DbSession) -> Response:
    _require_on_did(session, caller, "attach_dids", scope, name)
    dids.attach_dids(session, scope, name, [(child.scope, child.name) for child in body.dids])
    return created()


@router.delete("/dids/{scope}/{name:path}/dids")
def detach_dids(scope: str, name: str, body: Attachment, caller: RucioCaller, session: DbSession) -> Response:
    _require_on_did(session, caller, "detach_dids", scope, name)
    dids.detach_dids(session, scope, name, [(child.scope, child.name) for child in body.dids])
    return Response(status_code=200)


@router.post("/dids/{scope}/{name:path}/meta/{key}")
def set_metadata(
    scope: str, name: str, key: str, body: MetadataValue, caller: RucioCaller, session: DbSession
) -> Response:
    _require_on_did(session, caller, "set_metadata", scope, name)
    metadata.set_metadata(session, scope, name, key, body.value, recursive=body.recursive)
    return created()


@router.post("/dids/{scope}/{name:path}/meta")
def set_metadata_bulk(scope: str, name: str, body: MetadataBulk, caller: RucioCaller, session: DbSession) -> Response:
    _require_on_did(session, caller, "set_metadata", scope, name)
    metadata.set_metadata_bulk(session, scope, name, body.meta, recursive=body.recursive)
    return created()


@router.delete("/dids/{scope}/{name:path}/meta")
def delete_metadata(scope: str, name: str, key: str, caller: RucioCaller, session: DbSession) -> Response:
    _require_on_did(session, caller, "delete_metadata", scope, name)
    metadata.delete_metadata(session, scope, name, key)
    return Response(status_code=200)


@router.put("/dids/{scope}/{name:path}/status")
def set_status(scope: str, name: str, body: StatusChange, caller: RucioCaller, session: DbSession) -> Response:
    _require_on_did(session, caller, "set_status" if not body.open else "reopen_did", scope, name)
    dids.set_status(session, scope, name, open=body.open)
    return Response(status_code=200)


@router.post("/dids/{scope}/{name:did}")
def add_did(
    scope: str, name: str, body: DidCreate, request: Request, caller: RucioCaller, session: DbSession
) -> Response:
    _create(session, caller, scope, name, body)
    _wake_transfer_agent(request, [body])
    return created()


# --- helpers --------------------------------------------------------------------------------------


def _create(session: Session, caller: Account, scope: str, name: str, body: DidCreate) -> None:
    """Rucio's ``add_did`` in one transaction: the DID, then its metadata, content and rules."""
    require(caller, "add_did", scopes.get_scope(session, scope).account)
    if body.rse is not None and body.dids:
        raise UnsupportedOperation(
            "registering replicas while creating a DID is not supported; "
            "register them with POST /replicas (or `rucio upload`), then attach them"
        )
    monotonic = body.statuses.get("monotonic", False)
    dids.add_dids(session, [dids.NewDid(scope, name, body.type, monotonic, body.lifetime)], caller.username)
    if body.meta:
        metadata.set_metadata_bulk(session, scope, name, body.meta)
    if body.dids:
        dids.attach_dids(session, scope, name, [(child.scope, child.name) for child in body.dids])
    for rule in body.rules:
        account = rule.account or caller.username
        require(caller, "add_rule", account)
        request = rules.RuleRequest(
            dids=[(scope, name)],
            account=account,
            copies=rule.copies,
            rse_expression=rule.rse_expression,
            grouping=rule.grouping or "DATASET",
            lifetime=rule.lifetime,
        )
        rules.add_rules(session, request)


def _wake_transfer_agent(request: Request, created: list[BulkDidCreate] | list[DidCreate]) -> None:
    """New rules may owe transfers: have the agent look now rather than at its next round."""
    agent = request.app.state.transfer_agent
    if agent is not None and any(entry.rules for entry in created):
        agent.wake()


def _require_on_did(session: Session, caller: Account, action: str, scope: str, name: str) -> None:
    """Check ``action`` against the owner of the DID's scope; no such scope means no such DID."""
    try:
        owner = scopes.get_scope(session, scope).account
    except ScopeNotFound:
        raise dids.not_found(scope, name) from None
    require(caller, action, owner)


def _flag(option: str, value: str) -> bool:
    """Rucio's query booleans: true/false or 1/0, any case."""
    lowered = value.lower()
    if lowered not in ("true", "false", "1", "0"):
        raise InvalidObject(f"{option}={value!r}: give True or False", field=option)
    return lowered in ("true", "1")
