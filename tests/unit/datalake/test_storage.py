"""Storage elements: PFNs as the client computes them, checksummed writes, verified copies, no escapes."""

import hashlib
import os
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from openvre.datalake import protocols, rses
from openvre.datalake.checksums import Checksums
from openvre.datalake.errors import (
    ChecksumMismatch,
    FileAlreadyExists,
    InvalidObject,
    ReplicaNotFound,
    UnsupportedOperation,
)
from openvre.datalake.storage import StorageElement, copy_file, open_storage, protocol_pfn
from openvre.db import Database

DATA = b"hello world\n" * 1000
DATA_SUMS = Checksums(
    bytes=len(DATA), adler32=f"{zlib.adler32(DATA):08x}", md5=hashlib.md5(DATA, usedforsecurity=False).hexdigest()
)


def local(root: Path, name: str = "SITE_A") -> StorageElement:
    protocol = protocols.Protocol("file", "localhost", 0, f"{root}/", protocols.POSIX_IMPL, protocols.POSIX_DOMAINS)
    return StorageElement(name, protocol)


def memory(name: str = "MEM") -> StorageElement:
    url = f"memory://openvre-tests/{uuid.uuid4().hex}/"
    return StorageElement(
        name, protocols.Protocol("memory", "localhost", 0, url, protocols.FSSPEC_IMPL, protocols.POSIX_DOMAINS)
    )


def chunks(data: bytes, size: int = 4096) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def files_under(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_posix_pfn_is_byte_identical_to_the_client() -> None:
    # The official client: scheme + "://" + hostname + prefix (with leading and trailing "/") + hash path.
    storage = local(Path("/srv/rse1"))
    assert storage.path("user.root", "file1.dat") == "user/root/90/11/file1.dat"
    assert storage.pfn("user.root", "file1.dat") == "file://localhost/srv/rse1/user/root/90/11/file1.dat"
    relative_prefix = protocols.Protocol(
        "file", "localhost", 0, "srv/rse1", protocols.POSIX_IMPL, protocols.POSIX_DOMAINS
    )
    assert protocol_pfn(relative_prefix, "a/b") == "file://localhost/srv/rse1/a/b"


def test_other_protocols_put_the_port_in_and_fsspec_keeps_its_url() -> None:
    root = protocols.Protocol("root", "eos.example.org", 1094, "/eos/x", "rucio.rse.protocols.xrootd.Default", {})
    assert protocol_pfn(root, "a/b") == "root://eos.example.org:1094/eos/x/a/b"
    s3 = protocols.Protocol("s3", "bucket", 0, "s3://bucket/prefix/", protocols.FSSPEC_IMPL, {})
    assert protocol_pfn(s3, "a/b") == "s3://bucket/prefix/a/b"


@pytest.mark.parametrize("factory", ["local", "memory"])
def test_write_read_stat_verify_delete(factory: str, tmp_path: Path) -> None:
    storage = local(tmp_path) if factory == "local" else memory()
    path = storage.path("user.jdoe", "data.txt")
    written = storage.write_stream(path, chunks(DATA))
    assert written == DATA_SUMS
    assert storage.exists(path)
    assert b"".join(storage.read_stream(path, chunk_size=100)) == DATA
    assert storage.stat(path).bytes == len(DATA)
    assert storage.stat(path).modified_at is not None
    assert storage.verify(path, written) == written
    assert storage.delete(path) is True
    assert storage.delete(path) is False
    assert not storage.exists(path)


def test_local_files_land_under_the_prefix(tmp_path: Path) -> None:
    storage = local(tmp_path)
    path = storage.path("user.jdoe", "data.txt")
    storage.write_stream(path, [DATA])
    assert storage.local_path(path) == tmp_path / path
    assert (tmp_path / path).read_bytes() == DATA
    assert files_under(tmp_path) == [path], "no temporary file is left next to it"
    assert memory().local_path(path) is None


def test_write_refuses_to_replace_unless_told(tmp_path: Path) -> None:
    storage = local(tmp_path)
    storage.write_stream("a/f", [b"first"])
    with pytest.raises(FileAlreadyExists, match="already holds a file at file://localhost"):
        storage.write_stream("a/f", [b"second"])
    storage.write_stream("a/f", [b"second"], overwrite=True)
    assert (tmp_path / "a/f").read_bytes() == b"second"


def test_declared_checksum_mismatch_leaves_nothing(tmp_path: Path) -> None:
    storage = local(tmp_path)
    wrong = Checksums(bytes=len(DATA), adler32="00000001")
    with pytest.raises(ChecksumMismatch) as caught:
        storage.write_stream("a/f", chunks(DATA), wrong)
    assert (caught.value.checksum, caught.value.expected) == ("adler32", "00000001")
    with pytest.raises(ChecksumMismatch, match="bytes mismatch"):
        storage.write_stream("a/f", chunks(DATA), Checksums(bytes=1))
    assert files_under(tmp_path) == []


def test_interrupted_write_leaves_nothing(tmp_path: Path) -> None:
    def failing() -> Iterator[bytes]:
        yield b"partial"
        raise OSError("connection reset")

    storage = local(tmp_path)
    with pytest.raises(OSError, match="connection reset"):
        storage.write_stream("a/f", failing())
    assert files_under(tmp_path) == []


@pytest.mark.parametrize(
    "path",
    ["../escape", "a/../../escape", "/etc/passwd", "a/./b", "a\\..\\b", "a/\0b", "", "..", "user/../.."],
)
def test_paths_cannot_escape_the_root(path: str, tmp_path: Path) -> None:
    storage = local(tmp_path / "rse")
    operations = [
        lambda: storage.write_stream(path, [b"x"]),
        lambda: list(storage.read_stream(path)),
        lambda: storage.exists(path),
        lambda: storage.stat(path),
        lambda: storage.delete(path),
        lambda: storage.verify(path, Checksums(bytes=1)),
        lambda: storage.local_path(path),
    ]
    for operation in operations:
        with pytest.raises(InvalidObject, match="refusing storage path"):
            operation()
    assert files_under(tmp_path) == []


def test_missing_file_says_the_replica_is_lost(tmp_path: Path) -> None:
    storage = local(tmp_path)
    for operation in (lambda: storage.stat("a/f"), lambda: list(storage.read_stream("a/f"))):
        with pytest.raises(ReplicaNotFound, match=r"RSE SITE_A has no file at file://localhost.*declare it bad"):
            operation()


@pytest.mark.parametrize("destination", ["local", "memory"])
def test_copy_file_between_storage_elements(destination: str, tmp_path: Path) -> None:
    source = local(tmp_path / "a")
    dest = local(tmp_path / "b", "SITE_B") if destination == "local" else memory()
    path = source.path("user.jdoe", "data.txt")
    declared = source.write_stream(path, chunks(DATA))
    assert copy_file(source, dest, path, declared) == declared
    assert b"".join(dest.read_stream(path)) == DATA


def test_copy_of_corrupted_source_fails_and_leaves_nothing(tmp_path: Path) -> None:
    source, dest = local(tmp_path / "a"), local(tmp_path / "b", "SITE_B")
    declared = source.write_stream("x/f", [DATA])
    (tmp_path / "a/x/f").write_bytes(DATA[:-1] + b"?")  # same size, different content
    with pytest.raises(ChecksumMismatch, match="adler32 mismatch"):
        copy_file(source, dest, "x/f", declared)
    assert files_under(tmp_path / "b") == []


def test_copy_from_missing_source_leaves_nothing(tmp_path: Path) -> None:
    source, dest = local(tmp_path / "a"), local(tmp_path / "b", "SITE_B")
    with pytest.raises(ReplicaNotFound):
        copy_file(source, dest, "x/f", Checksums(bytes=1))
    assert files_under(tmp_path / "b") == []


def test_copy_rereads_what_the_destination_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, dest = local(tmp_path / "a"), local(tmp_path / "b", "SITE_B")
    declared = source.write_stream("x/f", [DATA])
    real_open = dest._fs.open

    def corrupting_open(location: str, mode: str = "rb", **kwargs: object) -> object:
        # Storage that silently damages what it is given: the write itself reports no error.
        stream = real_open(location, mode, **kwargs)
        if "w" in mode:
            original_write = stream.write
            stream.write = lambda chunk: original_write(bytes(chunk).replace(b"hello", b"HELLO"))
        return stream

    monkeypatch.setattr(dest._fs, "open", corrupting_open)
    with pytest.raises(ChecksumMismatch):
        copy_file(source, dest, "x/f", declared)
    assert files_under(tmp_path / "b") == []


def test_copy_keeps_a_verified_destination_and_replaces_a_stale_one(tmp_path: Path) -> None:
    source, dest = local(tmp_path / "a"), local(tmp_path / "b", "SITE_B")
    declared = source.write_stream("x/f", [DATA])
    dest.write_stream("x/f", [DATA])
    os.utime(tmp_path / "b/x/f", (1, 1))
    copy_file(source, dest, "x/f", declared)
    assert os.stat(tmp_path / "b/x/f").st_mtime == 1, "an identical file is not copied again"
    (tmp_path / "b/x/f").write_bytes(b"stale")
    copy_file(source, dest, "x/f", declared)
    assert (tmp_path / "b/x/f").read_bytes() == DATA


def test_open_storage_picks_a_reachable_protocol(database: Database, tmp_path: Path) -> None:
    with database.transaction() as session:
        rses.add_local_rse(session, "SITE_A", tmp_path / "a")
        rses.add_rse(session, "REMOTE")
        rses.add_protocol(
            session, "REMOTE", "root", "eos", 1094, "/x/", "rucio.rse.protocols.xrootd.Default", protocols.POSIX_DOMAINS
        )
        storage = open_storage(session, "SITE_A", "write")
        assert storage.root == f"{tmp_path}/a/"
        with pytest.raises(UnsupportedOperation, match="no protocol openvre can read through"):
            open_storage(session, "REMOTE")
