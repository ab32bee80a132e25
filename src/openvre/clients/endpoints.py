"""Where a service's protocol client points, and with which token, from openvre's settings.

Each service is either embedded (served by ``vre up`` under its mount: ``/rucio``, ``/reana``,
``/zenodo``) or remote (its ``url`` in the settings, e.g. ``OPENVRE_REPOSITORY__URL=https://sandbox.zenodo.org``).
Front ends ask here instead of building URLs themselves, so moving a service off the laptop is one setting.

    service_url(settings, "repository")    # "http://127.0.0.1:8000/zenodo", or the configured URL
    service_token(settings, "repository")  # OPENVRE_REPOSITORY__TOKEN, else OPENVRE_TOKEN / `vre login`'s token
"""

from __future__ import annotations

from openvre.credentials import saved_token
from openvre.services import service_mount
from openvre.settings import ServiceKind, Settings


def server_url(settings: Settings, port: int | None = None) -> str:
    """This machine's openvre server as clients reach it: ``public_url``, else ``http://host:port``.

    ``port``: the one the server really bound, when it was started on port 0 (any free one).
    """
    return str(settings.public_url or f"http://{reachable_host(settings.host)}:{port or settings.port}").rstrip("/")


def reachable_host(host: str) -> str:
    """The host part of a URL that reaches a server bound to ``host``: a wildcard address is not one."""
    if host in ("0.0.0.0", "::"):  # noqa: S104 - a URL to connect to, not an address to bind
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def service_url(settings: Settings, name: str) -> str:
    """The base URL of service ``name`` (one of ``openvre.settings.SERVICE_NAMES``)."""
    service = settings.service(name)
    if service.kind is ServiceKind.REMOTE:
        return str(service.url).rstrip("/")
    return server_url(settings) + service_mount(name)


def service_token(settings: Settings, name: str) -> str | None:
    """The service's own token when one is configured (a remote service's), else the openvre token."""
    configured = settings.service(name).token
    return configured.get_secret_value() if configured else saved_token(settings)
