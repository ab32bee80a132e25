"""The workspace API's routes, one module per area; :data:`ROUTES` lists them all, relative to ``openvre/api/``."""

from __future__ import annotations

from openvre.jupyter.handlers import data, publish, session, workflows
from openvre.jupyter.handlers.base import WorkspaceHandler

ROUTES: list[tuple[str, type[WorkspaceHandler]]] = [*session.ROUTES, *data.ROUTES, *workflows.ROUTES, *publish.ROUTES]

__all__ = ["ROUTES"]
