import hashlib
import io
import pickle
import random
import zlib
from pathlib import Path

import pytest

from openvre.datalake.checksums import ChecksumAccumulator, Checksums, checksum_file, verify
from openvre.datalake.errors import ChecksumMismatch, InvalidObject

DATA = random.Random(20240611).randbytes(300_001)  # noqa: S311 - reproducible test data, not a secret


def reference(data: bytes) -> Checksums:
    return Checksums(
        bytes=len(data),
        adler32=format(zlib.adler32(data) & 0xFFFFFFFF, "08x"),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
    )


@pytest.mark.parametrize("chunk_size", [1, 7, 4095, 65_537, len(DATA), len(DATA) + 1])
def test_accumulator_fed_in_odd_chunks_matches_one_shot_digests(chunk_size: int) -> None:
    data = DATA if chunk_size > 7 else DATA[:20_000]
    accumulator = ChecksumAccumulator()
    for start in range(0, len(data), chunk_size):
        accumulator.update(data[start : start + chunk_size])
    assert accumulator.result() == reference(data)


@pytest.mark.parametrize(
    ("data", "adler32", "md5"),
    [
        (b"", "00000001", "d41d8cd98f00b204e9800998ecf8427e"),
        (b"a", "00620062", "0cc175b9c0f1b6a831c399e269772661"),
        (b"hello world", "1a0b045d", "5eb63bbbe01eeed093cb22bb8f5acdc3"),
    ],
)
def test_adler32_is_eight_zero_padded_lowercase_hex_digits(data: bytes, adler32: str, md5: str) -> None:
    accumulator = ChecksumAccumulator()
    accumulator.update(data)
    assert accumulator.result() == Checksums(bytes=len(data), adler32=adler32, md5=md5)


def test_accumulator_accepts_bytearray_and_memoryview_and_keeps_going_after_result() -> None:
    accumulator = ChecksumAccumulator()
    accumulator.update(bytearray(DATA[:1000]))
    assert accumulator.result() == reference(DATA[:1000])
    accumulator.update(memoryview(DATA)[1000:5000])
    assert accumulator.result() == reference(DATA[:5000])


@pytest.mark.parametrize("chunk_size", [1, 333, 1 << 20])
def test_checksum_file_by_path(tmp_path: Path, chunk_size: int) -> None:
    data = DATA[:50_000] if chunk_size == 1 else DATA
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert checksum_file(path, chunk_size=chunk_size) == reference(data)
    assert checksum_file(str(path), chunk_size=chunk_size) == reference(data)


def test_checksum_file_reads_an_open_file_from_its_position_and_leaves_it_open() -> None:
    stream = io.BytesIO(DATA)
    stream.seek(123)
    assert checksum_file(stream, chunk_size=1000) == reference(DATA[123:])
    assert not stream.closed


def test_checksum_file_refuses_a_chunk_size_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        checksum_file(io.BytesIO(b"x"), chunk_size=0)


def test_verify_accepts_equal_checksums_and_partial_declarations() -> None:
    actual = reference(DATA)
    verify(actual, actual)
    verify(Checksums(bytes=len(DATA), adler32=actual.adler32), actual)
    verify(Checksums(bytes=len(DATA), md5=actual.md5.upper() if actual.md5 else None), actual)


@pytest.mark.parametrize(
    ("declared", "checksum"),
    [
        ({"bytes": len(DATA) - 1}, "bytes"),
        ({"adler32": "00000000"}, "adler32"),
        ({"md5": "0" * 32}, "md5"),
    ],
)
def test_verify_names_what_differs_with_expected_and_actual(declared: dict[str, object], checksum: str) -> None:
    actual = reference(DATA)
    expected = Checksums(**{"bytes": actual.bytes, **declared})  # type: ignore[arg-type]
    with pytest.raises(ChecksumMismatch) as caught:
        verify(expected, actual)
    error = caught.value
    assert (error.checksum, error.field) == (checksum, checksum)
    assert error.expected == str(getattr(expected, checksum))
    assert error.actual == str(getattr(actual, checksum))
    assert f"expected {error.expected}, got {error.actual}" in str(error)


def test_checksum_mismatch_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(ChecksumMismatch("adler32", "00000001", "0000ffff")))  # noqa: S301
    assert (error.checksum, error.expected, error.actual) == ("adler32", "00000001", "0000ffff")


def test_declared_checksums_are_normalised_to_lowercase() -> None:
    assert Checksums(bytes=1, adler32="00AB00CD", md5="D" * 32) == Checksums(bytes=1, adler32="00ab00cd", md5="d" * 32)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"bytes": -1}, "bytes"),
        ({"bytes": True}, "bytes"),
        ({"bytes": 1, "adler32": "1abcd"}, "adler32"),
        ({"bytes": 1, "adler32": "0001abcg"}, "adler32"),
        ({"bytes": 1, "md5": "d41d8cd98f00b204e9800998ecf8427"}, "md5"),
    ],
)
def test_malformed_checksums_are_refused(fields: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidObject) as caught:
        Checksums(**fields)  # type: ignore[arg-type]
    assert caught.value.field == field
