"""Buckets and their files: upload, list, rename, delete, and reading back verified bytes.

Every deposition has one bucket (Zenodo's ``links.bucket``); publishing locks it, after which its files
never change. A new version's bucket starts with rows pointing at the previous version's bytes, so
versions share storage; bytes are deleted once no row points at them, and only after the transaction
that dropped the last row has committed (a rollback must never find its file gone).

:func:`upload_file` takes the :class:`~openvre.db.Database` rather than a session: it must not hold a
transaction open while bytes stream in (on SQLite that would block every writer for the whole upload),
so it checks the bucket in one short transaction, streams with none, and records the file in another.
"""

from __future__ import annotations

import logging
import mimetypes
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openvre.db import Database
from openvre.repository._store import FileStore
from openvre.repository._tables import BucketRow, FileRow
from openvre.repository.config import RepositoryConfig
from openvre.repository.errors import (
    BucketNotFound,
    DepositFileNotFound,
    DepositionLocked,
    FileExists,
    FileTooLarge,
    InvalidFileName,
    WrongState,
)

log = logging.getLogger(__name__)

MAX_KEY_BYTES = 255
_PENDING_DELETIONS = "openvre.repository.blob_deletions"


@dataclass(frozen=True)
class StoredFile:
    id: str
    bucket_id: str
    key: str
    size: int
    md5: str
    mimetype: str
    storage_path: str
    created_at: datetime
    updated_at: datetime

    @property
    def checksum(self) -> str:
        """As Zenodo's bucket API writes it."""
        return f"md5:{self.md5}"

    @classmethod
    def from_row(cls, row: FileRow) -> StoredFile:
        return cls(
            id=row.id,
            bucket_id=row.bucket_id,
            key=row.key,
            size=row.size,
            md5=row.md5,
            mimetype=row.mimetype,
            storage_path=row.storage_path,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@dataclass(frozen=True)
class Bucket:
    id: str
    locked: bool
    size: int  # bytes of all its files
    quota_size: int
    max_file_size: int
    max_files: int
    created_at: datetime
    updated_at: datetime


def validate_key(key: str) -> str:
    """A file name a record may hold; the error says what to change."""
    key = unicodedata.normalize("NFC", key)
    problem = None
    if not key.strip():
        problem = "it is empty"
    elif len(key.encode()) > MAX_KEY_BYTES:
        problem = f"it is longer than {MAX_KEY_BYTES} bytes"
    elif "/" in key or "\\" in key:
        problem = "it contains a folder separator (zip a folder to upload it whole)"
    elif key in (".", ".."):
        problem = "it names a directory"
    elif any(unicodedata.category(char) == "Cc" for char in key):
        problem = "it contains control characters"
    if problem:
        raise InvalidFileName(f"cannot name a file {key!r}: {problem}; choose another name", field="filename")
    return key


def create_bucket(session: Session, config: RepositoryConfig) -> str:
    row = BucketRow(
        id=str(uuid.uuid4()),
        quota_size=config.max_bucket_size,
        max_file_size=config.max_file_size,
        max_files=config.max_files,
    )
    session.add(row)
    session.flush()
    return row.id


def get_bucket(session: Session, bucket_id: str) -> Bucket:
    row = _bucket_row(session, bucket_id)
    total = session.scalar(select(func.coalesce(func.sum(FileRow.size), 0)).where(FileRow.bucket_id == bucket_id))
    return Bucket(
        id=row.id,
        locked=row.locked,
        size=int(total or 0),
        quota_size=row.quota_size,
        max_file_size=row.max_file_size,
        max_files=row.max_files,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def list_files(session: Session, bucket_id: str) -> list[StoredFile]:
    """The bucket's files in the order they were added."""
    rows = session.scalars(
        select(FileRow).where(FileRow.bucket_id == bucket_id).order_by(FileRow.created_at, FileRow.key)
    )
    return [StoredFile.from_row(row) for row in rows]


def get_file(session: Session, bucket_id: str, key: str) -> StoredFile:
    return StoredFile.from_row(_file_row(session, bucket_id, key=key))


def get_file_by_id(session: Session, bucket_id: str, file_id: str) -> StoredFile:
    return StoredFile.from_row(_file_row(session, bucket_id, file_id=file_id))


def upload_file(
    database: Database,
    config: RepositoryConfig,
    bucket_id: str,
    key: str,
    chunks: Iterable[bytes],
    *,
    declared_size: int | None = None,
    replace: bool = True,
) -> StoredFile:
    """Store ``chunks`` as ``key`` in an unlocked bucket, replacing a file of that name if ``replace``.

    ``declared_size`` (an upload's Content-Length) lets a file that is too large be refused before a
    byte is read. Nothing is left behind when the upload fails, however it fails.
    """
    key = validate_key(key)
    with database.transaction() as session:
        max_bytes, limit = _room_for(session, _writable_bucket(session, bucket_id), key, declared_size, replace)
    blob = FileStore(config.files_root).write(bucket_id, chunks, max_size=max_bytes, limit=limit)
    try:
        with database.transaction() as session:
            bucket = _writable_bucket(session, bucket_id)
            _room_for(session, bucket, key, blob.size, replace)  # a parallel upload may have used the room
            existing = session.scalars(select(FileRow).where(FileRow.bucket_id == bucket_id, FileRow.key == key))
            old = existing.one_or_none()
            if old is not None:
                session.delete(old)
                session.flush()
                delete_blobs_after_commit(session, config, [old.storage_path])
            row = FileRow(
                id=str(uuid.uuid4()),
                bucket_id=bucket_id,
                key=key,
                size=blob.size,
                md5=blob.md5,
                mimetype=mimetypes.guess_type(key)[0] or "application/octet-stream",
                storage_path=blob.storage_path,
            )
            session.add(row)
            session.flush()
            stored = StoredFile.from_row(row)
    except IntegrityError:
        FileStore(config.files_root).delete(blob.storage_path)
        raise WrongState(f"another upload of {key!r} finished at the same moment; send the file again") from None
    except BaseException:
        FileStore(config.files_root).delete(blob.storage_path)
        raise
    return stored


def rename_file(session: Session, bucket_id: str, file_id: str, new_key: str) -> StoredFile:
    new_key = validate_key(new_key)
    row = _file_row(session, bucket_id, file_id=file_id)
    _writable_bucket(session, bucket_id)
    if new_key != row.key:
        taken = session.scalar(select(FileRow.id).where(FileRow.bucket_id == bucket_id, FileRow.key == new_key))
        if taken is not None:
            raise FileExists(f"the deposition already has a file named {new_key!r}; delete or rename it first")
        row.key = new_key
        row.mimetype = mimetypes.guess_type(new_key)[0] or "application/octet-stream"
        session.flush()
    return StoredFile.from_row(row)


def delete_file(
    session: Session, config: RepositoryConfig, bucket_id: str, *, key: str | None = None, file_id: str | None = None
) -> StoredFile:
    """Remove a file from an unlocked bucket; its bytes go once the transaction commits."""
    row = _file_row(session, bucket_id, key=key, file_id=file_id)
    _writable_bucket(session, bucket_id)
    removed = StoredFile.from_row(row)
    session.delete(row)
    session.flush()
    delete_blobs_after_commit(session, config, [removed.storage_path])
    return removed


def copy_files(session: Session, source_bucket_id: str, target_bucket_id: str) -> None:
    """Give ``target`` the files of ``source``, sharing their bytes (a new version starts this way)."""
    for row in session.scalars(select(FileRow).where(FileRow.bucket_id == source_bucket_id)):
        copy = FileRow(
            id=str(uuid.uuid4()),
            bucket_id=target_bucket_id,
            key=row.key,
            size=row.size,
            md5=row.md5,
            mimetype=row.mimetype,
            storage_path=row.storage_path,
            created_at=row.created_at,
        )
        session.add(copy)
    session.flush()


def lock_bucket(session: Session, bucket_id: str) -> None:
    _bucket_row(session, bucket_id).locked = True
    session.flush()


def delete_bucket(session: Session, config: RepositoryConfig, bucket_id: str) -> None:
    """Remove the bucket and its files; bytes no other bucket shares go once the transaction commits."""
    row = _bucket_row(session, bucket_id)
    paths = list(session.scalars(select(FileRow.storage_path).where(FileRow.bucket_id == bucket_id)))
    session.delete(row)
    session.flush()
    delete_blobs_after_commit(session, config, paths)


def read_file(config: RepositoryConfig, stored: StoredFile) -> Iterator[bytes]:
    """The file's bytes, refused with :class:`CorruptedFile` if they differ from what was uploaded."""
    return FileStore(config.files_root).open_verified(stored.storage_path, stored.size, stored.md5, repr(stored.key))


def delete_blobs_after_commit(session: Session, config: RepositoryConfig, storage_paths: Iterable[str]) -> None:
    """Delete these blobs when (and only if) the session's transaction commits and no row still uses them."""
    unused = [path for path in set(storage_paths) if not _in_use(session, path)]
    if unused:
        pending: list[tuple[FileStore, str]] = session.info.setdefault(_PENDING_DELETIONS, [])
        pending.extend((FileStore(config.files_root), path) for path in unused)


def _in_use(session: Session, storage_path: str) -> bool:
    return session.scalar(select(FileRow.id).where(FileRow.storage_path == storage_path).limit(1)) is not None


@event.listens_for(Session, "after_commit")
def _delete_pending_blobs(session: Session) -> None:
    for store, path in session.info.pop(_PENDING_DELETIONS, []):
        try:
            store.delete(path)
        except OSError as error:  # the row is gone: a leftover blob wastes space but harms nothing
            log.warning("could not delete repository blob %s: %s", path, error)


@event.listens_for(Session, "after_rollback")
def _forget_pending_blobs(session: Session) -> None:
    session.info.pop(_PENDING_DELETIONS, None)


def _room_for(session: Session, bucket: BucketRow, key: str, size: int | None, replace: bool) -> tuple[int, str]:
    """The most bytes ``key`` may have in ``bucket`` and the message for passing it; raise if none."""
    rows = list(session.scalars(select(FileRow).where(FileRow.bucket_id == bucket.id)))
    same = next((row for row in rows if row.key == key), None)
    if same is not None and not replace:
        raise FileExists(f"the deposition already has a file named {key!r}; delete it first or choose another name")
    if same is None and len(rows) >= bucket.max_files:
        raise FileTooLarge(
            f"a record holds at most {bucket.max_files} files; put the files in a zip archive and upload that"
        )
    others = sum(row.size for row in rows if row is not same)
    room = bucket.quota_size - others
    if bucket.max_file_size <= room:
        max_bytes, limit = bucket.max_file_size, f"a file may have at most {_human(bucket.max_file_size)}"
    else:
        max_bytes = max(room, 0)
        limit = f"the record's files may total at most {_human(bucket.quota_size)} and {_human(others)} are used"
    limit += f"; {key!r} is larger: split it, or ask the administrator for a higher limit"
    if size is not None and size > max_bytes:
        raise FileTooLarge(limit)
    return max_bytes, limit


def _writable_bucket(session: Session, bucket_id: str) -> BucketRow:
    row = _bucket_row(session, bucket_id, for_update=True)
    if row.locked:
        raise DepositionLocked(
            "the files of a published record cannot change; create a new version "
            "(POST .../actions/newversion) to publish different files"
        )
    return row


def _bucket_row(session: Session, bucket_id: str, *, for_update: bool = False) -> BucketRow:
    query = select(BucketRow).where(BucketRow.id == bucket_id)
    row = session.scalars(query.with_for_update() if for_update else query).one_or_none()
    if row is None:
        raise BucketNotFound(f"no bucket {bucket_id}: take the bucket URL from the deposition's links.bucket")
    return row


def _file_row(session: Session, bucket_id: str, *, key: str | None = None, file_id: str | None = None) -> FileRow:
    conditions: list[Any] = [FileRow.bucket_id == bucket_id]
    conditions.append(FileRow.key == key if key is not None else FileRow.id == file_id)
    row = session.scalars(select(FileRow).where(*conditions)).one_or_none()
    if row is None:
        what = f"named {key!r}" if key is not None else f"with id {file_id}"
        raise DepositFileNotFound(f"the deposition has no file {what}; list its files to see what it holds")
    return row


def _human(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("kB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"
