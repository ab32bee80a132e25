"""Which DID keys exist: Rucio's DID columns, the ones users may set, and the rule for free keys.

Search (:mod:`openvre.datalake.filters`) and metadata (:mod:`openvre.datalake.metadata`) share this
vocabulary, so a key that can be set can be searched and a key the catalog owns can be neither set
nor mistaken for a free one.
"""

from __future__ import annotations

import math
import re

from openvre.datalake.errors import InvalidMetadata

DID_COLUMN_KEYS: tuple[str, ...] = (
    "scope",
    "name",
    "account",
    "did_type",
    "bytes",
    "length",
    "md5",
    "adler32",
    "guid",
    "is_open",
    "monotonic",
    "hidden",
    "obsolete",
    "availability",
    "created_at",
    "updated_at",
    "accessed_at",
    "closed_at",
    "expired_at",
    "eol_at",
    "deleted_at",
    "purge_replicas",
    "suppressed",
    "transient",
    "is_new",
    "is_archive",
    "complete",
    "constituent",
    "access_cnt",
    "events",
    "project",
    "datatype",
    "run_number",
    "stream_name",
    "prod_step",
    "version",
    "campaign",
    "task_id",
    "panda_id",
    "lumiblocknr",
    "provenance",
    "phys_group",
)
"""Every key of ``GET /dids/{s}/{n}/meta`` on a real Rucio server, in its order."""

RUCIO_METADATA_KEYS: tuple[str, ...] = DID_COLUMN_KEYS[DID_COLUMN_KEYS.index("events") :]
"""The Rucio DID columns a user may set (``rucio did metadata set``); openvre stores them as metadata."""

INTEGER_METADATA_KEYS = frozenset({"events", "run_number", "task_id", "panda_id", "lumiblocknr"})
"""Rucio keeps these as integer columns, so ``"12"`` from the CLI is stored as the number 12."""

RESERVED_KEYS = frozenset(DID_COLUMN_KEYS) - frozenset(RUCIO_METADATA_KEYS) | {
    "type",
    "created_after",
    "created_before",
}
"""Keys the catalog owns: set by openvre itself (sizes, checksums, dates) or meaning something else in a search."""

_FREE_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,99}")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def validate_metadata_key(key: str) -> str:
    """Return ``key`` if it can name a metadata value, else raise :class:`InvalidMetadata` saying why.

    A ``.`` is refused because searches read ``key.gt`` as "key greater than".
    """
    if not isinstance(key, str) or not _FREE_KEY.fullmatch(key):
        raise InvalidMetadata(
            f"invalid metadata key {key!r}: use 1 to 100 letters, digits, '_' or '-', starting with a letter "
            "(no '.': searches read 'key.gt' as 'key greater than')",
            field="key",
        )
    return key


def parse_number(text: str) -> int | float | None:
    """The number ``text`` spells (``"12"``, ``"-1.5e3"``), or None; ``inf``, ``nan`` and ``1_000`` are text."""
    if not _NUMBER.fullmatch(text):
        return None
    if text.lstrip("+-").isdigit():
        return int(text)
    number = float(text)
    return number if math.isfinite(number) else None


def canonical_text(value: str | int | float | bool) -> str:
    """The text a metadata value is compared as: ``true``/``false`` for booleans, as given otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)
