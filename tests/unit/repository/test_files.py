"""Buckets and files: streamed, checksummed uploads that leave nothing when they fail, and verified reads."""

import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest

from openvre.db import Database
from openvre.identity import Account
from openvre.repository import deposits, files
from openvre.repository._store import FileStore
from openvre.repository.config import RepositoryConfig
from openvre.repository.errors import (
    CorruptedFile,
    DepositFileNotFound,
    DepositionLocked,
    FileExists,
    FileTooLarge,
    InvalidFileName,
)
from tests.unit.repository.conftest import METADATA, blobs, published

DATA = b"0123456789" * 1000


def new_bucket(database: Database, config: RepositoryConfig) -> str:
    with database.transaction() as session:
        return deposits.create_deposition(session, config, "alice").bucket_id


def chunks(data: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_upload_streams_md5_and_stores_under_the_bucket(database: Database, config: RepositoryConfig) -> None:
    bucket = new_bucket(database, config)
    stored = files.upload_file(database, config, bucket, "data.csv", chunks(DATA))
    assert (stored.size, stored.md5) == (len(DATA), hashlib.md5(DATA, usedforsecurity=False).hexdigest())
    assert stored.checksum == f"md5:{stored.md5}"
    assert stored.mimetype == "text/csv"
    assert blobs(config) == [stored.storage_path]
    assert stored.storage_path.startswith(f"{bucket}/")
    assert b"".join(files.read_file(config, stored)) == DATA
    with database.transaction() as session:
        assert [f.key for f in files.list_files(session, bucket)] == ["data.csv"]
        assert files.get_bucket(session, bucket).size == len(DATA)


def test_an_interrupted_upload_leaves_nothing(database: Database, config: RepositoryConfig) -> None:
    bucket = new_bucket(database, config)

    def client_goes_away() -> Iterator[bytes]:
        yield DATA
        raise ConnectionResetError("client disconnected")

    with pytest.raises(ConnectionResetError):
        files.upload_file(database, config, bucket, "data.csv", client_goes_away())
    assert blobs(config) == []
    with database.transaction() as session:
        assert files.list_files(session, bucket) == []


def test_a_file_over_the_limit_is_stopped_while_streaming(database: Database, tmp_path) -> None:
    config = RepositoryConfig(files_root=tmp_path / "repository", max_file_size=5000)
    bucket = new_bucket(database, config)
    with pytest.raises(FileTooLarge, match=r"at most 4\.88 kB"):
        files.upload_file(database, config, bucket, "big.bin", chunks(DATA))
    with pytest.raises(FileTooLarge, match=r"'big\.bin' is larger"):
        files.upload_file(database, config, bucket, "big.bin", iter([]), declared_size=len(DATA))
    assert blobs(config) == []


def test_the_bucket_quota_and_file_count_are_limits_too(database: Database, tmp_path) -> None:
    config = RepositoryConfig(files_root=tmp_path / "repository", max_bucket_size=15000, max_files=2)
    bucket = new_bucket(database, config)
    files.upload_file(database, config, bucket, "a", chunks(DATA))
    with pytest.raises(FileTooLarge, match="total at most"):
        files.upload_file(database, config, bucket, "b", chunks(DATA))
    files.upload_file(database, config, bucket, "b", chunks(DATA[:10]))
    with pytest.raises(FileTooLarge, match="at most 2 files; put the files in a zip"):
        files.upload_file(database, config, bucket, "c", chunks(b"x"))
    files.upload_file(database, config, bucket, "a", chunks(DATA[:20]))  # replacing frees its room
    assert len(blobs(config)) == 2


def test_replacing_a_key_deletes_the_old_bytes_after_commit(database: Database, config: RepositoryConfig) -> None:
    bucket = new_bucket(database, config)
    first = files.upload_file(database, config, bucket, "data.csv", [b"one"])
    second = files.upload_file(database, config, bucket, "data.csv", [b"two"])
    assert first.id != second.id
    assert blobs(config) == [second.storage_path]
    with pytest.raises(FileExists, match="delete it first"):
        files.upload_file(database, config, bucket, "data.csv", [b"three"], replace=False)
    assert blobs(config) == [second.storage_path]


def test_a_rolled_back_delete_keeps_the_bytes(database: Database, config: RepositoryConfig) -> None:
    bucket = new_bucket(database, config)
    stored = files.upload_file(database, config, bucket, "data.csv", [b"bytes"])
    with pytest.raises(RuntimeError), database.transaction() as session:
        files.delete_file(session, config, bucket, key="data.csv")
        raise RuntimeError("the request failed after the delete")
    assert blobs(config) == [stored.storage_path]
    with database.transaction() as session:
        files.delete_file(session, config, bucket, file_id=stored.id)
    assert blobs(config) == []


def test_rename_and_missing_files(database: Database, config: RepositoryConfig) -> None:
    bucket = new_bucket(database, config)
    one = files.upload_file(database, config, bucket, "one.txt", [b"1"])
    files.upload_file(database, config, bucket, "two.txt", [b"2"])
    with database.transaction() as session:
        renamed = files.rename_file(session, bucket, one.id, "first.json")
        assert (renamed.key, renamed.mimetype, renamed.storage_path) == (
            "first.json",
            "application/json",
            one.storage_path,
        )
        with pytest.raises(FileExists):
            files.rename_file(session, bucket, one.id, "two.txt")
        with pytest.raises(DepositFileNotFound, match="list its files"):
            files.get_file(session, bucket, "one.txt")


@pytest.mark.parametrize("key", ["", "a/b", "..", "tab\there", "x" * 256])
def test_file_names_that_cannot_be_keys(database: Database, config: RepositoryConfig, key: str) -> None:
    with pytest.raises(InvalidFileName, match="choose another name"):
        files.upload_file(database, config, new_bucket(database, config), key, [b"x"])


def test_a_corrupted_file_is_refused_never_served(database: Database, config: RepositoryConfig) -> None:
    bucket = new_bucket(database, config)
    stored = files.upload_file(database, config, bucket, "data.csv", [DATA])
    path = config.files_root / stored.storage_path
    path.write_bytes(DATA[:-1] + b"X")  # same size, one byte flipped
    with pytest.raises(CorruptedFile, match=r"md5 .* instead of .*restore it from a backup"):
        files.read_file(config, stored)
    path.write_bytes(DATA[:10])
    with pytest.raises(CorruptedFile, match="10 bytes instead of 10000"):
        files.read_file(config, stored)
    path.unlink()
    with pytest.raises(CorruptedFile, match="stored copy is missing"):
        files.read_file(config, stored)


def test_a_file_changed_while_streaming_aborts_the_stream(database: Database, config: RepositoryConfig) -> None:
    stored = files.upload_file(database, config, new_bucket(database, config), "d", [b"a" * 3_000_000])
    stream = files.read_file(config, stored)
    first = next(stream)
    (config.files_root / stored.storage_path).write_bytes(b"b" * 3_000_000)
    with pytest.raises(CorruptedFile, match="changed while it was being sent"):
        list(stream)
    assert len(first) > 0


def test_published_files_are_locked(database: Database, config: RepositoryConfig, alice: Account) -> None:
    record = published(database, config, alice, METADATA)
    with pytest.raises(DepositionLocked, match="create a new version"):
        files.upload_file(database, config, record.bucket_id, "more.csv", [b"x"])
    with pytest.raises(DepositionLocked), database.transaction() as session:
        files.delete_file(session, config, record.bucket_id, key="spectra.csv")


def test_stale_partial_uploads_are_swept(config: RepositoryConfig) -> None:
    part = config.files_root / "bucket" / ".upload-0.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"half")
    store = FileStore(config.files_root)
    assert store.remove_stale_uploads() == 0  # young: its upload may still be running
    assert store.remove_stale_uploads(older_than=timedelta(0)) == 1
    assert not part.exists()
