"""openvre's Jupyter server extension: the workspace API the JupyterLab panels call.

The panels (``labextension/``) never talk to a service. They call ``<base_url>/openvre/api/...`` on
the Jupyter server, authenticated by Jupyter, and these handlers call the data lake, workflows and
repository with openvre's protocol clients, holding the user's token on the server. The routes are
documented in docs/workspace-api.md. Enable with ``jupyter server --ServerApp.jpserver_extensions=
'{"openvre.jupyter": true}'`` (openvre's install enables it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

API_PREFIX = "openvre/api"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "openvre.jupyter"}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "openvre"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Register the workspace routes under ``<base_url>/openvre/api/`` with one workspace and job list.

    Imported here, not at the top: kernels import ``openvre.jupyter.kernel``, and this package's
    import must not drag the Jupyter server, tornado and the handlers into every kernel.
    """
    from jupyter_server.utils import url_path_join

    from openvre.credentials import saved_token
    from openvre.jupyter.handlers import ROUTES
    from openvre.jupyter.handlers.base import JOBS_KEY, WORKSPACE_KEY, error_json
    from openvre.jupyter.jobs import Jobs
    from openvre.jupyter.workspace import Workspace
    from openvre.settings import load_settings

    settings = load_settings()
    workspace = Workspace(settings, Path(serverapp.root_dir), saved_token(settings))
    serverapp.web_app.settings[WORKSPACE_KEY] = workspace
    serverapp.web_app.settings[JOBS_KEY] = Jobs(error_json)
    base = url_path_join(serverapp.web_app.settings["base_url"], API_PREFIX)
    serverapp.web_app.add_handlers(".*$", [(url_path_join(base, route), handler) for route, handler in ROUTES])
    serverapp.log.info("openvre workspace API at %s (services from %s)", base, settings.home)


__all__ = [
    "_jupyter_labextension_paths",
    "_jupyter_server_extension_points",
    "_load_jupyter_server_extension",
]
