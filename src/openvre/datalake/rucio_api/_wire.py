"""How the Rucio REST API talks: media types, dates, bodies without Content-Type, errors, tokens.

The official client is strict (see docs/reference on the Rucio subset): list endpoints stream NDJSON as
``application/x-json-stream``, single objects are ``application/json`` with no charset parameter,
dates are RFC-1123 strings ending in `` UTC``, and errors carry ``ExceptionClass``/``ExceptionMessage``
so the client raises the matching exception class.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from openvre import errors
from openvre.datalake import errors as lake_errors
from openvre.identity import Account, authenticate_token, may
from openvre.web.deps import DatabaseDep
from openvre.web.wire import log_unexpected, read_json_body, request_token

log = logging.getLogger(__name__)

JSON_TYPE = "application/json"
NDJSON_TYPE = "application/x-json-stream"

# openvre's own errors that are not data lake errors, under the Rucio name the client knows.
_RUCIO_NAMES: tuple[tuple[type[errors.OpenVREError], str, int], ...] = (
    (errors.AuthenticationFailed, "CannotAuthenticate", 401),
    (errors.AccountNotFound, "AccountNotFound", 404),
    (errors.AccountExists, "Duplicate", 409),
    (errors.PermissionDenied, "AccessDenied", 403),
    (errors.InvalidInput, "InvalidObject", 400),
    (errors.NotFound, "RucioException", 404),
    (errors.AlreadyExists, "Duplicate", 409),
    (errors.Conflict, "UnsupportedOperation", 409),
)
_FAMILY_STATUS: tuple[tuple[type[errors.OpenVREError], int], ...] = (
    (errors.InvalidInput, 400),
    (errors.PermissionDenied, 403),
    (errors.NotFound, 404),
    (errors.AlreadyExists, 409),
    (errors.Conflict, 409),
)


def rfc1123(moment: datetime | None) -> str | None:
    """Rucio's date form, which the client turns back into datetimes (it keys on ' UTC')."""
    return None if moment is None else moment.strftime("%a, %d %b %Y %H:%M:%S UTC")


def _dumps(value: Any) -> str:
    # allow_nan: unlimited quotas are the JSON token Infinity, as on a real Rucio server.
    return json.dumps(value, allow_nan=True, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return rfc1123(value)
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


def rucio_json(value: Any, status_code: int = 200) -> Response:
    return Response(_dumps(value), status_code=status_code, media_type=JSON_TYPE)


def ndjson(items: Iterable[Any]) -> Response:
    return Response("".join(_dumps(item) + "\n" for item in items), media_type=NDJSON_TYPE)


def created(body: Any = "Created") -> Response:
    if isinstance(body, str):
        return Response(body, status_code=201, media_type="text/html")
    return rucio_json(body, status_code=201)


async def json_body(request: Request) -> Any:
    return await read_json_body(request, lake_errors.InvalidObject)


# As a dependency, the body is read on the event loop before a sync route runs in the thread pool: routes
# that touch the database stay sync, so none waits for SQLite's write lock on the event loop (where the
# request holding the lock could never finish).
JsonBody = Annotated[Any, Depends(json_body)]


def rucio_error(name: str, message: str, status: int) -> Response:
    return Response(
        _dumps({"ExceptionClass": name, "ExceptionMessage": message}),
        status_code=status,
        media_type="application/octet-stream",
        headers={"ExceptionClass": name, "ExceptionMessage": message.replace("\n", " ")[:1000]},
    )


def error_name_and_status(error: errors.OpenVREError) -> tuple[str, int]:
    if type(error).__module__ == lake_errors.__name__:
        status = next((code for family, code in _FAMILY_STATUS if isinstance(error, family)), 500)
        return type(error).__name__, status
    return next(
        ((name, code) for family, name, code in _RUCIO_NAMES if isinstance(error, family)), ("RucioException", 500)
    )


async def _openvre_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, errors.OpenVREError)
    name, status = error_name_and_status(error)
    return rucio_error(name, error.message, status)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 404:
        return rucio_error("RucioException", f"no Rucio endpoint at {request.url.path}", 404)
    if error.status_code == 405:
        return rucio_error("MethodNotAllowed", f"{request.method} is not allowed on {request.url.path}", 405)
    return rucio_error("RucioException", str(error.detail), error.status_code)


async def _validation_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
    return rucio_error("InvalidObject", f"invalid request: {details}", 400)


async def _unexpected(request: Request, error: Exception) -> Response:
    error_id = log_unexpected(request, error)
    return rucio_error("RucioException", f"unexpected server error, logged under id {error_id}", 500)


def install_rucio_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.OpenVREError, _openvre_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)


def rucio_caller(request: Request, database: DatabaseDep) -> Account:
    """The account behind ``X-Rucio-Auth-Token`` (or ``Authorization: Bearer``, for openvre's own tools)."""
    token = request_token(request, header="x-rucio-auth-token")
    if not token:
        raise errors.InvalidToken("Token must be set: log in with GET /auth/userpass first")
    with database.transaction() as session:
        try:
            return authenticate_token(session, token)
        except errors.InvalidToken as error:
            raise errors.InvalidToken(f"Cannot authenticate with given credentials ({error.message})") from None


RucioCaller = Annotated[Account, Depends(rucio_caller)]


def require(account: Account, action: str, target: str | None) -> None:
    decision = may(account, action, target)
    if not decision:
        raise lake_errors.AccessDenied(
            f"Account {account.username} can not {action.replace('_', ' ')}: {decision.reason}"
        )
