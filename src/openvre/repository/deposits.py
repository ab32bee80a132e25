"""Depositions: drafts that become immutable records with a DOI, and the versions of a work.

The life of a deposition, as in Zenodo's deposit API::

    create ─► draft ──PUT metadata, upload files──► publish ─► published record (DOI minted, files locked)
                │                                               │   ▲
              delete                                           edit │ publish (metadata only)
                                                                ▼   │
                                                          editing ──discard─► published, unchanged

``new_version`` of a published record opens a draft of the same work (concept), starting from the
newest version's metadata and files; publishing it gives a new DOI while the concept DOI keeps naming
the newest version. Publishing twice is harmless: the second call finds the record published and
returns it. Access (who may see or change which deposition) is decided by the caller, with
:func:`openvre.identity.may`; these functions trust the ids they are given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openvre.db import utcnow
from openvre.identity import Account
from openvre.repository import communities, dois, files, licenses, records
from openvre.repository._tables import ConceptRow, DepositionRow, PidRow
from openvre.repository.config import RepositoryConfig
from openvre.repository.errors import (
    BucketNotFound,
    DepositionLocked,
    DepositionNotFound,
    InvalidMetadata,
    InvalidQuery,
    Problem,
    WrongState,
)
from openvre.repository.files import StoredFile
from openvre.repository.metadata import validate_metadata

DEPOSIT_STATUSES = ("draft", "published")
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Deposition:
    """A deposition as its owner sees it; ``metadata`` is what is being edited (or what was published)."""

    recid: int
    concept_recid: int
    owner: str
    state: str  # draft, published
    editing: bool  # a published record with an open edit
    metadata: dict[str, Any]
    doi: str | None  # once published
    reserved_doi: str  # the DOI publication gives, known from creation
    conceptdoi: str | None  # once the work's first version is published
    bucket_id: str
    files: tuple[StoredFile, ...]
    version_index: int | None
    previous_recid: int | None
    latest_recid: int | None  # the work's newest published version
    latest_draft_recid: int | None  # the work's open draft, if any
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None

    @property
    def is_published(self) -> bool:
        return self.state == "published"

    @property
    def zenodo_state(self) -> str:
        """Zenodo's ``state``: unsubmitted (draft), inprogress (published, being edited) or done."""
        if not self.is_published:
            return "unsubmitted"
        return "inprogress" if self.editing else "done"


def create_deposition(
    session: Session, config: RepositoryConfig, owner: str, metadata: dict[str, Any] | None = None
) -> Deposition:
    """A new, empty draft of a new work; ``metadata`` (if given) is validated as a PUT would be."""
    concept_recid, recid = _new_pid(session, "conceptrecid"), _new_pid(session, "recid")
    session.add(ConceptRow(recid=concept_recid, owner=owner))
    row = DepositionRow(
        recid=recid,
        concept_recid=concept_recid,
        owner=owner,
        state="draft",
        meta={},
        bucket_id=files.create_bucket(session, config),
    )
    if metadata:
        _set_draft_metadata(row, _validated(session, metadata, dois.mint_doi(config.doi_prefix, recid)))
    session.add(row)
    session.flush()
    return _deposition(session, config, row)


def get_deposition(session: Session, config: RepositoryConfig, recid: int) -> Deposition:
    return _deposition(session, config, _row(session, recid))


def get_deposition_of_bucket(session: Session, config: RepositoryConfig, bucket_id: str) -> Deposition:
    """The deposition whose files live in ``bucket_id`` (the bucket API names only the bucket)."""
    row = session.scalars(select(DepositionRow).where(DepositionRow.bucket_id == bucket_id)).one_or_none()
    if row is None:
        raise BucketNotFound(f"no bucket {bucket_id}: take the bucket URL from the deposition's links.bucket")
    return _deposition(session, config, row)


def list_depositions(
    session: Session,
    config: RepositoryConfig,
    owner: str,
    *,
    status: str | None = None,
    query: str = "",
    sort: str = "mostrecent",
    page: int = 1,
    size: int = 10,
    all_versions: bool = False,
) -> list[Deposition]:
    """``owner``'s depositions, newest change first; without ``all_versions`` older published versions hide."""
    if status is not None and status not in DEPOSIT_STATUSES:
        raise InvalidQuery(f"status must be draft or published, not {status!r}", field="status")
    if sort.removeprefix("-") not in ("mostrecent", "bestmatch"):
        raise InvalidQuery(f"cannot sort depositions by {sort!r}: use mostrecent or -mostrecent", field="sort")
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidQuery(f"page must be 1 or more and size between 1 and {MAX_PAGE_SIZE}", field="size")
    selected = select(DepositionRow).where(DepositionRow.owner == owner)
    if status is not None:
        selected = selected.where(DepositionRow.state == status)
    if not all_versions:
        selected = selected.where((DepositionRow.state == "draft") | DepositionRow.is_latest.is_(True))
    for word in query.lower().split():
        selected = selected.where(func.lower(DepositionRow.title).contains(word, autoescape=True))
    newest_first = sort != "-mostrecent"
    order = DepositionRow.updated_at.desc() if newest_first else DepositionRow.updated_at.asc()
    rows = session.scalars(selected.order_by(order, DepositionRow.recid.desc()).offset((page - 1) * size).limit(size))
    return [_deposition(session, config, row) for row in rows]


def update_metadata(session: Session, config: RepositoryConfig, recid: int, metadata: Any) -> Deposition:
    """Replace the metadata of a draft, or of a published record that is being edited."""
    row = _row(session, recid, for_update=True)
    if row.state == "published" and not row.editing:
        raise DepositionLocked(
            f"record {recid} is published; POST .../actions/edit to change its metadata, then publish again"
        )
    validated = _validated(session, metadata, _reserved_doi(config, row))
    if row.editing:
        row.edit_meta = validated
    else:
        _set_draft_metadata(row, validated)
    row.updated_at = utcnow()
    session.flush()
    return _deposition(session, config, row)


def delete_deposition(session: Session, config: RepositoryConfig, recid: int) -> None:
    """Delete a draft that was never published, with its files; a work left with no version goes too."""
    row = _row(session, recid, for_update=True)
    if row.state == "published":
        raise DepositionLocked(
            f"record {recid} is published and has DOI {row.doi}, which must keep resolving; it cannot be "
            "deleted. Publish a new version to supersede it, or ask an administrator"
        )
    concept_recid, bucket_id = row.concept_recid, row.bucket_id
    session.delete(row)
    session.flush()
    files.delete_bucket(session, config, bucket_id)
    remaining = session.scalar(select(func.count()).where(DepositionRow.concept_recid == concept_recid))
    if not remaining:
        concept = session.get(ConceptRow, concept_recid)
        if concept is not None:
            session.delete(concept)
    session.flush()


def publish(session: Session, config: RepositoryConfig, recid: int, publisher: Account) -> Deposition:
    """Publish a draft (minting its DOI) or an edit (metadata only); publishing a record again changes nothing."""
    row = _row(session, recid, for_update=True)
    if row.state == "published" and not row.editing:
        return _deposition(session, config, row)
    today = utcnow().date()
    if row.editing:
        row.meta = _publishable(session, row.edit_meta or {}, _reserved_doi(config, row), today, None)
        row.edit_meta, row.editing = None, False
        row.revision += 1
    else:
        file_count = len(files.list_files(session, row.bucket_id))
        row.meta = _publishable(session, row.meta, _reserved_doi(config, row), today, file_count)
        _mint(session, config, row)
        files.lock_bucket(session, row.bucket_id)
    row.updated_at = utcnow()
    records.index_record(session, row)
    slugs = [ref["identifier"] for ref in row.meta.get("communities", [])]
    communities.request_inclusions(session, row.concept_recid, row.recid, slugs, publisher)
    session.flush()
    return _deposition(session, config, row)


def edit(session: Session, config: RepositoryConfig, recid: int) -> Deposition:
    """Open a published record's metadata for changes (its files stay as published); opening twice is harmless."""
    row = _row(session, recid, for_update=True)
    if row.state != "published":
        raise WrongState(f"deposition {recid} is a draft, which is editable already; PUT its metadata directly")
    if not row.editing:
        row.editing, row.edit_meta = True, dict(row.meta)
        row.updated_at = utcnow()
        session.flush()
    return _deposition(session, config, row)


def discard(session: Session, config: RepositoryConfig, recid: int) -> Deposition:
    """Drop the changes of an edit, leaving the record as last published."""
    row = _row(session, recid, for_update=True)
    if row.state != "published":
        raise WrongState(f"deposition {recid} was never published, so there is nothing to go back to; DELETE it")
    if not row.editing:
        raise WrongState(f"record {recid} has no edit in progress to discard")
    row.editing, row.edit_meta = False, None
    row.updated_at = utcnow()
    session.flush()
    return _deposition(session, config, row)


def new_version(session: Session, config: RepositoryConfig, recid: int) -> Deposition:
    """A draft of the work's next version, from its newest version's metadata and files.

    Any published version's id will do. If the work already has an open draft, that draft is returned,
    so asking twice does not make two.
    """
    row = _row(session, recid)
    if row.state != "published":
        raise WrongState(f"deposition {recid} is a draft; publish it before making new versions of it")
    open_draft = _open_draft(session, row.concept_recid)
    if open_draft is not None:
        return _deposition(session, config, open_draft)
    latest = _latest(session, row.concept_recid) or row
    draft = DepositionRow(
        recid=_new_pid(session, "recid"),
        concept_recid=row.concept_recid,
        owner=latest.owner,
        state="draft",
        previous_recid=latest.recid,
        bucket_id=files.create_bucket(session, config),
    )
    # A new version gets its own DOI and the date it is published, not the previous version's.
    _set_draft_metadata(draft, {k: v for k, v in latest.meta.items() if k not in ("doi", "publication_date")})
    session.add(draft)
    session.flush()
    files.copy_files(session, latest.bucket_id, draft.bucket_id)
    return _deposition(session, config, draft)


def _validated(session: Session, metadata: Any, reserved_doi: str) -> dict[str, Any]:
    """Validated, normalised metadata, with communities that do not exist reported among the other problems."""
    problems: list[Problem] = []
    stored: dict[str, Any] = {}
    try:
        stored = validate_metadata(metadata, reserved_doi=reserved_doi).stored()
    except InvalidMetadata as error:
        problems.extend(error.problems)
    refs = metadata.get("communities") if isinstance(metadata, dict) else None
    slugs = [ref.get("identifier", ref.get("id")) for ref in refs or [] if isinstance(ref, dict)]
    for slug in communities.missing_communities(session, [slug for slug in slugs if isinstance(slug, str)]):
        problems.append(Problem("metadata.communities", f"no community {slug!r}; create it first or remove it"))
    if problems:
        raise InvalidMetadata(problems)
    return stored


def _publishable(
    session: Session, metadata: dict[str, Any], reserved_doi: str, today: date, file_count: int | None
) -> dict[str, Any]:
    """Metadata complete enough to publish, with Zenodo's defaults filled in; every gap is reported."""
    problems: list[Problem] = []
    stored: dict[str, Any] = {}
    try:
        stored = _validated(session, metadata, reserved_doi)
    except InvalidMetadata as error:
        problems.extend(error.problems)
    if file_count == 0:
        problems.append(Problem("files", "a record needs at least one file: upload one to links.bucket first"))
    embargo = metadata.get("embargo_date")
    first_publication = file_count is not None  # an edit must not fail because an embargo has since ended
    embargoed = metadata.get("access_right") == "embargoed" and isinstance(embargo, str)
    if first_publication and embargoed and str(embargo) <= today.isoformat():
        problems.append(Problem("metadata.embargo_date", f"{embargo} has passed: give a future date, or make it open"))
    if problems:
        raise InvalidMetadata(problems)
    stored.setdefault("publication_date", today.isoformat())
    if stored.get("access_right", "open") in ("open", "embargoed"):
        stored.setdefault("license", licenses.DEFAULT_LICENSE)
    return stored


def _mint(session: Session, config: RepositoryConfig, row: DepositionRow) -> None:
    """Give a draft its DOI and place it at the head of its work's versions."""
    concept = session.get(ConceptRow, row.concept_recid)
    assert concept is not None
    if concept.conceptdoi is None:
        concept.conceptdoi = dois.mint_doi(config.doi_prefix, concept.recid)
    previous = session.scalars(
        select(DepositionRow).where(DepositionRow.concept_recid == row.concept_recid, DepositionRow.is_latest.is_(True))
    )
    for other in previous:
        other.is_latest = False
    last_index = session.scalar(
        select(func.max(DepositionRow.version_index)).where(DepositionRow.concept_recid == row.concept_recid)
    )
    row.doi = _reserved_doi(config, row)
    row.version_index = (last_index or 0) + 1
    row.is_latest = True
    row.state = "published"
    row.published_at = utcnow()
    row.revision = 1


def _set_draft_metadata(row: DepositionRow, metadata: dict[str, Any]) -> None:
    row.meta = metadata
    row.title = str(metadata.get("title", ""))


def _reserved_doi(config: RepositoryConfig, row: DepositionRow) -> str:
    # Minted once: a record keeps its DOI even if the configured prefix later changes.
    return row.doi or dois.mint_doi(config.doi_prefix, row.recid)


def _new_pid(session: Session, kind: str) -> int:
    pid = PidRow(kind=kind)
    session.add(pid)
    session.flush()
    return pid.id


def _row(session: Session, recid: int, *, for_update: bool = False) -> DepositionRow:
    query = select(DepositionRow).where(DepositionRow.recid == recid)
    row = session.scalars(query.with_for_update() if for_update else query).one_or_none()
    if row is None:
        raise DepositionNotFound(f"no deposition {recid}; list yours with GET /api/deposit/depositions")
    return row


def _latest(session: Session, concept_recid: int) -> DepositionRow | None:
    return session.scalars(
        select(DepositionRow).where(DepositionRow.concept_recid == concept_recid, DepositionRow.is_latest.is_(True))
    ).one_or_none()


def _open_draft(session: Session, concept_recid: int) -> DepositionRow | None:
    query = select(DepositionRow).where(DepositionRow.concept_recid == concept_recid, DepositionRow.state == "draft")
    return session.scalars(query.order_by(DepositionRow.recid.desc())).first()


def _deposition(session: Session, config: RepositoryConfig, row: DepositionRow) -> Deposition:
    concept = session.get(ConceptRow, row.concept_recid)
    latest = _latest(session, row.concept_recid)
    open_draft = _open_draft(session, row.concept_recid)
    return Deposition(
        recid=row.recid,
        concept_recid=row.concept_recid,
        owner=row.owner,
        state=row.state,
        editing=row.editing,
        metadata=dict(row.edit_meta if row.editing and row.edit_meta is not None else row.meta),
        doi=row.doi,
        reserved_doi=_reserved_doi(config, row),
        conceptdoi=concept.conceptdoi if concept is not None else None,
        bucket_id=row.bucket_id,
        files=tuple(files.list_files(session, row.bucket_id)),
        version_index=row.version_index,
        previous_recid=row.previous_recid,
        latest_recid=latest.recid if latest is not None else None,
        latest_draft_recid=open_draft.recid if open_draft is not None else None,
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
    )
