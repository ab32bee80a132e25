"""The Rucio-compatible REST API, served as its own ASGI app under ``/rucio``.

Its own app, because Rucio's clients need Rucio's error format (``ExceptionClass``) rather than
openvre's problem+json; the routers stay thin over :mod:`openvre.datalake`.
"""

from __future__ import annotations

from fastapi import FastAPI

from openvre.datalake.rucio_api import accounts, auth, dids, limits, replicas, rses, rules
from openvre.datalake.rucio_api._wire import install_rucio_error_handlers
from openvre.datalake.transfer_agent import TransferAgent
from openvre.db import Database
from openvre.settings import Settings

ROUTERS = (auth.router, accounts.router, rules.router, rses.router, limits.router, replicas.router, dids.router)


def create_rucio_app(settings: Settings, database: Database, agent: TransferAgent | None = None) -> FastAPI:
    app = FastAPI(title="openvre data lake (Rucio REST)", docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.settings = settings
    app.state.database = database
    app.state.transfer_agent = agent
    install_rucio_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    return app


__all__ = ["create_rucio_app"]
