"""What the repository's portal pages share: their paths, sizes for people, page links, verified downloads.

Kept apart from the routes so the public pages (:mod:`openvre.portal.repository_pages`) and the
deposit form (:mod:`openvre.portal.deposit_pages`) use one definition of each, without importing
each other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request, Response

from openvre.portal.routes import render_error, templates
from openvre.repository.config import RepositoryConfig
from openvre.repository.errors import CorruptedFile
from openvre.repository.files import StoredFile
from openvre.repository.zenodo_api.files import file_response
from openvre.services import service_mount
from openvre.settings import Settings

log = logging.getLogger(__name__)

ZENODO = service_mount("repository")
# Where the Zenodo API's links.html point: the pages must live at these paths.
RECORDS, DEPOSITS, COMMUNITIES = f"{ZENODO}/records", f"{ZENODO}/deposit", f"{ZENODO}/communities"
# The sorts the search page offers, by RecordQuery's names; the API accepts more.
SORTS = {
    "bestmatch": "Best match",
    "mostrecent": "Most recent",
    "oldest": "Oldest",
    "publication-desc": "Publication date",
    "title": "Title",
}


def repository_config(settings: Settings) -> RepositoryConfig:
    """The repository's files and DOI prefix, as the mounted Zenodo API reads them from the same settings."""
    return RepositoryConfig.from_settings(settings)


def landing_path(recid: int) -> str:
    return f"{RECORDS}/{recid}"


def deposit_path(recid: int) -> str:
    return f"{DEPOSITS}/{recid}"


def human_size(size: int) -> str:
    """``1.5 MB``: decimal units, as file managers and Zenodo show sizes."""
    amount, unit = float(size), "bytes"
    for larger in ("kB", "MB", "GB", "TB"):
        if amount < 1000:
            break
        amount, unit = amount / 1000, larger
    return f"{size} bytes" if unit == "bytes" else f"{amount:.1f} {unit}"


@dataclass(frozen=True)
class Pages:
    """Links to the pages of a result list, keeping the request's other query parameters."""

    current: int
    last: int
    previous_url: str | None
    next_url: str | None


def page_url(request: Request, number: int) -> str:
    """This page's URL with another page number, keeping the other query parameters."""
    kept = [(name, value) for name, value in request.query_params.multi_items() if name != "page" and value]
    return f"{request.url.path}?{urlencode([*kept, ('page', str(number))])}"


def pages(request: Request, current: int, size: int, total: int) -> Pages:
    last = max((total + size - 1) // size, 1)
    return Pages(
        current=current,
        last=last,
        previous_url=page_url(request, min(current - 1, last)) if current > 1 else None,
        next_url=page_url(request, current + 1) if current < last else None,
    )


async def send_verified(request: Request, settings: Settings, stored: StoredFile) -> Response:
    """The file's bytes, checked against their md5 first; damaged, an error page and none of them."""
    try:
        return await file_response(repository_config(settings), stored)
    except CorruptedFile as error:
        log.error("refused to serve a damaged file: %s", error.message)
        return render_error(request, 500, "File damaged on the server", error.message)


templates.env.filters["filesize"] = human_size
