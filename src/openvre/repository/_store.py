"""The bytes of the repository's files: ``<root>/<bucket>/<blob id>``, written whole or not at all.

A write streams into ``<root>/<bucket>/.upload-<uuid>.part``, computing size and md5 in the same pass
and stopping as soon as the size passes the limit; only complete bytes, flushed to disk, are renamed
to their final name. Any failure (client gone, disk full, limit passed) removes the temporary file, so
an interrupted upload leaves nothing. A process killed mid-upload leaves a ``.part`` file that
:meth:`FileStore.remove_stale_uploads` clears at the next start.

Reads are verified: :meth:`FileStore.open_verified` checks size and md5 against what was recorded at
upload *before* the first byte is handed out, so a damaged file is refused rather than served, and
checks again while streaming in case the file changes underneath.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from openvre.repository.errors import CorruptedFile, FileTooLarge

CHUNK_SIZE = 1024 * 1024
PART_SUFFIX = ".part"


@dataclass(frozen=True)
class Blob:
    storage_path: str  # relative to the store's root: "<bucket>/<blob id>"
    size: int
    md5: str


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, bucket_id: str, chunks: Iterable[bytes], *, max_size: int, limit: str) -> Blob:
        """Store ``chunks`` as a new blob of ``bucket_id``; past ``max_size`` bytes raise FileTooLarge(limit)."""
        directory = self._location(bucket_id)
        directory.mkdir(parents=True, exist_ok=True)
        blob_id = uuid.uuid4().hex
        temporary = directory / f".upload-{blob_id}{PART_SUFFIX}"
        digest = hashlib.md5(usedforsecurity=False)
        size = 0
        try:
            with temporary.open("xb") as stream:
                for chunk in chunks:
                    size += len(chunk)
                    if size > max_size:
                        raise FileTooLarge(limit)
                    digest.update(chunk)
                    stream.write(chunk)
                stream.flush()
                # The rename below must not publish bytes that are still only in the page cache.
                os.fsync(stream.fileno())
            temporary.rename(directory / blob_id)
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        return Blob(storage_path=f"{bucket_id}/{blob_id}", size=size, md5=digest.hexdigest())

    def open_verified(self, storage_path: str, size: int, md5: str, name: str) -> Iterator[bytes]:
        """The blob's bytes, after checking they still have ``size`` and ``md5``; ``name`` is for messages.

        Reads the file twice (once to check, once to send): the price of never serving damaged bytes.
        """
        location = self._location(storage_path)
        try:
            actual_size = location.stat().st_size
        except FileNotFoundError:
            raise CorruptedFile(_damaged(name, "its stored copy is missing")) from None
        if actual_size != size:
            raise CorruptedFile(_damaged(name, f"its stored copy has {actual_size} bytes instead of {size}"))
        actual_md5 = _md5_of(location)
        if actual_md5 != md5:
            raise CorruptedFile(_damaged(name, f"its stored copy has md5 {actual_md5} instead of {md5}"))
        return self._stream_checked(location, md5, name)

    def delete(self, storage_path: str) -> None:
        """Remove the blob; a blob already gone is not an error."""
        with contextlib.suppress(FileNotFoundError):
            self._location(storage_path).unlink()
        with contextlib.suppress(OSError):  # not empty, or gone: either way nothing to do
            self._location(storage_path).parent.rmdir()

    def remove_stale_uploads(self, older_than: timedelta = timedelta(hours=24)) -> int:
        """Delete ``.part`` files left by uploads that died with their process; returns how many."""
        if not self.root.is_dir():
            return 0
        deadline = time.time() - older_than.total_seconds()
        removed = 0
        for part in self.root.glob(f"*/.upload-*{PART_SUFFIX}"):
            with contextlib.suppress(FileNotFoundError):
                if part.stat().st_mtime < deadline:
                    part.unlink()
                    removed += 1
        return removed

    def _location(self, relative: str) -> Path:
        # Storage paths are written by this module (bucket UUID / hex blob id), never taken from users,
        # but a row edited by hand must still not reach outside the root.
        location = (self.root / relative).resolve()
        if not location.is_relative_to(self.root.resolve()):
            raise ValueError(f"storage path {relative!r} leaves the repository's root")
        return location

    def _stream_checked(self, location: Path, md5: str, name: str) -> Iterator[bytes]:
        digest = hashlib.md5(usedforsecurity=False)
        with location.open("rb") as stream:
            while chunk := stream.read(CHUNK_SIZE):
                digest.update(chunk)
                yield chunk
        if digest.hexdigest() != md5:
            # Too late to refuse cleanly: raising aborts the response, so the client sees a short body.
            raise CorruptedFile(_damaged(name, "its stored copy changed while it was being sent"))


def _md5_of(location: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with location.open("rb") as stream:
        while chunk := stream.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def _damaged(name: str, what: str) -> str:
    return (
        f"{name} is not served because {what}: the file is damaged on the server. "
        "Ask the repository's administrator to restore it from a backup"
    )
