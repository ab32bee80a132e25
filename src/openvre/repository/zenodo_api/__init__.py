"""The Zenodo-compatible REST API, served as its own ASGI app (mounted at ``/zenodo`` by ``vre up``).

Its own app, because Zenodo's clients need Zenodo's error format, its status codes and its ``//``
tolerance rather than openvre's problem+json; the routers stay thin over :mod:`openvre.repository`.
Point a client at it as it would point at Zenodo, with ``/zenodo`` as the domain::

    ZenodoInteractor(token=token, zenodo_domain="http://127.0.0.1:8000/zenodo")   # openscm-zenodo
    eossr.api.zenodo.zenodo.zenodo_api_base_url = "http://127.0.0.1:8000/zenodo/api/"   # eossr

Tokens are openvre API tokens (``vre token create``), as ``Authorization: Bearer`` or ``?access_token=``.
"""

from __future__ import annotations

from fastapi import FastAPI

from openvre.db import Database
from openvre.repository._store import FileStore
from openvre.repository.config import RepositoryConfig
from openvre.repository.zenodo_api import communities, deposits, files, records, vocabularies
from openvre.repository.zenodo_api._wire import CollapseSlashes, install_zenodo_error_handlers
from openvre.settings import Settings

ROUTERS = (deposits.router, files.router, records.router, communities.router, vocabularies.router)


def create_zenodo_app(settings: Settings, database: Database, config: RepositoryConfig | None = None) -> FastAPI:
    """The Zenodo REST API over ``database``; files go under ``settings.home / "repository"`` unless ``config`` says.

    Building the app also clears uploads that a killed process left half-written (older than a day).
    """
    repository_config = config or RepositoryConfig.from_settings(settings)
    FileStore(repository_config.files_root).remove_stale_uploads()
    app = FastAPI(title="openvre repository (Zenodo REST)", docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.settings = settings
    app.state.database = database
    app.state.repository_config = repository_config
    install_zenodo_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(CollapseSlashes)
    return app


__all__ = ["create_zenodo_app"]
