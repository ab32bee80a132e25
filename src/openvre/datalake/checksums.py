"""Size, adler32 and md5 of file content, computed in one pass, in the form Rucio stores them.

Rucio identifies file content by size plus adler32 (its default) and md5, both as lowercase hex;
adler32 is zero-padded to 8 digits, so ``0x0001abcd`` is ``"0001abcd"``, never ``"1abcd"``.
Uploads and transfers stream through a :class:`ChecksumAccumulator` as they write, so a file is read
once, and :func:`verify` compares the result with what the client declared.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass
from os import PathLike
from typing import BinaryIO

from openvre.datalake.errors import ChecksumMismatch, InvalidObject

DEFAULT_CHUNK_SIZE = 1024 * 1024

_HEX_DIGITS = {"adler32": 8, "md5": 32}


@dataclass(frozen=True)
class Checksums:
    """What is known about a file's content.

    Computed values have every field. Declared values may lack a checksum (``None``), as in Rucio,
    where a replica can be registered with only its adler32. Hex digits are stored lowercase;
    uppercase input is accepted, anything else raises :class:`InvalidObject`.
    """

    bytes: int
    adler32: str | None = None
    md5: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.bytes, bool) or not isinstance(self.bytes, int) or self.bytes < 0:
            raise InvalidObject(f"invalid size {self.bytes!r}: give the number of bytes, 0 or more", field="bytes")
        for algorithm, digits in _HEX_DIGITS.items():
            value = getattr(self, algorithm)
            if value is None:
                continue
            if not re.fullmatch(rf"[0-9a-fA-F]{{{digits}}}", value):
                raise InvalidObject(
                    f"invalid {algorithm} {value!r}: give exactly {digits} hex digits, zero-padded",
                    field=algorithm,
                )
            object.__setattr__(self, algorithm, value.lower())


class ChecksumAccumulator:
    """Size, adler32 and md5 of the chunks fed to :meth:`update`, in order.

    >>> accumulator = ChecksumAccumulator()
    >>> accumulator.update(b"hello ")
    >>> accumulator.update(b"world")
    >>> accumulator.result()
    Checksums(bytes=11, adler32='1a0b045d', md5='5eb63bbbe01eeed093cb22bb8f5acdc3')
    """

    def __init__(self) -> None:
        self._bytes = 0
        # adler32 starts at 1, not 0: zlib's default seed, which chained calls must carry on from.
        self._adler32 = zlib.adler32(b"")
        self._md5 = hashlib.md5(usedforsecurity=False)

    def update(self, chunk: bytes | bytearray | memoryview) -> None:
        self._bytes += memoryview(chunk).nbytes
        self._adler32 = zlib.adler32(chunk, self._adler32)
        self._md5.update(chunk)

    def result(self) -> Checksums:
        """The checksums of everything fed so far; feeding may continue afterwards."""
        return Checksums(bytes=self._bytes, adler32=f"{self._adler32:08x}", md5=self._md5.hexdigest())


def checksum_file(source: str | PathLike[str] | BinaryIO, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Checksums:
    """Checksums of a file given by path, or of an open binary file from its current position to its end.

    An open file is read but not closed or rewound.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    if isinstance(source, (str, PathLike)):
        with open(source, "rb") as stream:
            return _checksum_stream(stream, chunk_size)
    return _checksum_stream(source, chunk_size)


def verify(expected: Checksums, actual: Checksums) -> None:
    """Raise :class:`ChecksumMismatch` for the first of size, adler32, md5 that differs.

    A checksum ``expected`` lacks is not compared: the client did not declare it.
    """
    if expected.bytes != actual.bytes:
        raise ChecksumMismatch("bytes", str(expected.bytes), str(actual.bytes))
    for algorithm in _HEX_DIGITS:
        wanted, found = getattr(expected, algorithm), getattr(actual, algorithm)
        if wanted is not None and wanted != found:
            raise ChecksumMismatch(algorithm, wanted, str(found))


def _checksum_stream(stream: BinaryIO, chunk_size: int) -> Checksums:
    accumulator = ChecksumAccumulator()
    while chunk := stream.read(chunk_size):
        accumulator.update(chunk)
    return accumulator.result()
