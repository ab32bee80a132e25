"""The lifecycle's services: what each one is, which protocol it speaks and where its client points.

Each service is either embedded in this process (mounted under ``mount``) or a remote endpoint given in
the settings; the front ends only ever see ``base_url``.
"""

from __future__ import annotations

from dataclasses import dataclass

from openvre.settings import ServiceKind, Settings


@dataclass(frozen=True)
class Service:
    name: str
    title: str
    stages: tuple[str, ...]
    protocol: str
    official_client: str
    mount: str


SERVICES: tuple[Service, ...] = (
    Service("datalake", "Data lake", ("discover", "access"), "Rucio REST", "rucio", "/rucio"),
    Service("workflows", "Workflows", ("reproduce",), "REANA REST", "reana-client", "/reana"),
    Service("repository", "Repository", ("preserve",), "Zenodo REST", "Zenodo clients", "/zenodo"),
)


def service_mount(name: str) -> str:
    """The path an embedded service is served under."""
    return next(service.mount for service in SERVICES if service.name == name)


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    kind: ServiceKind
    base_url: str
    available: bool
    official_client: str
    protocol: str


def service_statuses(settings: Settings, base_url: str, mounted: frozenset[str]) -> list[ServiceStatus]:
    """Where each service's official client must point, and whether something answers there.

    ``mounted`` holds the embedded services this process serves; an embedded service whose router is
    not part of this build is reported as unavailable rather than pretending.
    """
    statuses = []
    for service in SERVICES:
        configured = settings.service(service.name)
        if configured.kind is ServiceKind.REMOTE:
            url, available = str(configured.url).rstrip("/"), True
        else:
            url, available = base_url.rstrip("/") + service.mount, service.name in mounted
        statuses.append(
            ServiceStatus(
                name=service.name,
                kind=configured.kind,
                base_url=url,
                available=available,
                official_client=service.official_client,
                protocol=service.protocol,
            )
        )
    return statuses
