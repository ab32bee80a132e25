"""How the Zenodo REST API talks: tokens, absolute links, errors, JSON bodies, and doubled slashes.

- **Tokens** come as ``Authorization: Bearer <token>`` or ``?access_token=<token>`` (openscm-zenodo and
  eossr use the query parameter); they are openvre API tokens.
- **Links** are absolute, built from the URL the client used (or ``settings.public_url``) plus the path
  this app is mounted at, so a client follows ``links.bucket`` back to this server.
- **Errors** have Zenodo's shape, ``{"status": 400, "message": "...", "errors": [{"field", "message"}]}``;
  each error also carries ``messages: [...]``, the list form Zenodo's newer API uses and openscm-zenodo reads.
- **``//`` in paths** is collapsed (:class:`CollapseSlashes`): eossr builds URLs as ``base + "/deposit/..."``
  from a base ending in ``/``, and no single base URL avoids it for all of its calls.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from openvre import errors
from openvre.identity import Account, authenticate_token, may
from openvre.repository import deposits
from openvre.repository.config import RepositoryConfig
from openvre.repository.deposits import Deposition
from openvre.repository.errors import CorruptedFile, DepositionNotFound, InvalidMetadata
from openvre.settings import Settings
from openvre.web.deps import DatabaseDep
from openvre.web.wire import log_unexpected, read_json_body, request_token

log = logging.getLogger(__name__)

# openvre's error families as Zenodo answers them; the first match wins.
STATUS_BY_ERROR: tuple[tuple[type[errors.OpenVREError], int], ...] = (
    (errors.InvalidInput, 400),
    (errors.AuthenticationFailed, 401),
    (errors.PermissionDenied, 403),
    (errors.NotFound, 404),
    (errors.AlreadyExists, 400),  # Zenodo: "Filename already exists", "identifier already exists"
    (CorruptedFile, 500),  # the server's bytes are damaged: not something the client can fix
    (errors.Conflict, 409),
)
_SLASHES = re.compile(r"//+")
_SLASHES_RAW = re.compile(rb"//+")
_TRUE = {"1", "true", "yes", "on"}


class CollapseSlashes:
    """ASGI middleware turning ``/api//deposit`` into ``/api/deposit`` before routing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "//" in scope["path"]:
            scope = dict(scope)
            scope["path"] = _SLASHES.sub("/", scope["path"])
            if isinstance(scope.get("raw_path"), bytes):
                scope["raw_path"] = _SLASHES_RAW.sub(b"/", scope["raw_path"])
        await self.app(scope, receive, send)


@dataclass(frozen=True)
class Links:
    """The absolute URLs of this API: ``base`` is where it is mounted (``http://host:8000/zenodo``)."""

    base: str

    @property
    def api(self) -> str:
        return f"{self.base}/api"


def get_links(request: Request) -> Links:
    settings: Settings = request.app.state.settings
    root = str(request.scope.get("root_path", ""))
    app_root = str(request.scope.get("app_root_path", ""))
    mount = root.removeprefix(app_root) if app_root and root.startswith(app_root) else root
    origin = str(settings.public_url or request.base_url).rstrip("/")
    return Links(base=origin + mount.rstrip("/"))


def get_config(request: Request) -> RepositoryConfig:
    config: RepositoryConfig = request.app.state.repository_config
    return config


LinksDep = Annotated[Links, Depends(get_links)]
ConfigDep = Annotated[RepositoryConfig, Depends(get_config)]


def optional_caller(request: Request, database: DatabaseDep) -> Account | None:
    """The account behind the request's token, ``None`` without one; a bad token is refused, never ignored."""
    token = request_token(request, query="access_token")
    if token is None:
        return None
    with database.transaction() as session:
        return authenticate_token(session, token)


def zenodo_caller(caller: Annotated[Account | None, Depends(optional_caller)]) -> Account:
    if caller is None:
        raise errors.InvalidToken(
            "this endpoint needs an access token: send 'Authorization: Bearer <token>' or '?access_token=<token>' "
            "(create one with `vre token create` or on your profile page)"
        )
    return caller


OptionalCaller = Annotated[Account | None, Depends(optional_caller)]
ZenodoCaller = Annotated[Account, Depends(zenodo_caller)]


def own_deposition(session: Session, config: RepositoryConfig, recid: int, caller: Account, action: str) -> Deposition:
    """The deposition if ``caller`` may do ``action`` on it; others' depositions do not exist (404), as on Zenodo."""
    deposition = deposits.get_deposition(session, config, recid)
    if not may(caller, action, deposition.owner):
        raise DepositionNotFound(f"no deposition {recid}; list yours with GET /api/deposit/depositions")
    return deposition


async def json_body(request: Request) -> Any:
    return await read_json_body(request, errors.InvalidInput)


def flag(value: str | None) -> bool:
    """Zenodo's boolean query parameters: ``1``, ``true``, ``True``... mean yes."""
    return value is not None and value.strip().lower() in _TRUE


def many(values: Iterable[str]) -> tuple[str, ...]:
    """Repeated or comma-separated query values as one tuple (``type=a&type=b`` or ``type=a,b``)."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def zenodo_error(status: int, message: str, problems: Iterable[tuple[str, str]] = ()) -> JSONResponse:
    body: dict[str, Any] = {"status": status, "message": message}
    listed = [{"field": field, "message": text, "messages": [text]} for field, text in problems]
    if listed:
        body["errors"] = listed
    return JSONResponse(body, status_code=status)


async def _openvre_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, errors.OpenVREError)
    status = next((code for family, code in STATUS_BY_ERROR if isinstance(error, family)), 500)
    if isinstance(error, InvalidMetadata):
        count = len(error.problems)
        message = f"Validation error: {count} problem{'s' if count > 1 else ''}, each listed in errors with its field."
        return zenodo_error(400, message, ((problem.field, problem.message) for problem in error.problems))
    if isinstance(error, CorruptedFile):
        log.error("refused to serve a damaged file: %s", error.message)
    problems = [(error.field, error.message)] if error.field and status == 400 else []
    response = zenodo_error(status, error.message, problems)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="openvre"'
    return response


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 404:
        return zenodo_error(404, f"no Zenodo API endpoint at {request.url.path}; the API lives under /api")
    if error.status_code == 405:
        return zenodo_error(405, f"{request.method} is not allowed on {request.url.path}")
    return zenodo_error(error.status_code, str(error.detail))


async def _validation_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = [(".".join(str(part) for part in e["loc"][1:]) or "request", str(e["msg"])) for e in error.errors()]
    return zenodo_error(400, "Invalid request parameters; see errors.", problems)


async def _unexpected(request: Request, error: Exception) -> Response:
    error_id = log_unexpected(request, error)
    return zenodo_error(500, f"unexpected server error, logged under id {error_id}; quote it to the administrator")


def install_zenodo_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.OpenVREError, _openvre_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
