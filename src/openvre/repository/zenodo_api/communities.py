"""Communities and their inclusion requests, in the InvenioRDM shapes Zenodo serves today.

Anyone may read communities and their records; creating one needs a token. A community's requests
(``links.requests``) are for its curators, who accept or decline them with the request's
``links.actions`` (eossr's ``PendingRequest.accept``/``decline``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from openvre import errors
from openvre.identity import Account, may
from openvre.repository import communities
from openvre.repository.communities import Community
from openvre.repository.errors import InclusionRequestNotFound, NotCurator
from openvre.repository.records import RecordQuery
from openvre.repository.zenodo_api._shapes import community_json, hits, request_json, with_query
from openvre.repository.zenodo_api._wire import LinksDep, OptionalCaller, ZenodoCaller, flag
from openvre.repository.zenodo_api.records import search_answer
from openvre.web.deps import DbSession

router = APIRouter(strict_content_type=False)
Page = Annotated[int, Query(ge=1)]
Size = Annotated[int, Query(ge=1, le=100)]


@router.get("/api/communities")
def search_communities(session: DbSession, links: LinksDep, q: str = "", page: Page = 1, size: Size = 10) -> Any:
    found, total = communities.search_communities(session, q, page, size)
    items = [community_json(community, links) for community in found]
    return hits(items, total, with_query(f"{links.api}/communities", q=q), page, size)


@router.post("/api/communities", status_code=201)
def create_community(
    caller: ZenodoCaller, session: DbSession, links: LinksDep, body: Annotated[Any, Body()] = None
) -> JSONResponse:
    """InvenioRDM's body, ``{"slug": ..., "metadata": {"title": ..., "description": ...}}``."""
    if not may(caller, "create_community", caller.username):
        raise errors.PermissionDenied(f"{caller.username} may not create communities")
    if not isinstance(body, dict):
        raise errors.InvalidInput('send {"slug": "my-community", "metadata": {"title": "My community"}}', field="slug")
    given = body.get("metadata")
    metadata: dict[str, Any] = given if isinstance(given, dict) else {}
    slug, title = str(body.get("slug", "")), str(metadata.get("title", ""))
    created = communities.create_community(session, caller.username, slug, title, str(metadata.get("description", "")))
    return JSONResponse(community_json(created, links), status_code=201)


@router.get("/api/communities/{id_or_slug}")
def get_community(id_or_slug: str, session: DbSession, links: LinksDep) -> Any:
    return community_json(communities.get_community(session, id_or_slug), links)


@router.get("/api/communities/{id_or_slug}/records")
def community_records(
    id_or_slug: str,
    request: Request,
    caller: OptionalCaller,
    session: DbSession,
    links: LinksDep,
    q: str = "",
    sort: str | None = None,
    page: Page = 1,
    size: Size = 10,
    all_versions: str | None = None,
) -> Any:
    community = communities.get_community(session, id_or_slug)
    query = RecordQuery(
        q=q, sort=sort, page=page, size=size, all_versions=flag(all_versions), communities=(community.slug,)
    )
    return search_answer(session, query, caller, links, request, f"/api/communities/{community.id}/records")


@router.get("/api/communities/{id_or_slug}/requests")
def community_requests(
    id_or_slug: str,
    caller: ZenodoCaller,
    session: DbSession,
    links: LinksDep,
    status: str | None = None,
    is_open: str | None = None,
) -> Any:
    """The community's inclusion requests, newest first; for its curators only."""
    community = _curated(session, id_or_slug, caller)
    wanted = "submitted" if is_open is not None and flag(is_open) else status
    found = communities.list_requests(session, community.id, wanted)
    items = [request_json(request, links) for request in found]
    return hits(items, len(items), f"{links.api}/communities/{community.id}/requests", 1, max(len(items), 1))


@router.get("/api/requests/{request_id}")
def get_request(request_id: str, caller: ZenodoCaller, session: DbSession, links: LinksDep) -> Any:
    request = communities.get_request(session, request_id)
    community = communities.get_community(session, request.community_id)
    if not (community.is_curator(caller) or request.created_by == caller.username):
        raise InclusionRequestNotFound(f"no request {request_id}; list a community's requests to find it")
    return request_json(request, links)


@router.post("/api/requests/{request_id}/actions/accept")
def accept_request(request_id: str, caller: ZenodoCaller, session: DbSession, links: LinksDep) -> Any:
    return request_json(communities.accept_request(session, request_id, caller), links)


@router.post("/api/requests/{request_id}/actions/decline")
def decline_request(request_id: str, caller: ZenodoCaller, session: DbSession, links: LinksDep) -> Any:
    return request_json(communities.decline_request(session, request_id, caller), links)


@router.get("/api/requests/{request_id}/timeline")
def request_timeline(request_id: str, caller: ZenodoCaller, session: DbSession, links: LinksDep) -> Any:
    """No comments are kept here, so the timeline is empty; it exists because clients follow the link."""
    communities.get_request(session, request_id)
    return hits([], 0, f"{links.api}/requests/{request_id}/timeline", 1, 10)


def _curated(session: Session, id_or_slug: str, caller: Account) -> Community:
    community = communities.get_community(session, id_or_slug)
    if not community.is_curator(caller):
        raise NotCurator(f"only curators of {community.slug!r} see its requests; ask its owner {community.owner}")
    return community
