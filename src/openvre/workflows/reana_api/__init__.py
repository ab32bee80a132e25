"""The REANA-compatible REST API, served as its own ASGI app under ``/reana`` (REANA's URLs under ``/api``).

Its own app, because reana-client needs REANA's error format (``{"message": ...}``) rather than
openvre's problem+json; the routers stay thin over :mod:`openvre.workflows`. Point the official client
at it with ``REANA_SERVER_URL=http://127.0.0.1:8000/reana`` and an openvre API token as
``REANA_ACCESS_TOKEN``.

reana-client 0.9.6 sends uploads and downloads with plain ``requests`` to
``urljoin(REANA_SERVER_URL, "/api/workflows/...")``, which drops a path prefix such as ``/reana``
(its other calls keep it). So the workspace routes are also served at ``/api/workflows`` of the
server root by :func:`create_reana_workspace_app`; nothing else of openvre lives under that path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI

from openvre.db import Database
from openvre.settings import Settings
from openvre.workflows.config import WorkflowsConfig
from openvre.workflows.reana_api import server, workflows, workspace
from openvre.workflows.reana_api._wire import install_reana_error_handlers

if TYPE_CHECKING:
    from openvre.workflows.scheduler import Scheduler

WORKFLOWS_PREFIX = "/api/workflows"


def create_reana_app(
    settings: Settings, database: Database, scheduler: Scheduler | None = None, config: WorkflowsConfig | None = None
) -> FastAPI:
    """``scheduler`` is woken when a run is queued or asked to stop; without one, runs wait for a worker."""
    app = _app(settings, database, scheduler, config)
    app.include_router(server.router)
    app.include_router(workflows.router)
    app.include_router(workspace.router, prefix=WORKFLOWS_PREFIX)
    return app


def create_reana_workspace_app(
    settings: Settings, database: Database, config: WorkflowsConfig | None = None
) -> FastAPI:
    """Only the workspace routes, for mounting at ``/api/workflows`` of the server root (see above)."""
    app = _app(settings, database, None, config)
    app.include_router(workspace.router)
    return app


def _app(
    settings: Settings, database: Database, scheduler: Scheduler | None, config: WorkflowsConfig | None
) -> FastAPI:
    app = FastAPI(title="openvre workflows (REANA REST)", docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.settings = settings
    app.state.database = database
    app.state.scheduler = scheduler
    app.state.workflows_config = config or WorkflowsConfig.from_settings(settings)
    install_reana_error_handlers(app)
    return app


__all__ = ["WORKFLOWS_PREFIX", "create_reana_app", "create_reana_workspace_app"]
