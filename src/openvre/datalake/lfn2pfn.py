"""Where a file lives inside a storage element: Rucio's ``hash`` convention, and a join that stays inside.

A deterministic RSE computes a replica's path from its DID alone, so the catalog never stores paths and
a real Rucio server would find our files where it expects them. Rucio's default algorithm
(``RSEDeterministicTranslation.__hash`` in ``lib/rucio/rse/translation.py``) is::

    md5("<scope>:<name>") = "5e1a..."   ->   <scope>/5e/1a/<name>

and in scopes starting with ``user`` or ``group`` every ``.`` becomes ``/`` (``user.jdoe`` ->
``user/jdoe``), so personal scopes nest under one directory. Rucio tests the bare prefix, not
``user.``: the scope ``users`` counts too. The md5 is always of the original scope.

Scopes and names come from users, so :func:`safe_join` is the one way a relative path meets a storage
root: it refuses anything that could leave the root rather than trying to clean it up.
"""

from __future__ import annotations

import hashlib
from os import PathLike, fspath

from openvre.datalake.errors import InvalidObject

_NESTED_SCOPE_PREFIXES = ("user", "group")


def hash_path(scope: str, name: str) -> str:
    """The path, relative to the RSE's root, where Rucio's ``hash`` algorithm puts ``scope:name``.

    >>> hash_path("user.jdoe", "file.root")
    'user/jdoe/59/52/file.root'
    """
    digest = hashlib.md5(f"{scope}:{name}".encode(), usedforsecurity=False).hexdigest()
    directory = scope.replace(".", "/") if scope.startswith(_NESTED_SCOPE_PREFIXES) else scope
    return f"{directory}/{digest[0:2]}/{digest[2:4]}/{name}"


def safe_join(root: str | PathLike[str], relative: str) -> str:
    """Join ``relative`` under ``root`` with ``/``, refusing any path that could point outside it.

    ``root`` may be a local directory or an fsspec URL (``s3://bucket/prefix``); it is trusted and kept
    as given. ``relative`` is refused with :class:`InvalidObject` if it is empty, absolute, contains a
    NUL or a backslash (a separator on Windows), or has a ``.`` or ``..`` segment. Empty segments (from
    names such as ``/store/f``) are kept: they cannot climb out, and object stores treat them as
    distinct keys.
    """
    base = fspath(root)
    if not base:
        raise InvalidObject("the storage root is empty; configure the RSE with a directory or URL", field="root")
    problem = _escape_problem(relative)
    if problem:
        raise InvalidObject(f"refusing storage path {relative!r}: {problem}", field="path")
    return f"{base}{relative}" if base.endswith("/") else f"{base}/{relative}"


def _escape_problem(relative: str) -> str | None:
    if not relative:
        return "it is empty"
    if "\0" in relative:
        return "it contains a NUL character"
    if "\\" in relative:
        return "it contains a backslash"
    if relative.startswith("/"):
        return "it is absolute; give a path relative to the storage root"
    if {".", ".."} & set(relative.split("/")):
        return "'.' and '..' segments are not allowed"
    return None
