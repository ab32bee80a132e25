"""How the REANA REST API talks: ``{"message": ...}`` errors, REANA's dates, tokens as a query parameter.

reana-client 0.9.6 sends the token only as ``?access_token=`` and reads ``response.json()["message"]``
from any error; a 403 makes ``reana-client ping`` print "ERROR: INVALID ACCESS TOKEN". Dates are
REANA's ``2024-05-01T12:00:00`` (UTC, no zone), which the client parses with ``strptime``.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from openvre import errors
from openvre.identity import Account, authenticate_token, may
from openvre.web.deps import DatabaseDep
from openvre.web.wire import log_unexpected, read_json_body, request_token
from openvre.workflows import errors as workflow_errors

log = logging.getLogger(__name__)

DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"


class NotSignedIn(errors.AuthenticationFailed):
    """No token at all: REANA answers 401 here, and 403 for a token it does not know."""


# First match wins, so subclasses come before their families.
_STATUS: tuple[tuple[type[errors.OpenVREError], int], ...] = (
    (NotSignedIn, 401),
    (errors.AuthenticationFailed, 403),
    (errors.PermissionDenied, 403),
    (errors.NotFound, 404),
    (errors.InvalidInput, 400),
    (workflow_errors.RunStateError, 409),
    (errors.Conflict, 409),
    (errors.AlreadyExists, 409),
    (workflow_errors.EngineNotAvailable, 501),
    (workflow_errors.WorkflowError, 400),
)


def reana_date(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime(DATE_FORMAT)


def message(text: str, status_code: int) -> JSONResponse:
    return JSONResponse({"message": text}, status_code=status_code)


async def json_body(request: Request) -> Any:
    """reana-client sends a JSON body even on GET (the steps of ``logs``)."""
    return await read_json_body(request, errors.InvalidInput)


async def _openvre_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, errors.OpenVREError)
    status = next((code for family, code in _STATUS if isinstance(error, family)), 500)
    return message(error.message, status)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 404:
        return message(f"no REANA endpoint at {request.url.path}", 404)
    if error.status_code == 405:
        return message(f"{request.method} is not allowed on {request.url.path}", 405)
    return message(str(error.detail), error.status_code)


async def _validation_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
    return message(f"Malformed request: {details}", 400)


async def _unexpected(request: Request, error: Exception) -> Response:
    error_id = log_unexpected(request, error)
    return message(f"unexpected server error, logged under id {error_id}", 500)


def install_reana_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.OpenVREError, _openvre_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)


def reana_caller(request: Request, database: DatabaseDep) -> Account:
    """The account behind ``?access_token=`` (reana-client) or ``Authorization: Bearer`` (other tools)."""
    token = request_token(request, query="access_token")
    if not token:
        raise NotSignedIn(
            "User not signed in: set REANA_ACCESS_TOKEN to an openvre API token "
            "(from your profile page or `vre token create`)"
        )
    with database.transaction() as session:
        try:
            return authenticate_token(session, token)
        except errors.InvalidToken as error:
            raise errors.InvalidToken(
                f"Token is not valid: {error.message}. Set REANA_ACCESS_TOKEN to a current openvre API token."
            ) from None


ReanaCaller = Annotated[Account, Depends(reana_caller)]
JsonBody = Annotated[Any, Depends(json_body)]


def require(account: Account, action: str) -> None:
    """Check the policy for an action on the caller's own workflows (the only ones a caller sees)."""
    decision = may(account, action, account.username)
    if not decision:
        raise errors.PermissionDenied(f"{account.username} may not {action.replace('_', ' ')}: {decision.reason}")


def search_names(value: str | None) -> list[str]:
    """The names of REANA's ``search`` parameter, a JSON object such as ``{"name": ["hello"]}``."""
    if not value:
        return []
    try:
        search = json.loads(value)
    except ValueError:
        raise errors.InvalidInput('search must be JSON such as {"name": ["hello"]}', field="search") from None
    names = search.get("name", []) if isinstance(search, dict) else []
    return [str(name) for name in (names if isinstance(names, list) else [names])]


def positive_int(value: str | None, name: str, default: int | None) -> int | None:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise errors.InvalidInput(f"{name} must be a whole number, not {value!r}", field=name) from None
    if number < 1:
        raise errors.InvalidInput(f"{name} starts at 1", field=name)
    return number


def flag(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1", "yes")
