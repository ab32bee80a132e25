"""The rules for scope, DID and RSE names, and turning a user's ``*`` wildcard into SQL ``LIKE``.

The character sets and lengths are Rucio's generic schema (``lib/rucio/common/schema/generic.py``),
so every name openvre accepts is one a real Rucio server accepts too, and a catalog can move there.
Two deliberate differences, both refusals of names Rucio would take:

* A trailing newline is refused. Rucio checks its ``^...$`` patterns with ``re.search``, where ``$``
  also matches before a final ``\\n``.
* A scope may not be ``.`` or ``..``, and a DID name may not have ``.`` or ``..`` as a ``/``-separated
  segment. Names become storage paths (see :mod:`openvre.datalake.lfn2pfn`); such segments would point
  outside the place the name stands for.

Each error says what is allowed, so the user can fix the name without reading this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openvre.datalake.errors import InvalidObject

SCOPE_LENGTH = 25
NAME_LENGTH = 250


@dataclass(frozen=True)
class _Kind:
    """What a kind of name may contain, and how to say it to the user."""

    what: str
    field: str
    max_length: int
    allowed: re.Pattern[str]
    rule: str


_SCOPE = _Kind(
    what="scope",
    field="scope",
    max_length=SCOPE_LENGTH,
    allowed=re.compile(r"[A-Za-z0-9_.\-]"),
    rule=f"a scope is 1 to {SCOPE_LENGTH} letters, digits, '.', '_' or '-'",
)
_NAME = _Kind(
    what="DID name",
    field="name",
    max_length=NAME_LENGTH,
    allowed=re.compile(r"[A-Za-z0-9/._\-]"),
    rule=f"a DID name is 1 to {NAME_LENGTH} letters, digits, '/', '.', '_' or '-', "
    "starting with a letter, digit or '/'",
)
_NAME_FIRST_CHARACTER = re.compile(r"[A-Za-z0-9/]")
_RSE_NAME = re.compile(r"[A-Z0-9]+(?:[_-][A-Z0-9]+)*")
_RSE_RULE = "an RSE name is uppercase letters and digits, with single '_' or '-' between them (e.g. CERN-PROD_DISK)"

LIKE_ESCAPE = "\\"
"""The escape character of patterns from :func:`wildcard_to_like`; pass it as ``like(..., escape=...)``."""


def validate_scope(scope: str) -> str:
    """Return ``scope`` if Rucio would accept it, else raise :class:`InvalidObject` saying why."""
    _check(_SCOPE, scope)
    if scope in {".", ".."}:
        raise InvalidObject(f"invalid scope {scope!r}: a scope cannot be '.' or '..'", field="scope")
    return scope


def validate_name(name: str) -> str:
    """Return the DID ``name`` if Rucio would accept it, else raise :class:`InvalidObject` saying why."""
    _check(_NAME, name)
    if not _NAME_FIRST_CHARACTER.fullmatch(name[0]):
        raise InvalidObject(f"invalid DID name {name!r}: it starts with {name[0]!r}; {_NAME.rule}", field="name")
    if {".", ".."} & set(name.split("/")):
        raise InvalidObject(
            f"invalid DID name {name!r}: '.' and '..' cannot stand alone between '/' (or at either end)",
            field="name",
        )
    return name


def validate_rse_name(rse: str) -> str:
    """Return ``rse`` if it is a valid RSE name, else raise :class:`InvalidObject` saying why."""
    if not _RSE_NAME.fullmatch(rse):
        raise InvalidObject(f"invalid RSE name {rse!r}: {_RSE_RULE}", field="rse")
    return rse


def wildcard_to_like(pattern: str) -> str:
    """Turn a user's pattern, where ``*`` matches any run of characters, into a SQL ``LIKE`` pattern.

    ``%`` and ``_`` (and the escape character itself) are escaped with :data:`LIKE_ESCAPE`, so they
    match only themselves: ``user.*_v1`` finds ``user.x_v1`` but not ``user.xAv1``.
    """
    escaped = pattern.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
    for special in ("%", "_"):
        escaped = escaped.replace(special, LIKE_ESCAPE + special)
    return escaped.replace("*", "%")


def _check(kind: _Kind, value: str) -> None:
    if not value:
        raise InvalidObject(f"the {kind.what} is empty; {kind.rule}", field=kind.field)
    if len(value) > kind.max_length:
        raise InvalidObject(
            f"invalid {kind.what} {value[:40]!r}...: it has {len(value)} characters, "
            f"at most {kind.max_length} are allowed",
            field=kind.field,
        )
    for position, character in enumerate(value, start=1):
        if not kind.allowed.fullmatch(character):
            raise InvalidObject(
                f"invalid {kind.what} {value!r}: character {position} ({character!r}) is not allowed; {kind.rule}",
                field=kind.field,
            )
