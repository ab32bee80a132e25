"""The repository in the portal: record search, landing pages, exports, verified downloads, DOIs, communities.

Landing pages live where the Zenodo API's ``links.html`` point (``/zenodo/records/<id>``,
``/zenodo/communities/<slug>``, ``/zenodo/deposit/<id>``), so a link a client prints opens a page.
Those paths sit under the Zenodo API's mount; this router is included on the main app *before*
that mount, and Starlette tries routes in order, so these pages answer and everything else under
``/zenodo`` (the API itself) still reaches the mounted app. Keeping the pages on the main app gives
them the portal's login cookie and its HTML error pages instead of Zenodo's JSON errors.

Published records are public pages; their files follow the record's access right. Drafts are the
owner's: anyone else gets the same "not found" as for an id that never existed. The deposit form
(:mod:`openvre.portal.deposit_pages`) is included here too, so ``app.py`` adds one router.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from openvre.db import Database, utcnow
from openvre.errors import NotFound
from openvre.identity import BrowserLogin, may
from openvre.portal import deposit_pages
from openvre.portal.auth import current_login
from openvre.portal.repository_view import (
    COMMUNITIES,
    RECORDS,
    SORTS,
    deposit_path,
    landing_path,
    pages,
    repository_config,
    send_verified,
)
from openvre.portal.routes import render
from openvre.repository import citations, communities, deposits, descriptions, dois, exports, licenses, records
from openvre.repository.errors import (
    DepositFileNotFound,
    DepositionNotFound,
    DOINotFound,
    FileAccessDenied,
    InvalidQuery,
    RecordNotFound,
)
from openvre.repository.files import StoredFile
from openvre.repository.metadata import detect_scheme
from openvre.repository.records import Record, RecordQuery
from openvre.settings import Settings
from openvre.web.deps import DatabaseDep, DbSession, SettingsDep
from openvre.web.health import public_base_url

router = APIRouter(include_in_schema=False)
router.include_router(deposit_pages.router)

PAGE_SIZE = 10
PageNumber = Annotated[int, Query(ge=1, le=10_000)]


@router.get(RECORDS + "/{recid}", response_class=HTMLResponse)
def landing_page(
    request: Request, recid: int, session: DbSession, settings: SettingsDep, style: str = citations.DEFAULT_STYLE
) -> Response:
    """A record's page; a concept id redirects to its newest version, an own draft to its form."""
    login = current_login(request, session)
    record = _record_or_draft(session, settings, recid, login)
    if isinstance(record, Response):
        return record
    if record.recid != recid:
        return RedirectResponse(landing_path(record.recid), status_code=302)
    style = style if style in citations.STYLES else citations.DEFAULT_STYLE
    show_files = _may_read_files(record, login)
    json_ld = exports.to_json_ld(
        record, public_base_url(request, settings) + landing_path(recid), show_files=show_files
    )
    return render(
        request,
        "repository/landing.html",
        login,
        record=record,
        meta=record.metadata,
        kind=exports.kind_of(record.metadata).title,
        description=_safe_description(str(record.metadata.get("description", ""))),
        license=licenses.find_license(str(record.metadata.get("license", ""))),
        related=[_related(item) for item in record.metadata.get("related_identifiers", [])],
        versions=records.list_versions(session, recid),
        communities=[communities.get_community(session, slug) for slug in record.communities],
        show_files=show_files,
        may_edit=login is not None and bool(may(login.account, "update_deposition", record.owner)),
        citation=citations.cite(record, style),
        style=style,
        styles=citations.STYLES,
        bibtex=exports.to_bibtex(record),
        json_ld=json_ld,
        formats=exports.FORMATS.values(),
        doi_url=dois.doi_url,
    )


@router.get(RECORDS + "/{recid}/export/{format_name}")
def export_record(
    request: Request, recid: int, format_name: str, session: DbSession, settings: SettingsDep
) -> Response:
    """The record in one export format, as a download (openscm-zenodo's ``get_bibtex_entry`` reads it)."""
    export = exports.FORMATS.get(format_name)
    if export is None:
        raise NotFound(f"no export format {format_name!r}: use one of {', '.join(exports.FORMATS)}")
    record = _published(session, recid)
    show_files = _may_read_files(record, current_login(request, session))
    landing = public_base_url(request, settings) + landing_path(record.recid)
    return Response(
        export.render(record, landing, show_files),
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="record-{record.recid}.{export.extension}"'},
    )


@router.get(RECORDS + "/{recid}/files/{key:path}")
async def download_file(
    request: Request, recid: int, key: str, database: DatabaseDep, settings: SettingsDep
) -> Response:
    """A record's file, checked against its md5 before the first byte; a damaged file is refused."""
    stored = await run_in_threadpool(_readable_file, request, database, recid, key)
    return await send_verified(request, settings, stored)


@router.get("/doi/{doi:path}")
def resolve_doi(request: Request, doi: str, session: DbSession) -> Response:
    """``/doi/10.5072/openvre.12`` opens the record; a concept DOI opens its newest version."""
    try:
        record = dois.resolve_doi(session, doi)
    except DOINotFound as error:
        login = current_login(request, session)
        return render(request, "repository/missing.html", login, status=404, detail=error.message, query=doi)
    return RedirectResponse(landing_path(record.recid), status_code=302)


@router.get("/records", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: DbSession,
    q: str = "",
    community: str = "",
    resource_type: Annotated[str, Query(alias="type")] = "",
    keyword: str = "",
    sort: str = "",
    page: PageNumber = 1,
) -> Response:
    """Full-text search over published records with filters, sort and pages; a bad query says why."""
    query = RecordQuery(
        q=q,
        communities=(community,) if community else (),
        types=(resource_type,) if resource_type else (),
        keywords=(keyword,) if keyword else (),
        sort=sort or None,
        page=page,
        size=PAGE_SIZE,
    )
    error, result = None, None
    try:
        result = records.search_records(session, query)
    except InvalidQuery as invalid:
        error = invalid.message
    known_communities, _total = communities.search_communities(session, "", 1, 100)
    return render(
        request,
        "repository/search.html",
        current_login(request, session),
        status=400 if error else 200,
        error=error,
        result=result,
        hits=[_hit(record) for record in result.records] if result else [],
        pages=pages(request, page, PAGE_SIZE, result.total if result else 0),
        params={"q": q, "community": community, "type": resource_type, "keyword": keyword, "sort": sort},
        sorts=SORTS,
        types=exports.KINDS,
        communities=known_communities,
        type_counts=result.aggregations.get("type", {}) if result else {},
    )


@router.get("/communities", response_class=HTMLResponse)
def communities_page(request: Request, session: DbSession, q: str = "", page: PageNumber = 1) -> Response:
    found, total = communities.search_communities(session, q, page, PAGE_SIZE)
    return render(
        request,
        "repository/communities.html",
        current_login(request, session),
        found=found,
        total=total,
        q=q,
        pages=pages(request, page, PAGE_SIZE, total),
    )


@router.get(COMMUNITIES + "/{slug}", response_class=HTMLResponse)
def community_page(request: Request, slug: str, session: DbSession, q: str = "", page: PageNumber = 1) -> Response:
    """A community and the records it includes, searchable within it."""
    community = communities.get_community(session, slug)
    error, result = None, None
    try:
        result = records.search_records(
            session, RecordQuery(q=q, communities=(community.slug,), page=page, size=PAGE_SIZE)
        )
    except InvalidQuery as invalid:
        error = invalid.message
    return render(
        request,
        "repository/community.html",
        current_login(request, session),
        status=400 if error else 200,
        community=community,
        description=_safe_description(community.description),
        error=error,
        result=result,
        hits=[_hit(record) for record in result.records] if result else [],
        q=q,
        pages=pages(request, page, PAGE_SIZE, result.total if result else 0),
    )


def _record_or_draft(session: Session, settings: Settings, recid: int, login: BrowserLogin | None) -> Record | Response:
    """The published record, a redirect to the form for the owner's draft, or not found for anyone else."""
    try:
        return records.get_record(session, recid)
    except RecordNotFound:
        pass
    try:
        draft = deposits.get_deposition(session, repository_config(settings), recid)
    except DepositionNotFound:
        draft = None
    if draft is not None and login is not None and may(login.account, "read_deposition", draft.owner):
        return RedirectResponse(deposit_path(recid), status_code=303)
    raise RecordNotFound(_not_found(recid))


def _published(session: Session, recid: int) -> Record:
    try:
        return records.get_record(session, recid)
    except RecordNotFound:
        raise RecordNotFound(_not_found(recid)) from None


def _not_found(recid: int) -> str:
    return (
        f"There is no published record {recid} here. Search the records at /records; "
        "if it is a draft of yours, log in to see it."
    )


def _safe_description(description: str) -> Markup:
    # Trusted as markup only because safe_html rebuilt it from allow-listed tags and escaped text.
    return Markup(descriptions.safe_html(description))  # noqa: S704


def _may_read_files(record: Record, login: BrowserLogin | None) -> bool:
    if record.files_are_public(utcnow().date()):
        return True
    return login is not None and bool(may(login.account, "read_closed_files", record.owner))


def _readable_file(request: Request, database: Database, recid: int, key: str) -> StoredFile:
    with database.transaction() as session:
        record = _published(session, recid)
        if not _may_read_files(record, current_login(request, session)):
            until = f" until {record.metadata.get('embargo_date')}" if record.access_right == "embargoed" else ""
            raise FileAccessDenied(
                f"the files of record {recid} are {record.access_right}{until}; only its owner may download them "
                "(log in as the owner), or ask the owner for access"
            )
        stored = next((stored for stored in record.files if stored.key == key), None)
        if stored is None:
            raise DepositFileNotFound(f"record {recid} has no file {key!r}; its page lists the files it has")
        return stored


def _hit(record: Record) -> dict[str, Any]:
    """What a search result shows of a record."""
    text = descriptions.plain_text(str(record.metadata.get("description", "")))
    return {
        "record": record,
        "url": landing_path(record.recid),
        "kind": exports.kind_of(record.metadata).title,
        "creators": [str(person.get("name", "")) for person in record.metadata.get("creators", [])],
        "snippet": text if len(text) <= 300 else text[:297].rsplit(" ", 1)[0] + " …",
        "keywords": list(record.metadata.get("keywords", [])),
    }


def _related(item: dict[str, Any]) -> dict[str, str | None]:
    """A related identifier with a link when its scheme has one (DOI, URL, arXiv)."""
    identifier = str(item.get("identifier", ""))
    detected = detect_scheme(identifier)  # the link follows what the identifier is, whatever scheme was given
    scheme = str(item.get("scheme") or detected or "")
    href = None
    if detected == "doi":
        href = dois.doi_url(dois.normalise_doi(identifier))
    elif detected == "url":
        href = identifier
    elif scheme == "arxiv":
        href = "https://arxiv.org/abs/" + quote(identifier.lower().removeprefix("arxiv:"))
    relation = str(item.get("relation", ""))
    words = "".join(f" {char.lower()}" if char.isupper() else char for char in relation)
    return {"relation": words.capitalize(), "identifier": identifier, "scheme": scheme, "href": href}
