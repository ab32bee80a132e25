"""What the three protocol sub-apps (Rucio, REANA, Zenodo) share below their own error formats.

Each speaks its service's wire format (Rucio's ``ExceptionClass``, REANA's ``message``, Zenodo's
``status``/``errors``), but they find the caller's token, read JSON bodies and log unexpected errors alike.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import Request

log = logging.getLogger(__name__)


def request_token(request: Request, *, header: str | None = None, query: str | None = None) -> str | None:
    """The token a client sent: in the service's own ``header`` or ``query`` parameter, else as Bearer."""
    own = request.headers.get(header, "") if header else request.query_params.get(query, "") if query else ""
    if own.strip():
        return own.strip()
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    return bearer.strip() if scheme.lower() == "bearer" and bearer.strip() else None


async def read_json_body(request: Request, invalid: Callable[[str], Exception]) -> Any:
    """The JSON body whatever its Content-Type (official clients omit it), ``{}`` when empty.

    Read in an async dependency, so the routes using it stay plain functions in FastAPI's thread pool and
    never wait for SQLite's write lock on the event loop.
    """
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError as error:
        raise invalid(f"the request body is not valid JSON: {error}; send a JSON object") from None


def log_unexpected(request: Request, error: Exception) -> str:
    """Log an error nobody planned for, with its traceback, under an id the client is told (and nothing else)."""
    error_id = uuid.uuid4().hex[:12]
    log.error("error %s on %s %s", error_id, request.method, request.url.path, exc_info=error)
    return error_id
