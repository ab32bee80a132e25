"""The catalog's data identifiers (DIDs): files, datasets that group files, containers that group collections.

Rucio's rules, kept so the official client behaves the same here:

* files are attached only to datasets, datasets and containers only to containers, never a DID to itself
  or to one of its own descendants;
* a closed collection gets no new content (detaching still works), and only an open one can be closed;
* file DIDs are created by registering replicas (:func:`add_files`), collections by :func:`add_dids`.

Unlike Rucio, which stores a collection's ``length`` and ``bytes`` when it is closed, openvre computes
them from the content at every read: ``length`` is the number of distinct files below a collection (for
a dataset, its files), ``bytes`` their total size. A file's ``length`` is None, as in Rucio's table.

Every function takes the caller's session first and never commits.

>>> add_dids(session, [NewDid("user.alice", "run1", DidType.DATASET)], "alice")  # doctest: +SKIP
>>> attach_dids(session, "user.alice", "run1", [("user.alice", "raw.dat")])  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, case, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openvre.datalake import _did_queries
from openvre.datalake._tables import AttachmentRow, DidMetaRow, DidRow, ScopeRow
from openvre.datalake.checksums import Checksums
from openvre.datalake.errors import (
    ChecksumMismatch,
    DataIdentifierAlreadyExists,
    DataIdentifierNotFound,
    Duplicate,
    DuplicateContent,
    FileAlreadyExists,
    InvalidObject,
    ScopeNotFound,
    UnsupportedOperation,
)
from openvre.datalake.filters import FilterGroup, SearchType
from openvre.datalake.names import validate_name, validate_scope
from openvre.db import utcnow


class DidType(StrEnum):
    FILE = "FILE"
    DATASET = "DATASET"
    CONTAINER = "CONTAINER"


@dataclass(frozen=True)
class Did:
    """A DID as the catalog knows it; ``bytes`` and ``length`` of collections are computed from content."""

    scope: str
    name: str
    did_type: DidType
    account: str
    bytes: int | None
    length: int | None
    adler32: str | None
    md5: str | None
    guid: str | None
    is_open: bool | None  # None for files, which are neither open nor closed
    monotonic: bool
    availability: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    expired_at: datetime | None


@dataclass(frozen=True)
class NewDid:
    """A dataset or container to create; ``lifetime`` (seconds) sets when it expires."""

    scope: str
    name: str
    did_type: DidType | str
    monotonic: bool = False
    lifetime: int | None = None


@dataclass(frozen=True)
class NewFile:
    """A file as a replica registration declares it; checksums are hex, ``guid`` a UUID with or without dashes."""

    scope: str
    name: str
    bytes: int
    adler32: str | None = None
    md5: str | None = None
    guid: str | None = None


@dataclass(frozen=True)
class ContentFile:
    """A file reached through a collection, with the Rucio metadata that file listings show."""

    scope: str
    name: str
    bytes: int | None
    adler32: str | None
    md5: str | None
    guid: str | None
    events: int | None
    lumiblocknr: int | None


COLLECTIONS = (DidType.DATASET, DidType.CONTAINER)
_GUID = re.compile(r"[0-9a-f]{32}")


def add_dids(session: Session, dids: Sequence[NewDid], account: str) -> list[Did]:
    """Create datasets and containers owned by ``account``; all or none are created."""
    _check_new_names(session, [(new.scope, new.name) for new in dids])
    rows: list[DidRow] = []
    for new in dids:
        did_type = _collection_type(new.did_type)
        if new.lifetime is not None and (isinstance(new.lifetime, bool) or new.lifetime < 0):
            raise InvalidObject(f"invalid lifetime {new.lifetime!r}: give seconds, 0 or more", field="lifetime")
        expired_at = utcnow() + timedelta(seconds=new.lifetime) if new.lifetime is not None else None
        rows.append(
            DidRow(
                scope=new.scope,
                name=new.name,
                did_type=did_type,
                account=account,
                monotonic=new.monotonic,
                is_open=True,
                expired_at=expired_at,
            )
        )
    return _insert(session, rows)


def add_did(session: Session, scope: str, name: str, did_type: DidType | str, account: str) -> Did:
    return add_dids(session, [NewDid(scope, name, did_type)], account)[0]


def add_files(session: Session, files: Sequence[NewFile], account: str) -> list[Did]:
    """The file DIDs of ``files``, in order: existing ones checked against what is declared, missing ones created.

    Raises :class:`ChecksumMismatch` when an existing file has another size or checksum than declared,
    and :class:`DataIdentifierAlreadyExists` when the name belongs to a dataset or container.
    """
    declared = {(f.scope, f.name): f for f in files}
    existing = _rows_by_key(session, declared)
    _check_new_names(session, [key for key in declared if key not in existing])
    rows: list[DidRow] = []
    for (scope, name), new in declared.items():
        checksums = Checksums(new.bytes, new.adler32, new.md5)
        row = existing.get((scope, name))
        if row is not None:
            _check_same_file(row, checksums)
            continue
        rows.append(
            DidRow(
                scope=scope,
                name=name,
                did_type=DidType.FILE,
                account=account,
                bytes=checksums.bytes,
                adler32=checksums.adler32,
                md5=checksums.md5,
                guid=_guid(new.guid),
            )
        )
    _insert(session, rows)
    return _dids(session, _did_keys(files))


def get_did(session: Session, scope: str, name: str) -> Did:
    """The DID ``scope:name``; its ``length`` and ``bytes`` are computed over its content now."""
    return _one(session, get_did_row(session, scope, name))


def get_did_row(session: Session, scope: str, name: str) -> DidRow:
    """The row of ``scope:name`` for this package's modules; raises Rucio's ``DataIdentifierNotFound``."""
    row = session.scalars(select(DidRow).where(DidRow.scope == scope, DidRow.name == name)).one_or_none()
    if row is None:
        raise not_found(scope, name)
    return row


def not_found(scope: str, name: str) -> DataIdentifierNotFound:
    return DataIdentifierNotFound(f"Data identifier '{scope}:{name}' not found")


def attach_dids(session: Session, scope: str, name: str, children: Iterable[tuple[str, str]]) -> None:
    """Attach ``children`` to the collection ``scope:name``; repeating a child in one call attaches it once.

    A child that is already attached raises ``FileAlreadyExists`` (into a dataset) or ``DuplicateContent``
    (into a container), as Rucio does, so a caller learns its view of the content was stale.
    """
    parent = get_did_row(session, scope, name)
    if parent.did_type == DidType.FILE:
        raise UnsupportedOperation(f"Data identifier '{scope}:{name}' is a file; attach to a dataset or container")
    if not parent.is_open:
        raise UnsupportedOperation(f"Data identifier '{scope}:{name}' is closed; closed collections cannot grow")
    keys = list(dict.fromkeys(children))
    rows = _rows_by_key(session, keys)
    for key in keys:
        if key not in rows:
            raise not_found(*key)
    if parent.did_type == DidType.DATASET:
        _check_files_for_dataset(parent, [rows[key] for key in keys])
    else:
        _check_collections_for_container(session, parent, [rows[key] for key in keys])
    _check_not_attached(session, parent, [rows[key] for key in keys])
    session.add_all(AttachmentRow(parent_id=parent.id, child_id=rows[key].id) for key in keys)
    parent.updated_at = utcnow()
    try:
        session.flush()
    except IntegrityError:  # another request attached the same child in the meantime
        raise Duplicate(
            f"some of these DIDs were attached to '{scope}:{name}' at the same time; list it again"
        ) from None


def detach_dids(session: Session, scope: str, name: str, children: Iterable[tuple[str, str]]) -> None:
    """Detach ``children`` from the collection ``scope:name``; closed collections allow it, as in Rucio."""
    parent = get_did_row(session, scope, name)
    if parent.did_type == DidType.FILE:
        raise not_found(scope, name)
    keys = list(dict.fromkeys(children))
    if (scope, name) in keys:
        raise UnsupportedOperation(f"'{scope}:{name}' cannot be detached from itself")
    attached = {(row.scope, row.name): attachment for row, attachment in _content_rows(session, parent.id)}
    for child_scope, child_name in keys:
        attachment = attached.get((child_scope, child_name))
        if attachment is None:
            raise DataIdentifierNotFound(
                f"Data identifier '{child_scope}:{child_name}' not found under '{scope}:{name}'"
            )
        session.delete(attachment)
    parent.updated_at = utcnow()
    session.flush()


def list_content(session: Session, scope: str, name: str) -> list[Did]:
    """The DIDs attached directly to ``scope:name`` (none for a file), by type then name."""
    parent = get_did_row(session, scope, name)
    return _select(session, select(AttachmentRow.child_id).where(AttachmentRow.parent_id == parent.id))


def list_files(session: Session, scope: str, name: str) -> list[ContentFile]:
    """Every file below ``scope:name``, once each, however deep and however often attached; a file lists itself."""
    top = get_did_row(session, scope, name)
    ids = [top.id] if top.did_type == DidType.FILE else _did_queries.descendants([top.id])
    rows = session.scalars(
        select(DidRow).where(DidRow.id.in_(ids), DidRow.did_type == DidType.FILE).order_by(*_by_name(session))
    ).all()
    meta = _file_metadata(session, [row.id for row in rows])
    return [
        ContentFile(
            scope=row.scope,
            name=row.name,
            bytes=row.bytes,
            adler32=row.adler32,
            md5=row.md5,
            guid=row.guid,
            events=meta.get((row.id, "events")),
            lumiblocknr=meta.get((row.id, "lumiblocknr")),
        )
        for row in rows
    ]


def list_parent_dids(session: Session, scope: str, name: str) -> list[Did]:
    """The collections ``scope:name`` is attached to directly; none (not an error) for an unknown DID, as in Rucio."""
    parents = (
        select(AttachmentRow.parent_id)
        .join(DidRow, DidRow.id == AttachmentRow.child_id)
        .where(DidRow.scope == scope, DidRow.name == name)
    )
    return _select(session, parents)


def set_status(session: Session, scope: str, name: str, *, open: bool) -> Did:
    """Close (``open=False``) or reopen a collection; a file, or no change, raises ``UnsupportedOperation``."""
    row = get_did_row(session, scope, name)
    cannot = f"The status of the data identifier '{scope}:{name}' cannot be changed"
    if row.did_type == DidType.FILE:
        raise UnsupportedOperation(f"{cannot}: it is a file, and only collections open and close")
    if row.is_open == open:
        raise UnsupportedOperation(f"{cannot}: it is {'open' if open else 'closed'} already")
    row.is_open = open
    row.closed_at = None if open else utcnow()
    session.flush()
    return _one(session, row)


def list_dids(
    session: Session,
    scope: str,
    filters: Sequence[FilterGroup],
    did_type: SearchType = "collection",
    *,
    recursive: bool = False,
    limit: int | None = None,
) -> list[Did]:
    """The DIDs of ``scope`` matching any filter group: containers, then datasets, then files, each by name.

    ``recursive`` adds, below every collection found, the DIDs that match the groups' other criteria
    whatever their name (Rucio's ``--recursive``). An unknown scope has no DIDs: the result is empty.
    """
    groups = list(filters) or [FilterGroup()]
    dialect = session.get_bind().dialect.name
    only_files = all((group.did_type or did_type) == "file" for group in groups)
    if only_files and not recursive and not _did_queries.uses_sizes(groups):
        return _files_only(session, scope, groups, did_type, dialect, limit)
    if recursive:  # content may live in other scopes
        sizes = _did_queries.sizes(select(DidRow.id).where(DidRow.did_type != DidType.FILE))
    elif _did_queries.uses_sizes(groups):
        sizes = _did_queries.sizes(select(DidRow.id).where(DidRow.scope == scope, DidRow.did_type != DidType.FILE))
    else:  # sizes of the matches only: the cheap case, e.g. a download looking up one name
        unsized = _did_queries.condition(groups, did_type, _did_queries.columns(None), dialect)
        sizes = _did_queries.sizes(select(DidRow.id).where(DidRow.scope == scope, unsized))
    columns = _did_queries.columns(sizes)
    matches = and_(DidRow.scope == scope, _did_queries.condition(groups, did_type, columns, dialect))
    if recursive:
        below = _did_queries.descendants(select(DidRow.id).where(matches))
        beneath = _did_queries.condition(groups, did_type, columns, dialect, ignore_name=True)
        matches = or_(matches, and_(DidRow.id.in_(below), beneath))
    return _query(session, sizes, matches, limit=limit)


def _files_only(
    session: Session, scope: str, groups: list[FilterGroup], did_type: SearchType, dialect: str, limit: int | None
) -> list[Did]:
    """A search for files only: a file's size is its own, so no walk over attachments is needed."""
    where = and_(DidRow.scope == scope, _did_queries.condition(groups, did_type, _did_queries.columns(None), dialect))
    query = select(DidRow).where(where).order_by(*_by_name(session)).limit(limit)
    return [_public(row, None, None) for row in session.scalars(query)]


# --- reading, with sizes computed over content -------------------------------------------------------


def _query(session: Session, sizes: Any, where: ColumnElement[bool], *, limit: int | None = None) -> list[Did]:
    columns = _did_queries.columns(sizes)
    kind_order = case({DidType.CONTAINER: 0, DidType.DATASET: 1}, value=DidRow.did_type, else_=2)
    query = (
        select(DidRow, columns["length"], columns["bytes"])
        .outerjoin(sizes, sizes.c.root_id == DidRow.id)
        .where(where)
        .order_by(kind_order, *_by_name(session))
        .limit(limit)
    )
    return [_public(row, length, size) for row, length, size in session.execute(query)]


def _select(session: Session, ids: _did_queries.Ids) -> list[Did]:
    """The DIDs with these ids, sizes included."""
    return _query(session, _did_queries.sizes(ids), DidRow.id.in_(ids))


def _one(session: Session, row: DidRow) -> Did:
    if row.did_type == DidType.FILE:  # a file's size is its own: no walk over attachments needed
        return _public(row, None, None)
    return _select(session, [row.id])[0]


def _dids(session: Session, keys: list[tuple[str, str]]) -> list[Did]:
    found = {(did.scope, did.name): did for did in _select(session, _ids(session, keys))}
    return [found[key] for key in keys]


def _by_name(session: Session) -> list[SQLColumnExpression[str]]:
    # PostgreSQL sorts text by locale (ignoring case and punctuation); byte order matches SQLite.
    if session.get_bind().dialect.name == "postgresql":
        return [DidRow.scope.collate("C"), DidRow.name.collate("C")]
    return [DidRow.scope, DidRow.name]


def _public(row: DidRow, length: int | None, size: int | None) -> Did:
    is_file = row.did_type == DidType.FILE
    return Did(
        scope=row.scope,
        name=row.name,
        did_type=DidType(row.did_type),
        account=row.account,
        bytes=row.bytes if is_file else size,
        length=None if is_file else length,
        adler32=row.adler32,
        md5=row.md5,
        guid=row.guid,
        is_open=None if is_file else row.is_open,
        monotonic=row.monotonic,
        availability=row.availability,
        created_at=row.created_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
        expired_at=row.expired_at,
    )


# --- checks and lookups -----------------------------------------------------------------------------


def _collection_type(did_type: DidType | str) -> DidType:
    value = did_type.upper() if isinstance(did_type, str) else did_type
    if value == DidType.FILE:
        raise UnsupportedOperation(
            "Only collection (dataset/container) can be registered; files are created by registering "
            "their replicas (POST /replicas, or `rucio upload`)"
        )
    if value not in COLLECTIONS:
        raise InvalidObject(f"invalid DID type {did_type!r}: give DATASET or CONTAINER", field="type")
    return DidType(value)


def _check_new_names(session: Session, keys: list[tuple[str, str]]) -> None:
    """Each name valid, in an existing scope, not taken and not asked for twice; one query per check."""
    for scope, name in keys:
        validate_scope(scope)
        validate_name(name)
    wanted = {scope for scope, _ in keys}
    known = set(session.scalars(select(ScopeRow.name).where(ScopeRow.name.in_(wanted))))
    missing = sorted(wanted - known)
    if missing:
        raise ScopeNotFound(f"Scope '{missing[0]}' does not exist; create it first with `rucio scope add`")
    taken = [key for key, count in Counter(keys).items() if count > 1] + list(_rows_by_key(session, keys))
    if taken:
        scope, name = taken[0]
        raise DataIdentifierAlreadyExists(f"Data identifier '{scope}:{name}' already exists; choose another name")


def _insert(session: Session, rows: list[DidRow]) -> list[Did]:
    session.add_all(rows)
    try:
        session.flush()
    except IntegrityError:  # a concurrent request created one of these names first
        raise DataIdentifierAlreadyExists("one of these data identifiers was just created by another request") from None
    return _dids(session, [(row.scope, row.name) for row in rows])


def _check_same_file(row: DidRow, declared: Checksums) -> None:
    if row.did_type != DidType.FILE:
        raise DataIdentifierAlreadyExists(
            f"Data identifier '{row.scope}:{row.name}' already exists as a {row.did_type}, not a file; "
            "give the file another name"
        )
    if row.bytes is not None and row.bytes != declared.bytes:
        raise ChecksumMismatch("bytes", str(row.bytes), str(declared.bytes))
    for algorithm in ("adler32", "md5"):
        known, claimed = getattr(row, algorithm), getattr(declared, algorithm)
        if known is not None and claimed is not None and known != claimed:
            raise ChecksumMismatch(algorithm, known, claimed)


def _guid(guid: str | None) -> str | None:
    if guid is None:
        return None
    normalised = guid.strip("{}").replace("-", "").lower()
    if not _GUID.fullmatch(normalised):
        raise InvalidObject(f"invalid guid {guid!r}: give a UUID, with or without dashes", field="guid")
    return normalised


def _check_files_for_dataset(parent: DidRow, children: list[DidRow]) -> None:
    for child in children:
        if child.did_type != DidType.FILE:
            raise UnsupportedOperation(
                f"Data identifier {child.scope}:{child.name} of type {child.did_type} cannot be added to a dataset; "
                f"attach it to a container, or attach files to '{parent.scope}:{parent.name}'"
            )


def _check_collections_for_container(session: Session, parent: DidRow, children: list[DidRow]) -> None:
    ancestors = set(_did_queries.ancestor_ids(session, parent.id))
    for child in children:
        if child.did_type == DidType.FILE:
            raise UnsupportedOperation(
                f"Adding a file ({child.scope}:{child.name}) to a container ({parent.scope}:{parent.name}) "
                "is forbidden; attach files to a dataset and the dataset to the container"
            )
        if child.id == parent.id:
            raise UnsupportedOperation("Self-append is not valid!")
        if child.id in ancestors:
            raise UnsupportedOperation(
                f"Circular attachment detected. {child.scope}:{child.name} is already a parent of "
                f"{parent.scope}:{parent.name}"
            )


def _check_not_attached(session: Session, parent: DidRow, children: list[DidRow]) -> None:
    ids = {child.id: child for child in children}
    existing = session.scalars(
        select(AttachmentRow.child_id).where(AttachmentRow.parent_id == parent.id, AttachmentRow.child_id.in_(ids))
    ).first()
    if existing is None:
        return
    child = ids[existing]
    message = f"'{child.scope}:{child.name}' is already attached to '{parent.scope}:{parent.name}'"
    if parent.did_type == DidType.DATASET:
        raise FileAlreadyExists(message)
    raise DuplicateContent(message)


def _content_rows(session: Session, parent_id: int) -> list[tuple[DidRow, AttachmentRow]]:
    query = (
        select(DidRow, AttachmentRow)
        .join(AttachmentRow, AttachmentRow.child_id == DidRow.id)
        .where(AttachmentRow.parent_id == parent_id)
    )
    return [(row, attachment) for row, attachment in session.execute(query)]


def _file_metadata(session: Session, ids: list[int]) -> dict[tuple[int, str], Any]:
    query = select(DidMetaRow).where(DidMetaRow.did_id.in_(ids), DidMetaRow.key.in_(("events", "lumiblocknr")))
    return {(row.did_id, row.key): row.value for row in session.scalars(query)}


def _did_keys(items: Iterable[NewFile]) -> list[tuple[str, str]]:
    return list(dict.fromkeys((item.scope, item.name) for item in items))


def _key_in(keys: Iterable[tuple[str, str]]) -> ColumnElement[bool]:
    return tuple_(DidRow.scope, DidRow.name).in_(list(keys))


def _rows_by_key(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], DidRow]:
    wanted = list(keys)
    if not wanted:
        return {}
    return {(row.scope, row.name): row for row in session.scalars(select(DidRow).where(_key_in(wanted)))}


def _ids(session: Session, keys: list[tuple[str, str]]) -> list[int]:
    return list(session.scalars(select(DidRow.id).where(_key_in(keys))))
