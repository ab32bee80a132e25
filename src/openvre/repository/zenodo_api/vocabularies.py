"""Licenses, as Zenodo serves them at ``/api/licenses`` (legacy) and ``/api/vocabularies/licenses``.

The list is the built-in SPDX subset of :mod:`openvre.repository.licenses`; eossr reads it (``id`` and
``title.en``) to map a codemeta license, with ``size=1000``, so pages here may be that large.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from openvre.repository import licenses
from openvre.repository.zenodo_api._shapes import hits, license_json, with_query
from openvre.repository.zenodo_api._wire import LinksDep

router = APIRouter()


@router.get("/api/licenses")
@router.get("/api/vocabularies/licenses")
def search_licenses(
    links: LinksDep,
    q: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=1000)] = 10,
) -> Any:
    found = licenses.search_licenses(q)
    items = [license_json(license, links) for license in found[(page - 1) * size : page * size]]
    return hits(items, len(found), with_query(f"{links.api}/vocabularies/licenses", q=q), page, size)


@router.get("/api/licenses/{license_id}")
@router.get("/api/vocabularies/licenses/{license_id}")
def get_license(license_id: str, links: LinksDep) -> Any:
    return license_json(licenses.get_license(license_id), links)
