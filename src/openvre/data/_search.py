"""Finding DIDs the way people type them: ``scope:name*``, or just ``name*`` to look in every scope."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from openvre.data._connection import DataLake
from openvre.datalake.filters import parse_filter_string


def search(
    lake: DataLake, pattern: str, did_type: str = "all", filters: str = "", limit: int | None = None
) -> Iterator[dict[str, Any]]:
    """DIDs as Rucio lists them (scope, name, did_type, bytes, length), scope by scope, at most ``limit``.

    Rucio's own ``list_dids`` needs a scope; a name without one is searched in every scope the user can
    list, because people remember a dataset's name more often than the scope it was put in. ``filters`` is
    Rucio's filter string (``type=dataset,length>0;project=demo``), checked before anything is asked.
    """
    scope, colon, name = pattern.strip().partition(":")
    if not colon:
        scope, name = "", scope
    groups = parse_filter_string(filters) if filters.strip() else None
    scopes = [scope] if scope else sorted(lake.client.list_scopes())
    every = (lake.client.list_dids(each, name or "*", did_type=did_type, filters=groups) for each in scopes)
    yield from islice((did for found in every for did in found), limit)
