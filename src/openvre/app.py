"""Compose the ASGI application from the routers; nothing here holds domain logic.

from openvre.app import create_app
from openvre.settings import load_settings

app = create_app(load_settings(home="/tmp/vre"))
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from openvre import __version__
from openvre.bootstrap import prepare
from openvre.datalake.rucio_api import create_rucio_app
from openvre.datalake.transfer_agent import TransferAgent
from openvre.db import Database
from openvre.identity import accounts_api
from openvre.portal import lab as lab_pages
from openvre.portal import repository_pages
from openvre.portal import routes as portal
from openvre.repository.zenodo_api import create_zenodo_app
from openvre.services import service_mount
from openvre.settings import ServiceKind, Settings
from openvre.web import health
from openvre.web.problems import install_problem_handlers
from openvre.workers import run_workers
from openvre.workflows.config import WorkflowsConfig
from openvre.workflows.reana_api import WORKFLOWS_PREFIX, create_reana_app, create_reana_workspace_app
from openvre.workflows.scheduler import Scheduler

if TYPE_CHECKING:
    from openvre.jupyter.lab_process import LabInfo

# Embedded services whose routers this build mounts; later parts of openvre add theirs here.
MOUNTED_SERVICES: frozenset[str] = frozenset({"datalake", "workflows", "repository"})


def create_app(settings: Settings, database: Database | None = None, *, lab: LabInfo | None = None) -> FastAPI:
    """The whole openvre server. Without ``database``, the app prepares HOME and the schema itself.

    ``lab`` is the JupyterLab `vre up` runs beside this app (None: none), for the portal's "Open JupyterLab".
    """
    own_database = database is None
    ready = database if database is not None else prepare(settings).database

    agent = TransferAgent(ready) if settings.datalake.kind is ServiceKind.EMBEDDED else None
    workflows_config = WorkflowsConfig.from_settings(settings)
    scheduler = Scheduler(ready, workflows_config) if settings.workflows.kind is ServiceKind.EMBEDDED else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        workers = settings.embedded_workers
        async with run_workers(agent if workers else None, scheduler if workers else None):
            yield
        if own_database:
            ready.dispose()

    app = FastAPI(
        title="openvre",
        version=__version__,
        summary="Virtual Research Environment: data lake, workflows and repository behind one login.",
        lifespan=lifespan,
        # Swagger UI and ReDoc load their assets from a CDN; the portal must work offline.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = ready
    app.state.mounted_services = MOUNTED_SERVICES
    app.state.lab = lab
    app.state.html_error_renderer = portal.render_error
    install_problem_handlers(app)
    app.include_router(health.router)
    app.include_router(accounts_api.router)
    app.include_router(portal.router)
    app.include_router(lab_pages.router)
    # Before the /zenodo mount: routes match in order, so the API's links.html pages answer here.
    app.include_router(repository_pages.router)
    app.mount("/static", StaticFiles(directory=portal.STATIC_DIR), name="static")
    if agent is not None:
        app.mount(service_mount("datalake"), create_rucio_app(settings, ready, agent))
    if settings.workflows.kind is ServiceKind.EMBEDDED:
        # Without embedded workers the scheduler runs in `vre worker`; the API then only queues runs.
        awake = scheduler if settings.embedded_workers else None
        app.mount(service_mount("workflows"), create_reana_app(settings, ready, awake, workflows_config))
        # reana-client's uploads and downloads drop the /reana prefix (see openvre.workflows.reana_api).
        app.mount(WORKFLOWS_PREFIX, create_reana_workspace_app(settings, ready, workflows_config))
    if settings.repository.kind is ServiceKind.EMBEDDED:
        app.mount(service_mount("repository"), create_zenodo_app(settings, ready))
    return app
