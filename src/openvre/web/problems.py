"""RFC 9457 problem details for openvre's own endpoints, mapped from exception classes in one place.

Browsers asking for a portal page get the same information as an HTML page. No traceback ever
reaches a client: unexpected errors are logged with an id the user can quote.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from openvre import errors
from openvre.web.wire import log_unexpected

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

STATUS_BY_ERROR: tuple[tuple[type[errors.OpenVREError], int], ...] = (
    (errors.InvalidInput, 400),
    (errors.TooManyFailedLogins, 429),
    (errors.AuthenticationFailed, 401),
    (errors.PermissionDenied, 403),
    (errors.NotFound, 404),
    (errors.AlreadyExists, 409),
    (errors.Conflict, 409),
    (errors.InvalidSettings, 500),
)

HtmlRenderer = Callable[[Request, int, str, str], Response]


def status_for(error: errors.OpenVREError) -> int:
    for error_class, status in STATUS_BY_ERROR:
        if isinstance(error, error_class):
            return status
    return 500


def problem_type(error: errors.OpenVREError) -> str:
    kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", type(error).__name__).lower()
    return f"urn:openvre:problem:{kebab}"


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    renderer: HtmlRenderer | None = getattr(request.app.state, "html_error_renderer", None)
    if renderer is not None and _wants_html(request):
        return renderer(request, status, HTTPStatus(status).phrase, detail)
    body = {
        "type": type_,
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **{key: value for key, value in extensions.items() if value is not None},
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


async def _openvre_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, errors.OpenVREError)
    status = status_for(error)
    if status >= 500:
        return await _unexpected_error(request, error)
    headers = {"WWW-Authenticate": 'Bearer realm="openvre"'} if status == 401 else None
    if isinstance(error, errors.TooManyFailedLogins):
        headers = {"Retry-After": str(error.retry_after)}
    return problem_response(
        request, status, error.message, type_=problem_type(error), headers=headers, field=error.field
    )


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).description
    if error.status_code == 404 and detail == "Not Found":
        detail = f"nothing is served at {request.url.path}; the portal's home page lists what is"
    if error.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    return problem_response(request, error.status_code, detail, headers=dict(error.headers or {}))


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"field": ".".join(str(part) for part in item["loc"] if part != "body"), "message": item["msg"]}
        for item in error.errors()
    ]
    detail = "; ".join(f"{item['field']}: {item['message']}" for item in problems)
    return problem_response(request, 422, f"the request is not valid: {detail}", errors=problems)


async def _unexpected_error(request: Request, error: Exception) -> Response:
    error_id = log_unexpected(request, error)
    return problem_response(
        request,
        500,
        f"openvre hit an unexpected error; the server log has the details under id {error_id}",
        error_id=error_id,
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.OpenVREError, _openvre_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
