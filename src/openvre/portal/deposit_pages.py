"""Depositing in the portal: my uploads, a new draft, the metadata form, file uploads with progress, publish.

Everything here is the logged-in owner's (or an administrator's): another person's draft answers
"not found", exactly like an id that does not exist. Forms carry the session's CSRF token; file
uploads come from ``static/deposit.js`` as ``PUT /zenodo/deposit/<id>/files/<name>`` with the token in
the ``X-CSRF-Token`` header and the session cookie as the only credential, so no API token ever
reaches the browser. Uploads stream to storage through the same core call as the Zenodo bucket API
(:func:`openvre.repository.files.upload_file`), with no transaction held while the bytes arrive.

The metadata form is validated by the core; every problem is listed above the form and shown again
next to its input (:mod:`openvre.portal.deposit_form`). Publishing saves the form first, so what the
person sees is what gets published.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, get_args
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.requests import ClientDisconnect

from openvre.db import Database
from openvre.errors import AuthenticationFailed, PermissionDenied
from openvre.identity import BrowserLogin, may
from openvre.portal.auth import check_csrf, current_login
from openvre.portal.deposit_form import DepositForm, FieldError, errors_by_input, field_errors
from openvre.portal.repository_view import (
    DEPOSITS,
    deposit_path,
    human_size,
    landing_path,
    page_url,
    repository_config,
    send_verified,
)
from openvre.portal.routes import render
from openvre.repository import deposits, dois, files, licenses
from openvre.repository.deposits import Deposition
from openvre.repository.errors import DepositionNotFound, InvalidMetadata
from openvre.repository.exports import KINDS
from openvre.repository.files import StoredFile
from openvre.repository.metadata import AccessRight, ImageType, PublicationType, UploadType
from openvre.repository.zenodo_api.files import request_chunks
from openvre.settings import Settings
from openvre.web.deps import DatabaseDep, DbSession, SettingsDep

router = APIRouter(include_in_schema=False)

CSRF_HEADER = "X-CSRF-Token"
PAGE_SIZE = 20
CHOICES = {
    "upload_types": {name: KINDS[name].title for name in get_args(UploadType)},
    # A subtype "other" is titled after its type elsewhere ("Publication"); in its own list it is "Other".
    "publication_types": {
        n: "Other" if n == "other" else KINDS[f"publication-{n}"].title for n in get_args(PublicationType)
    },
    "image_types": {n: "Other" if n == "other" else KINDS[f"image-{n}"].title for n in get_args(ImageType)},
    "access_rights": {name: name.capitalize() for name in get_args(AccessRight)},
    "licenses": {license.id: license.title for license in licenses.LICENSES.values()},
}


async def submitted_form(request: Request) -> dict[str, str]:
    """The posted form's text fields, read here so the routes can run in a worker thread."""
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


SubmittedForm = Annotated[dict[str, str], Depends(submitted_form)]


@router.get("/deposit", response_class=HTMLResponse)
def my_uploads(
    request: Request, session: DbSession, settings: SettingsDep, page: Annotated[int, Query(ge=1)] = 1
) -> Response:
    """The logged-in person's drafts and published records, most recently changed first."""
    login = current_login(request, session)
    if login is None:
        return _to_login(request)
    found = deposits.list_depositions(
        session, repository_config(settings), login.account.username, page=page, size=PAGE_SIZE
    )
    return render(
        request,
        "repository/deposits.html",
        login,
        depositions=found,
        previous_url=page_url(request, page - 1) if page > 1 else None,
        next_url=page_url(request, page + 1) if len(found) == PAGE_SIZE else None,
    )


@router.get("/deposit/new", response_class=HTMLResponse)
def new_upload_page(request: Request, session: DbSession) -> Response:
    login = current_login(request, session)
    if login is None:
        return _to_login(request)
    return render(request, "repository/new_deposit.html", login)


@router.post("/deposit/new")
def create_upload(request: Request, session: DbSession, settings: SettingsDep, submitted: SubmittedForm) -> Response:
    """A new empty draft (its bucket comes with it, so files can be uploaded before the metadata is complete)."""
    login = _logged_in(request, session, submitted)
    if not may(login.account, "create_deposition", login.account.username):
        raise PermissionDenied(f"{login.account.username} may not create uploads; ask an administrator")
    draft = deposits.create_deposition(session, repository_config(settings), login.account.username)
    return RedirectResponse(deposit_path(draft.recid), status_code=303)


@router.get(DEPOSITS + "/{recid}", response_class=HTMLResponse)
def deposit_page(
    request: Request, recid: int, session: DbSession, settings: SettingsDep, saved: bool = False
) -> Response:
    login = current_login(request, session)
    if login is None:
        return _to_login(request)
    deposition = _own(session, settings, recid, login, "read_deposition")
    notice = "Saved." if saved else None
    return _form_page(request, login, deposition, DepositForm.from_metadata(deposition.metadata), notice=notice)


@router.post(DEPOSITS + "/{recid}", response_class=HTMLResponse)
def save_deposit(
    request: Request, recid: int, session: DbSession, settings: SettingsDep, submitted: SubmittedForm
) -> Response:
    """Save the metadata; if the core refuses it, the form comes back with every problem at its field."""
    login = _logged_in(request, session, submitted)
    deposition = _own(session, settings, recid, login, "update_deposition")
    form = DepositForm.from_submission(submitted)
    try:
        deposits.update_metadata(session, repository_config(settings), recid, form.metadata(deposition.metadata))
    except InvalidMetadata as error:
        return _form_page(request, login, deposition, form, status=400, errors=field_errors(error.problems))
    return RedirectResponse(f"{deposit_path(recid)}?saved=true", status_code=303)


@router.post(DEPOSITS + "/{recid}/actions/publish", response_class=HTMLResponse)
def publish_deposit(
    request: Request, recid: int, session: DbSession, settings: SettingsDep, submitted: SubmittedForm
) -> Response:
    """Save the form, then publish: the DOI is minted and the files are locked."""
    login = _logged_in(request, session, submitted)
    deposition = _own(session, settings, recid, login, "publish_deposition")
    config = repository_config(settings)
    form = DepositForm.from_submission(submitted)
    try:
        deposits.update_metadata(session, config, recid, form.metadata(deposition.metadata))
    except InvalidMetadata as error:
        return _form_page(request, login, deposition, form, status=400, errors=field_errors(error.problems))
    try:
        deposits.publish(session, config, recid, login.account)
    except InvalidMetadata as error:
        saved = deposits.get_deposition(session, config, recid)
        notice = "Your changes are saved, but the record cannot be published until these are fixed."
        return _form_page(request, login, saved, form, status=400, errors=field_errors(error.problems), notice=notice)
    return RedirectResponse(deposit_path(recid), status_code=303)


@router.put(DEPOSITS + "/{recid}/files/{key:path}")
async def upload_file(request: Request, recid: int, key: str, database: DatabaseDep, settings: SettingsDep) -> Response:
    """One file of a draft, streamed from ``deposit.js``; answers what the files table shows of it."""
    deposition = await run_in_threadpool(_draft_for_upload, request, database, settings, recid)
    length = request.headers.get("content-length")
    declared = int(length) if length and length.isdigit() else None
    try:
        stored = await run_in_threadpool(
            files.upload_file,
            database,
            repository_config(settings),
            deposition.bucket_id,
            key,
            request_chunks(request),
            declared_size=declared,
        )
    except ClientDisconnect:
        return Response(status_code=400)  # the browser went away; nothing was kept
    body = {"key": stored.key, "size": stored.size, "size_text": human_size(stored.size), "md5": stored.md5}
    return JSONResponse({**body, "url": _draft_file_url(recid, stored.key)}, status_code=201)


@router.get(DEPOSITS + "/{recid}/files/{key:path}")
async def download_draft_file(
    request: Request, recid: int, key: str, database: DatabaseDep, settings: SettingsDep
) -> Response:
    """The owner checks an uploaded file; verified against its md5 like every download."""
    stored = await run_in_threadpool(_own_file, request, database, settings, recid, key)
    return await send_verified(request, settings, stored)


@router.post(DEPOSITS + "/{recid}/actions/delete-file")
def delete_file(
    request: Request, recid: int, session: DbSession, settings: SettingsDep, submitted: SubmittedForm
) -> Response:
    login = _logged_in(request, session, submitted)
    deposition = _own(session, settings, recid, login, "update_deposition")
    files.delete_file(session, repository_config(settings), deposition.bucket_id, key=submitted.get("key", ""))
    return RedirectResponse(deposit_path(recid), status_code=303)


@router.post(DEPOSITS + "/{recid}/actions/{action}")
def deposit_action(
    request: Request, recid: int, action: str, session: DbSession, settings: SettingsDep, submitted: SubmittedForm
) -> Response:
    """The buttons that change a deposition's state: edit, discard, new version, delete a draft."""
    login = _logged_in(request, session, submitted)
    needs = {"edit": "update_deposition", "discard": "update_deposition", "newversion": "update_deposition"}
    needs["delete"] = "delete_deposition"
    if action not in needs:
        raise DepositionNotFound(f"a deposition has no action {action!r}; use the buttons on its page")
    _own(session, settings, recid, login, needs[action])
    config = repository_config(settings)
    if action == "delete":
        deposits.delete_deposition(session, config, recid)
        return RedirectResponse("/deposit", status_code=303)
    if action == "newversion":
        draft = deposits.new_version(session, config, recid)
        return RedirectResponse(deposit_path(draft.recid), status_code=303)
    (deposits.edit if action == "edit" else deposits.discard)(session, config, recid)
    return RedirectResponse(deposit_path(recid), status_code=303)


def _form_page(
    request: Request,
    login: BrowserLogin,
    deposition: Deposition,
    form: DepositForm,
    *,
    status: int = 200,
    errors: Sequence[FieldError] = (),
    notice: str | None = None,
) -> Response:
    return render(
        request,
        "repository/deposit_form.html",
        login,
        status=status,
        deposition=deposition,
        form=form,
        errors=errors,
        by_input=errors_by_input(errors),
        notice=notice,
        choices=CHOICES,
        files=[(stored, _draft_file_url(deposition.recid, stored.key)) for stored in deposition.files],
        landing_url=landing_path(deposition.recid),
        doi_url=dois.doi_url,
    )


def _to_login(request: Request) -> Response:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


def _logged_in(request: Request, session: Session, submitted: dict[str, str]) -> BrowserLogin:
    """The login behind a posted form, whose CSRF token must be the session's."""
    login = current_login(request, session)
    if login is None:
        raise AuthenticationFailed("your login has ended: log in again, then repeat what you were doing")
    check_csrf(login.csrf_token, submitted.get("csrf_token"))
    return login


def _own(session: Session, settings: Settings, recid: int, login: BrowserLogin, action: str) -> Deposition:
    """The deposition if ``login`` may do ``action`` on it; other people's do not exist."""
    missing = f"you have no upload {recid}; your uploads are listed at /deposit"
    try:
        deposition = deposits.get_deposition(session, repository_config(settings), recid)
    except DepositionNotFound:
        raise DepositionNotFound(missing) from None
    if not may(login.account, action, deposition.owner):
        raise DepositionNotFound(missing)
    return deposition


def _draft_for_upload(request: Request, database: Database, settings: Settings, recid: int) -> Deposition:
    """Check, in a short transaction of its own, that the upload comes from the owner's page."""
    with database.transaction() as session:
        login = current_login(request, session)
        if login is None:
            raise AuthenticationFailed("your login has ended: log in again, then upload the file again")
        check_csrf(login.csrf_token, request.headers.get(CSRF_HEADER))
        return _own(session, settings, recid, login, "update_deposition")


def _own_file(request: Request, database: Database, settings: Settings, recid: int, key: str) -> StoredFile:
    with database.transaction() as session:
        login = current_login(request, session)
        if login is None:
            raise DepositionNotFound(f"you have no upload {recid}; log in to see your uploads")
        deposition = _own(session, settings, recid, login, "read_deposition")
        return files.get_file(session, deposition.bucket_id, key)


def _draft_file_url(recid: int, key: str) -> str:
    return f"{deposit_path(recid)}/files/{quote(key)}"
