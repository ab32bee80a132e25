"""``GET /health``: the one endpoint scripts may call without a token."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request

from openvre import __version__
from openvre.services import service_statuses
from openvre.web.deps import DatabaseDep, SettingsDep

router = APIRouter(tags=["health"])


def public_base_url(request: Request, settings: SettingsDep) -> str:
    """The URL clients reach this server at: the configured public URL, else the request's own."""
    return str(settings.public_url or request.base_url).rstrip("/")


@router.get("/health")
def health(request: Request, settings: SettingsDep, database: DatabaseDep) -> dict[str, Any]:
    database_ok = database.ping()
    mounted: frozenset[str] = request.app.state.mounted_services
    services = service_statuses(settings, public_base_url(request, settings), mounted)
    return {
        "status": "ok" if database_ok else "degraded",
        "version": __version__,
        "database": {"status": "ok" if database_ok else "unavailable", "backend": database.backend},
        "services": {status.name: asdict(status) for status in services},
    }
