"""Communities: curated collections of records, joined by request and curator acceptance.

Anyone may create a community and becomes its owner (a curator). Publishing a record whose metadata
names communities (``"communities": [{"identifier": "slug"}]``) asks each of them to include it; a
curator accepts or declines. A community includes a *work*, so every version of an included record is
in it, and a publisher who curates the community is included at once. Only accepted inclusions show in
a record's ``communities`` and in the ``communities=`` search filter.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from openvre.db import utcnow
from openvre.identity import Account
from openvre.repository._tables import CommunityRow, CuratorRow, DepositionRow, InclusionRequestRow
from openvre.repository.errors import (
    CommunityExists,
    CommunityNotFound,
    InclusionRequestNotFound,
    InvalidMetadata,
    InvalidQuery,
    NotCurator,
    Problem,
    WrongState,
)

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
MAX_TITLE = 250


@dataclass(frozen=True)
class Community:
    id: str
    slug: str
    title: str
    description: str
    owner: str
    curators: tuple[str, ...]
    created_at: datetime
    updated_at: datetime

    def is_curator(self, account: Account) -> bool:
        return account.is_admin or account.username in self.curators


@dataclass(frozen=True)
class InclusionRequest:
    id: str
    community_id: str
    community_slug: str
    concept_recid: int
    recid: int
    title: str  # the title of the record that asked
    status: str  # submitted, accepted, declined
    created_by: str
    decided_by: str | None
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == "submitted"


def create_community(session: Session, owner: str, slug: str, title: str, description: str = "") -> Community:
    problems = []
    if not SLUG_PATTERN.match(slug):
        problems.append(Problem("slug", f"{slug!r}: use 1 to 100 lowercase letters, digits, '-' or '_'"))
    if not title.strip() or len(title) > MAX_TITLE:
        problems.append(Problem("metadata.title", f"give the community a title of 1 to {MAX_TITLE} characters"))
    if problems:
        raise InvalidMetadata(problems)
    if session.scalar(select(CommunityRow.id).where(func.lower(CommunityRow.slug) == slug)) is not None:
        raise CommunityExists(f"a community {slug!r} exists already; choose another identifier", field="slug")
    row = CommunityRow(id=str(uuid.uuid4()), slug=slug, title=title.strip(), description=description, owner=owner)
    session.add(row)
    session.add(CuratorRow(community_id=row.id, username=owner, role="owner"))
    session.flush()
    return _community(session, row)


def get_community(session: Session, id_or_slug: str) -> Community:
    return _community(session, _community_row(session, id_or_slug))


def search_communities(session: Session, query: str = "", page: int = 1, size: int = 10) -> tuple[list[Community], int]:
    """Communities whose slug, title or description contains every word of ``query``, newest first."""
    if page < 1 or not 1 <= size <= 100:
        raise InvalidQuery("page must be 1 or more and size between 1 and 100", field="size")
    conditions = [
        or_(
            func.lower(CommunityRow.slug).contains(word, autoescape=True),
            func.lower(CommunityRow.title).contains(word, autoescape=True),
            func.lower(CommunityRow.description).contains(word, autoescape=True),
        )
        for word in query.lower().split()
    ]
    matching = select(CommunityRow).where(*conditions)
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    rows = session.scalars(
        matching.order_by(CommunityRow.created_at.desc(), CommunityRow.slug).offset((page - 1) * size).limit(size)
    )
    return [_community(session, row) for row in rows], total


def add_curator(session: Session, id_or_slug: str, username: str, by: Account) -> Community:
    """Make ``username`` a curator; only the owner (or an administrator) may."""
    row = _community_row(session, id_or_slug)
    if not (by.is_admin or by.username == row.owner):
        raise NotCurator(f"only the owner of {row.slug!r} ({row.owner}) may add curators")
    if username not in _curators(session, row.id):
        session.add(CuratorRow(community_id=row.id, username=username, role="curator"))
        session.flush()
    return _community(session, row)


def missing_communities(session: Session, slugs: Iterable[str]) -> list[str]:
    """The slugs among ``slugs`` that name no community, in the order given."""
    wanted = list(dict.fromkeys(slugs))
    known = set(session.scalars(select(CommunityRow.slug).where(CommunityRow.slug.in_(wanted))))
    return [slug for slug in wanted if slug not in known]


def request_inclusions(
    session: Session, concept_recid: int, recid: int, slugs: Iterable[str], requester: Account
) -> list[InclusionRequest]:
    """Ask each community to include the work; already included ones are left, curators' own accepted."""
    results = []
    for slug in dict.fromkeys(slugs):
        community = _community_row(session, slug)
        row = session.scalars(
            select(InclusionRequestRow).where(
                InclusionRequestRow.community_id == community.id, InclusionRequestRow.concept_recid == concept_recid
            )
        ).one_or_none()
        if row is None:
            row = InclusionRequestRow(
                id=str(uuid.uuid4()),
                community_id=community.id,
                concept_recid=concept_recid,
                created_by=requester.username,
            )
            session.add(row)
        elif row.status == "accepted":
            results.append(_request(session, row))
            continue
        row.recid, row.status, row.decided_by, row.decided_at = recid, "submitted", None, None
        if requester.is_admin or requester.username in _curators(session, community.id):
            _decide(row, "accepted", requester)
        session.flush()
        results.append(_request(session, row))
    return results


def list_requests(session: Session, id_or_slug: str, status: str | None = None) -> list[InclusionRequest]:
    """The community's inclusion requests, newest first; ``status`` narrows to submitted/accepted/declined."""
    community = _community_row(session, id_or_slug)
    query = select(InclusionRequestRow).where(InclusionRequestRow.community_id == community.id)
    if status is not None:
        query = query.where(InclusionRequestRow.status == status)
    rows = session.scalars(query.order_by(InclusionRequestRow.created_at.desc()))
    return [_request(session, row) for row in rows]


def get_request(session: Session, request_id: str) -> InclusionRequest:
    return _request(session, _request_row(session, request_id))


def accept_request(session: Session, request_id: str, curator: Account) -> InclusionRequest:
    return _answer(session, request_id, curator, "accepted")


def decline_request(session: Session, request_id: str, curator: Account) -> InclusionRequest:
    return _answer(session, request_id, curator, "declined")


def _answer(session: Session, request_id: str, curator: Account, status: str) -> InclusionRequest:
    row = _request_row(session, request_id)
    community = _community_row(session, row.community_id)
    if not (curator.is_admin or curator.username in _curators(session, community.id)):
        raise NotCurator(f"only curators of {community.slug!r} decide on its requests; ask its owner {community.owner}")
    if row.status != "submitted":
        raise WrongState(f"the request was {row.status} already; a new publication of the record asks again")
    _decide(row, status, curator)
    session.flush()
    return _request(session, row)


def _decide(row: InclusionRequestRow, status: str, by: Account) -> None:
    row.status, row.decided_by, row.decided_at = status, by.username, utcnow()


def _community_row(session: Session, id_or_slug: str) -> CommunityRow:
    row = session.scalars(
        select(CommunityRow).where(
            or_(CommunityRow.id == id_or_slug, func.lower(CommunityRow.slug) == id_or_slug.lower())
        )
    ).one_or_none()
    if row is None:
        raise CommunityNotFound(f"no community {id_or_slug!r}; search /api/communities for its identifier")
    return row


def _request_row(session: Session, request_id: str) -> InclusionRequestRow:
    row = session.get(InclusionRequestRow, request_id)
    if row is None:
        raise InclusionRequestNotFound(f"no request {request_id}; list a community's requests to find it")
    return row


def _curators(session: Session, community_id: str) -> list[str]:
    query = select(CuratorRow.username).where(CuratorRow.community_id == community_id).order_by(CuratorRow.id)
    return list(session.scalars(query))


def _community(session: Session, row: CommunityRow) -> Community:
    return Community(
        id=row.id,
        slug=row.slug,
        title=row.title,
        description=row.description,
        owner=row.owner,
        curators=tuple(_curators(session, row.id)),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _request(session: Session, row: InclusionRequestRow) -> InclusionRequest:
    slug = session.scalar(select(CommunityRow.slug).where(CommunityRow.id == row.community_id)) or ""
    title = session.scalar(select(DepositionRow.title).where(DepositionRow.recid == row.recid)) or ""
    return InclusionRequest(
        id=row.id,
        community_id=row.community_id,
        community_slug=slug,
        concept_recid=row.concept_recid,
        recid=row.recid,
        title=title,
        status=row.status,
        created_by=row.created_by,
        decided_by=row.decided_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        decided_at=row.decided_at,
    )
