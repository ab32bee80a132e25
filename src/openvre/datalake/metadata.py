"""DID metadata: the DID's own columns, Rucio's well-known keys (``project``, ``run_number``, ...) and free keys.

Reading returns what ``GET /dids/{s}/{n}/meta`` shows on a real Rucio server, every column with its
value, plus every key a user set. Writing accepts Rucio's well-known keys and any free key, but
never a key the catalog computes or owns (``bytes``, ``adler32``, ``created_at``, ...): those would
then disagree with the data.

Values are JSON scalars. Text that spells a number is also kept as a number, so a value set from
the command line as ``"12"`` is found by ``run>10``; Rucio's integer keys are stored as integers.
``lifetime`` is special, as in Rucio: it sets when the DID expires, in seconds from now.

>>> set_metadata(session, "user.alice", "run1", "project", "demo")  # doctest: +SKIP
>>> get_metadata(session, "user.alice", "run1")["project"]  # doctest: +SKIP
'demo'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from openvre.datalake._keys import (
    DID_COLUMN_KEYS,
    INTEGER_METADATA_KEYS,
    RESERVED_KEYS,
    canonical_text,
    parse_number,
    validate_metadata_key,
)
from openvre.datalake._tables import AttachmentRow, DidMetaRow, DidRow
from openvre.datalake.dids import Did, get_did, get_did_row
from openvre.datalake.errors import InvalidMetadata, KeyNotFound, UnsupportedOperation
from openvre.db import utcnow

MAX_TEXT_LENGTH = 4096
LIFETIME = "lifetime"

MetadataValue = str | int | float | bool


def set_metadata_bulk(
    session: Session, scope: str, name: str, meta: Mapping[str, Any], *, recursive: bool = False
) -> None:
    """Set several keys of ``scope:name`` at once; a value of None removes the key.

    ``recursive`` also sets them on the DIDs attached directly to it, as Rucio does.
    All keys are checked before any is stored, so a refused key changes nothing.
    """
    row = get_did_row(session, scope, name)
    values = {key: _checked(key, value) for key, value in meta.items()}
    if LIFETIME in values:
        lifetime = values.pop(LIFETIME)
        row.expired_at = None if lifetime is None else utcnow() + timedelta(seconds=float(lifetime))
    targets = [row]
    if recursive:
        children = select(AttachmentRow.child_id).where(AttachmentRow.parent_id == row.id)
        targets += session.scalars(select(DidRow).where(DidRow.id.in_(children))).all()
    _store(session, targets, values)
    for target in targets:
        target.updated_at = utcnow()
    try:
        session.flush()
    except IntegrityError:  # another request added one of these keys first
        raise UnsupportedOperation(
            f"metadata of '{scope}:{name}' was changed by another request at the same time; set it again"
        ) from None


def set_metadata(session: Session, scope: str, name: str, key: str, value: Any, *, recursive: bool = False) -> None:
    set_metadata_bulk(session, scope, name, {key: value}, recursive=recursive)


def get_metadata(session: Session, scope: str, name: str) -> dict[str, Any]:
    """Every DID column (Rucio's ``DID_COLUMN`` plugin) with the keys users set merged in."""
    row = get_did_row(session, scope, name)
    return {**_columns(get_did(session, scope, name)), **{item.key: item.value for item in row.meta}}


def delete_metadata(session: Session, scope: str, name: str, key: str) -> None:
    """Remove ``key`` from ``scope:name``; the catalog's own keys cannot be removed."""
    row = get_did_row(session, scope, name)
    if key in RESERVED_KEYS or key == LIFETIME:
        raise InvalidMetadata(f"'{key}' belongs to the catalog and cannot be deleted", field="key")
    item = next((item for item in row.meta if item.key == key), None)
    if item is None:
        raise KeyNotFound(f"'{scope}:{name}' has no metadata key '{key}'; list its keys with `rucio did metadata list`")
    row.meta.remove(item)
    row.updated_at = utcnow()
    session.flush()


def _checked(key: str, value: Any) -> MetadataValue | None:
    if key in RESERVED_KEYS:
        raise InvalidMetadata(
            f"'{key}' is kept by the catalog itself and cannot be set; choose another key name",
            field="key",
        )
    validate_metadata_key(key)
    if value is None:
        return None
    if key == LIFETIME or key in INTEGER_METADATA_KEYS:
        return _number(key, value, whole=key != LIFETIME)
    if isinstance(value, str):
        if len(value) > MAX_TEXT_LENGTH:
            raise InvalidMetadata(f"the value of '{key}' has {len(value)} characters; at most {MAX_TEXT_LENGTH}")
        return value
    if isinstance(value, (bool, int)) or (isinstance(value, float) and math.isfinite(value)):
        return value
    raise InvalidMetadata(
        f"the value of '{key}' is {type(value).__name__}; metadata values are text, numbers or true/false",
        field=key,
    )


def _number(key: str, value: Any, *, whole: bool) -> int | float:
    number = parse_number(value) if isinstance(value, str) else value
    if isinstance(number, bool) or not isinstance(number, (int, float)) or (whole and not isinstance(number, int)):
        kind = "a whole number" if whole else "a number of seconds"
        raise InvalidMetadata(f"'{key}' must be {kind}, not {value!r}", field=key)
    if number < 0 or not math.isfinite(number):
        raise InvalidMetadata(f"'{key}' must be 0 or more, not {value!r}", field=key)
    return number


def _store(session: Session, targets: list[DidRow], values: dict[str, MetadataValue | None]) -> None:
    if not values:
        return
    ids = [target.id for target in targets]
    query = select(DidMetaRow).where(DidMetaRow.did_id.in_(ids), DidMetaRow.key.in_(values))
    existing = {(item.did_id, item.key): item for item in session.scalars(query)}
    for target in targets:
        for key, value in values.items():
            item = existing.get((target.id, key))
            if value is None:
                if item is not None:
                    session.delete(item)
                continue
            if item is None:
                item = DidMetaRow(did_id=target.id, key=key)
                session.add(item)
            item.value = value
            item.text_value = canonical_text(value)
            item.number_value = _as_number(value)


def _as_number(value: MetadataValue) -> float | None:
    if isinstance(value, bool):
        return None
    number = parse_number(value) if isinstance(value, str) else value
    return None if number is None else float(number)


def _columns(did: Did) -> dict[str, Any]:
    """The DID's columns as Rucio names them; keys Rucio has but openvre does not track read as Rucio's defaults."""
    known = {
        "scope": did.scope,
        "name": did.name,
        "account": did.account,
        "did_type": did.did_type.value,
        "bytes": did.bytes,
        "length": did.length,
        "md5": did.md5,
        "adler32": did.adler32,
        "guid": did.guid,
        "is_open": did.is_open,
        "monotonic": did.monotonic,
        "availability": did.availability,
        "created_at": did.created_at,
        "updated_at": did.updated_at,
        "closed_at": did.closed_at,
        "expired_at": did.expired_at,
        "hidden": False,
        "obsolete": False,
        "purge_replicas": True,
        "suppressed": False,
        "transient": False,
        "is_new": True,
    }
    return {key: known.get(key) for key in DID_COLUMN_KEYS}
