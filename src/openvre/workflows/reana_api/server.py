"""What a REANA server says about itself and the caller: ``/api/ping``, ``/api/you``, ``/api/info``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from openvre import __version__
from openvre.workflows.config import WorkflowsConfig
from openvre.workflows.reana_api._wire import ReanaCaller

router = APIRouter(prefix="/api")

SERVER_VERSION = f"openvre {__version__} (REANA 0.9 API)"


@router.get("/ping")
def ping() -> dict[str, str]:
    """REANA's health check; reana-client's ``ping`` calls ``/api/you`` instead."""
    return {"message": "OK", "status": "200"}


@router.get("/you")
def get_you(caller: ReanaCaller) -> dict[str, Any]:
    return {
        "email": caller.email,
        "full_name": caller.display_name,
        "username": caller.username,
        "reana_server_version": SERVER_VERSION,
    }


def _item(title: str, value: Any) -> dict[str, Any]:
    return {"title": title, "value": value}


@router.get("/info")
def info(request: Request, caller: ReanaCaller) -> dict[str, Any]:
    """The capabilities ``reana-client create`` and ``validate --server-capabilities`` check a spec against."""
    config: WorkflowsConfig = request.app.state.workflows_config
    workspace = str(config.workspaces)
    return {
        "compute_backends": _item("List of supported compute backends", list(config.compute_backends)),
        "default_workspace": _item("Default workspace", workspace),
        "workspaces_available": _item("List of available workspaces", [workspace]),
        "default_kubernetes_jobs_timeout": _item("Default timeout for Kubernetes jobs", "604800"),
        "maximum_kubernetes_jobs_timeout": _item("Maximum timeout for Kubernetes jobs", "1209600"),
        "maximum_workspace_retention_period": _item("Maximum retention period in days for workspace files", None),
    }
