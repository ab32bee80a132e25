"""Published records: read one, list a work's versions, search them all.

A record is a published deposition seen by everyone: its metadata and DOI are public whatever its
``access_right``; only its files follow the access right (see :meth:`Record.files_are_public`).
``get_record`` also accepts a concept id, answering with the newest version, as Zenodo does.

Search (:func:`search_records`) runs on the lowercased columns :func:`index_record` fills at
publication, so it is plain SQL on SQLite and PostgreSQL alike; the query language is in
:mod:`openvre.repository._search`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openvre.repository import _search, descriptions
from openvre.repository._search import RecordQuery as RecordQuery  # part of the search API
from openvre.repository._tables import (
    CommunityRow,
    ConceptRow,
    DepositionRow,
    FileRow,
    InclusionRequestRow,
    KeywordRow,
)
from openvre.repository.errors import RecordNotFound
from openvre.repository.files import StoredFile


@dataclass(frozen=True)
class Record:
    recid: int
    concept_recid: int
    owner: str
    metadata: dict[str, Any]
    doi: str
    conceptdoi: str | None
    version_index: int
    is_latest: bool
    latest_recid: int
    bucket_id: str
    files: tuple[StoredFile, ...]
    communities: tuple[str, ...]  # slugs of the communities that include the record's concept
    revision: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime

    @property
    def title(self) -> str:
        return str(self.metadata.get("title", ""))

    @property
    def access_right(self) -> str:
        return str(self.metadata.get("access_right", "open"))

    def files_are_public(self, today: date) -> bool:
        """Open records, and embargoed ones whose embargo has ended, serve files to anyone."""
        if self.access_right == "open":
            return True
        embargo = self.metadata.get("embargo_date")
        return self.access_right == "embargoed" and embargo is not None and date.fromisoformat(embargo) <= today


@dataclass(frozen=True)
class SearchResult:
    records: list[Record]
    total: int
    aggregations: dict[str, dict[str, int]]  # facet -> value -> count, over every match


def get_record(session: Session, recid: int) -> Record:
    """The published record ``recid``, or the newest version when ``recid`` is a concept id."""
    row = session.get(DepositionRow, recid)
    if row is None:
        row = session.scalars(
            select(DepositionRow).where(DepositionRow.concept_recid == recid, DepositionRow.is_latest.is_(True))
        ).one_or_none()
    if row is None or row.state != "published":
        raise RecordNotFound(f"no published record {recid}; search /api/records to find one")
    return records_from_rows(session, [row])[0]


def list_versions(session: Session, recid: int) -> list[Record]:
    """Every published version of the work ``recid`` belongs to, newest first."""
    concept = get_record(session, recid).concept_recid
    rows = session.scalars(
        select(DepositionRow)
        .where(DepositionRow.concept_recid == concept, DepositionRow.state == "published")
        .order_by(DepositionRow.version_index.desc())
    )
    return records_from_rows(session, list(rows))


def search_records(session: Session, query: RecordQuery) -> SearchResult:
    """Published records matching ``query``, one page of them, with the total and facet counts."""
    rows, total, aggregations = _search.run(session, query)
    return SearchResult(records=records_from_rows(session, rows), total=total, aggregations=aggregations)


def records_from_rows(session: Session, rows: Sequence[DepositionRow]) -> list[Record]:
    """Records for published rows, loading their files, concepts and communities in one query each."""
    if not rows:
        return []
    concept_ids = {row.concept_recid for row in rows}
    concepts = {c.recid: c for c in session.scalars(select(ConceptRow).where(ConceptRow.recid.in_(concept_ids)))}
    newest = select(DepositionRow.concept_recid, DepositionRow.recid).where(
        DepositionRow.concept_recid.in_(concept_ids), DepositionRow.is_latest.is_(True)
    )
    latest = dict(session.execute(newest).tuples().all())
    files: dict[str, list[StoredFile]] = defaultdict(list)
    file_rows = session.scalars(
        select(FileRow).where(FileRow.bucket_id.in_([row.bucket_id for row in rows])).order_by(FileRow.created_at)
    )
    for file_row in file_rows:
        files[file_row.bucket_id].append(StoredFile.from_row(file_row))
    communities: dict[int, list[str]] = defaultdict(list)
    included = session.execute(
        select(InclusionRequestRow.concept_recid, CommunityRow.slug)
        .join(CommunityRow, CommunityRow.id == InclusionRequestRow.community_id)
        .where(InclusionRequestRow.concept_recid.in_(concept_ids), InclusionRequestRow.status == "accepted")
        .order_by(CommunityRow.slug)
    ).tuples()
    for concept_recid, slug in included:
        communities[concept_recid].append(slug)
    return [
        _record(row, concepts[row.concept_recid], latest.get(row.concept_recid, row.recid), files, communities)
        for row in rows
    ]


def _record(
    row: DepositionRow,
    concept: ConceptRow,
    latest_recid: int,
    files: dict[str, list[StoredFile]],
    communities: dict[int, list[str]],
) -> Record:
    assert row.doi is not None and row.version_index is not None and row.published_at is not None
    return Record(
        recid=row.recid,
        concept_recid=row.concept_recid,
        owner=row.owner,
        metadata=dict(row.meta),
        doi=row.doi,
        conceptdoi=concept.conceptdoi,
        version_index=row.version_index,
        is_latest=row.is_latest,
        latest_recid=latest_recid,
        bucket_id=row.bucket_id,
        files=tuple(files.get(row.bucket_id, ())),
        communities=tuple(communities.get(row.concept_recid, ())),
        revision=row.revision,
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
    )


def index_record(session: Session, row: DepositionRow) -> None:
    """Copy the searchable parts of a published row's metadata into its search columns and keywords."""
    meta = row.meta
    row.title = str(meta.get("title", ""))
    row.upload_type = meta.get("upload_type")
    row.subtype = meta.get("publication_type") or meta.get("image_type")
    row.access_right = meta.get("access_right", "open")
    row.publication_date = meta.get("publication_date")
    row.search_title = row.title.lower()
    row.search_description = descriptions.plain_text(str(meta.get("description", ""))).lower()
    people = [*meta.get("creators", []), *meta.get("contributors", [])]
    row.search_creators = " | ".join(str(person.get("name", "")) for person in people).lower()
    keywords = sorted({str(keyword).lower()[:255] for keyword in meta.get("keywords", [])})
    row.search_keywords = " | ".join(keywords)
    session.execute(delete(KeywordRow).where(KeywordRow.recid == row.recid))
    session.add_all(KeywordRow(recid=row.recid, keyword=keyword) for keyword in keywords)
    session.flush()
