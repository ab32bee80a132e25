"""The bytes of an RSE: read, write, check and copy files through fsspec, always checksummed.

A :class:`StorageElement` is one RSE reached through one of its protocols (see
:mod:`openvre.datalake.rses`): a local directory behind a ``file`` protocol, or any fsspec URL. Every
path it takes is relative to the RSE's root and passes :func:`~openvre.datalake.lfn2pfn.safe_join`,
so a scope or name from a user can never reach outside the RSE.

Writes never leave a partial file where a reader could find it: bytes go to a hidden temporary
name in the target's directory, are checksummed (size, adler32, md5) in the same pass, compared with
what was declared, and only then renamed into place. A failed write removes its temporary file.

Example::

    source = open_storage(session, "SITE_A")
    target = open_storage(session, "SITE_B", "write")
    path = source.path("user.jdoe", "file.root")      # 'user/jdoe/59/52/file.root'
    copy_file(source, target, path, Checksums(bytes=1024, adler32="0a1b2c3d"))

Errors: :class:`ChecksumMismatch` when bytes differ from what was declared, :class:`ReplicaNotFound`
when a file is missing, :class:`FileAlreadyExists` when a write would replace a file it was told
not to; anything else the storage raises (disk full, network) stays an ``OSError`` that a caller may
retry.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

from openvre.datalake import protocols
from openvre.datalake.checksums import DEFAULT_CHUNK_SIZE, ChecksumAccumulator, Checksums, verify
from openvre.datalake.errors import ChecksumMismatch, FileAlreadyExists, ReplicaNotFound, UnsupportedOperation
from openvre.datalake.lfn2pfn import hash_path, safe_join

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_POSIX_IMPLS = ("rucio.rse.protocols.posix.Default", "rucio.rse.protocols.posix.Symlink")


@dataclass(frozen=True)
class FileStat:
    bytes: int
    modified_at: datetime | None


def protocol_pfn(protocol: protocols.Protocol, path: str) -> str:
    """The PFN of ``path`` through ``protocol``, byte for byte as the official client computes it.

    Posix: ``file://localhost/abs/prefix/path`` (prefix given a leading and trailing ``/``, no port).
    Other Rucio protocols: ``scheme://host:port/prefix/path``. fsspec protocols: the prefix URL + path.
    """
    if protocol.impl == protocols.FSSPEC_IMPL:
        return _with_trailing_slash(protocol.prefix) + path
    prefix = _client_prefix(protocol.prefix)
    relative = path[1:] if path.startswith("/") else path
    if protocol.impl in _POSIX_IMPLS:
        return f"{protocol.scheme}://{protocol.hostname}{prefix}{relative}"
    return f"{protocol.scheme}://{protocol.hostname}:{protocol.port}{prefix}{relative}"


def reachable(protocol: protocols.Protocol) -> bool:
    """Whether openvre itself can move bytes through ``protocol`` (a local directory or fsspec URL)."""
    return protocol.impl == protocols.FSSPEC_IMPL or (protocol.scheme == "file" and protocol.impl in _POSIX_IMPLS)


class StorageElement:
    """One RSE's files through one protocol; paths are relative to the RSE's root."""

    def __init__(self, rse: str, protocol: protocols.Protocol) -> None:
        if not reachable(protocol):
            raise UnsupportedOperation(
                f"openvre cannot reach RSE {rse} through {protocol.scheme}://{protocol.hostname} ({protocol.impl}); "
                "give the RSE a local directory or an fsspec URL (add_local_rse, add_storage_rse)"
            )
        self.rse = rse
        self.protocol = protocol
        self.is_local = protocol.impl != protocols.FSSPEC_IMPL
        if self.is_local:
            self._fs: Any = LocalFileSystem()
            self.root = _client_prefix(protocol.prefix)
        else:
            self._fs, root = url_to_fs(protocol.prefix)
            self.root = _with_trailing_slash(root)

    def __repr__(self) -> str:
        return f"StorageElement({self.rse!r}, {self.pfn_of('')!r})"

    def path(self, scope: str, name: str) -> str:
        """Where ``scope:name`` lives under the root, by Rucio's deterministic ``hash`` convention."""
        return hash_path(scope, name)

    def pfn(self, scope: str, name: str) -> str:
        return self.pfn_of(self.path(scope, name))

    def pfn_of(self, path: str) -> str:
        return protocol_pfn(self.protocol, path)

    def local_path(self, path: str) -> Path | None:
        """The file's path on this machine, or ``None`` if the RSE is not a local directory."""
        return Path(self._location(path)) if self.is_local else None

    def exists(self, path: str) -> bool:
        return bool(self._fs.isfile(self._location(path)))

    def stat(self, path: str) -> FileStat:
        location = self._location(path)
        try:
            info = self._fs.info(location)
        except FileNotFoundError:
            raise self._missing(path) from None
        if info.get("type") != "file":
            raise self._missing(path)
        return FileStat(bytes=int(info["size"]), modified_at=_modified_at(info))

    def read_stream(self, path: str, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
        """The file's bytes in chunks; a missing file raises :class:`ReplicaNotFound` on the first chunk."""
        location = self._location(path)
        try:
            stream = self._fs.open(location, "rb")
        except (FileNotFoundError, IsADirectoryError):
            raise self._missing(path) from None
        with stream:
            while chunk := stream.read(chunk_size):
                yield chunk

    def write_stream(
        self,
        path: str,
        chunks: Iterable[bytes],
        expected: Checksums | None = None,
        *,
        reread: bool = False,
        overwrite: bool = False,
    ) -> Checksums:
        """Write ``chunks`` to ``path`` and return their checksums, computed while writing.

        With ``expected``, bytes that differ raise :class:`ChecksumMismatch` before the file appears.
        With ``reread``, the stored bytes are read back and checked too, catching storage that
        corrupts what it was given. Either way nothing is left behind on failure.
        """
        target = self._location(path)
        if not overwrite and self._fs.isfile(target):
            raise FileAlreadyExists(
                f"RSE {self.rse} already holds a file at {self.pfn_of(path)}; delete it first or write with overwrite"
            )
        directory = target.rsplit("/", 1)[0]
        temporary = f"{directory}/.openvre-{uuid.uuid4().hex}.part"
        self._fs.makedirs(directory, exist_ok=True)
        try:
            written = self._write(temporary, chunks)
            if expected is not None:
                verify(expected, written)
            if reread:
                verify(written, self._checksum(temporary))
            self._fs.mv(temporary, target)
        except BaseException:
            self._remove_quietly(temporary)
            raise
        return written

    def verify(self, path: str, expected: Checksums) -> Checksums:
        """Read the stored file back and raise :class:`ChecksumMismatch` if it differs from ``expected``."""
        actual = self._checksum(self._location(path), path)
        verify(expected, actual)
        return actual

    def delete(self, path: str) -> bool:
        """Remove the file; ``False`` if there was none (deleting twice is not an error)."""
        location = self._location(path)
        try:
            self._fs.rm_file(location)
        except FileNotFoundError:
            return False
        return True

    def _location(self, path: str) -> str:
        return safe_join(self.root, path)

    def _write(self, location: str, chunks: Iterable[bytes]) -> Checksums:
        accumulator = ChecksumAccumulator()
        with self._fs.open(location, "wb") as stream:
            for chunk in chunks:
                accumulator.update(chunk)
                stream.write(chunk)
            if self.is_local:
                # The rename that follows must not publish a file whose bytes are still in the page cache.
                stream.flush()
                os.fsync(stream.fileno())
        return accumulator.result()

    def _checksum(self, location: str, path: str | None = None) -> Checksums:
        accumulator = ChecksumAccumulator()
        try:
            stream = self._fs.open(location, "rb")
        except FileNotFoundError:
            raise self._missing(path or location) from None
        with stream:
            while chunk := stream.read(DEFAULT_CHUNK_SIZE):
                accumulator.update(chunk)
        return accumulator.result()

    def _remove_quietly(self, location: str) -> None:
        # Never written, or already gone: either way nothing is left.
        with contextlib.suppress(OSError):
            self._fs.rm_file(location)

    def _missing(self, path: str) -> ReplicaNotFound:
        return ReplicaNotFound(
            f"RSE {self.rse} has no file at {self.pfn_of(path)}; the replica is lost: "
            "declare it bad so a copy is made from another RSE, or delete the replica"
        )


def open_storage(session: Session, rse: str, operation: protocols.Operation = "read") -> StorageElement:
    """The RSE's storage through its preferred protocol for ``operation`` that openvre can reach."""
    from openvre.datalake import rses  # the catalog's side: clients reach storage without the database layer

    candidates = [
        protocol
        for protocol in rses.list_protocols(session, rse)
        if reachable(protocol) and protocol.priority(operation) is not None
    ]
    if not candidates:
        raise UnsupportedOperation(
            f"RSE {rse} has no protocol openvre can {operation} through; add a local directory or fsspec URL "
            "protocol (rses.add_protocol) with a priority for that operation"
        )
    return StorageElement(rse, min(candidates, key=lambda protocol: protocol.priority(operation) or 0))


def copy_file(source: StorageElement, dest: StorageElement, path: str, expected: Checksums) -> Checksums:
    """Copy ``path`` from ``source`` to ``dest``, checked against ``expected`` on the way and at arrival.

    A destination that already holds exactly the expected bytes is left alone (a copy that finished
    before a crash is not redone); a different file there is replaced. On any failure the destination
    is as it was before.
    """
    if dest.exists(path):
        try:
            return dest.verify(path, expected)
        except ChecksumMismatch:
            pass  # a stale or damaged file: replaced below, after the new bytes are verified
    return dest.write_stream(path, source.read_stream(path), expected, reread=True, overwrite=True)


def _client_prefix(prefix: str) -> str:
    """The prefix as the official client uses it: with a leading and a trailing ``/``."""
    prefix = prefix if prefix.startswith("/") else "/" + prefix
    return _with_trailing_slash(prefix)


def _with_trailing_slash(text: str) -> str:
    return text if text.endswith("/") else text + "/"


def _modified_at(info: dict[str, Any]) -> datetime | None:
    moment = info.get("mtime", info.get("created"))
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(moment, (int, float)):
        return datetime.fromtimestamp(moment, UTC)
    return None
