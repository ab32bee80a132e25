"""``GET /health``: the one endpoint scripts may call without a token."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import httpx
from fastapi import APIRouter, Request

from openvre import __version__
from openvre.jupyter.lab_process import LabInfo
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
    base_url = public_base_url(request, settings)
    services = service_statuses(settings, base_url, mounted)
    return {
        "status": "ok" if database_ok else "degraded",
        "version": __version__,
        "database": {"status": "ok" if database_ok else "unavailable", "backend": database.backend},
        "services": {status.name: asdict(status) for status in services},
        "workspace": workspace_status(request.app.state.lab, base_url),
    }


def workspace_status(lab: LabInfo | None, base_url: str) -> dict[str, Any]:
    """Whether `vre up`'s JupyterLab runs, and the portal URL that opens it logged in.

    The lab's own URL and token stay out: /health needs no token, and the lab is reached through the
    portal's hand-over, which logs the user in.
    """
    if lab is None:
        return {"status": "off", "open_url": None, "hint": "vre up ran with --no-lab; without it, it starts JupyterLab"}
    try:
        httpx.get(lab.api("api/status"), timeout=0.5)  # any answer means it listens; 403 without a token
    except httpx.HTTPError:
        hint = "starting, or failed: see $OPENVRE_HOME/logs/jupyterlab.log"
        return {"status": "not answering", "open_url": f"{base_url}/lab", "hint": hint}
    return {"status": "ok", "open_url": f"{base_url}/lab", "hint": None}
