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


def server_url(settings: Settings) -> str:
    """This machine's openvre server as clients reach it: ``public_url``, else ``http://host:port``."""
    return str(settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


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
