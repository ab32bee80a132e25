"""The services a front end works with, connected from the settings, and how long steps report progress.

``vre publish`` and ``vre reproduce`` touch three services through their protocols: workflows (REANA),
the repository (Zenodo) and the data lake (Rucio). :class:`Connections` opens each on first use from
the settings, so publishing plain files never needs a workflows login, and a run with no data-lake
inputs never contacts the lake::

    with Connections(load_settings()) as services:
        record = services.repository.get_record(7)

Long steps (uploads, downloads, waiting for a run) report through a :class:`Progress`; the CLI draws
Rich bars, the Python API passes :data:`SILENT`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Protocol

from openvre.clients.endpoints import service_token, service_url
from openvre.clients.reana import ReanaClient
from openvre.clients.zenodo import ZenodoClient
from openvre.data import DataLake
from openvre.data import connect as connect_lake
from openvre.errors import InvalidToken
from openvre.settings import Settings, load_settings


class Progress(Protocol):
    """Where long steps report how far they are; the CLI draws Rich bars, the Python API nothing."""

    def task(self, description: str, total: float | None, unit: str = "bytes") -> Callable[[float], None]:
        """Start showing a step of ``total`` units; the returned function advances it."""
        ...


class _Silent:
    def task(self, description: str, total: float | None, unit: str = "bytes") -> Callable[[float], None]:
        return lambda _amount: None


SILENT: Progress = _Silent()


class Connections:
    """The services publishing and reproducing touch, each connected from the settings when first used.

    Tests (and callers with clients already open) pass them in; ``close`` closes only what it opened.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        workflows: ReanaClient | None = None,
        repository: ZenodoClient | None = None,
        lake: DataLake | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        given = {"workflows": workflows, "repository": repository, "lake": lake}
        self._given = {name for name, client in given.items() if client is not None}
        for name in self._given:
            self.__dict__[name] = given[name]  # what cached_property would have computed

    @cached_property
    def workflows(self) -> ReanaClient:
        token = service_token(self.settings, "workflows")
        if not token:
            raise InvalidToken(
                "not logged in to the workflows service: run `vre login`, or set OPENVRE_TOKEN "
                "(a token from your profile page or `vre token create`)"
            )
        return ReanaClient(service_url(self.settings, "workflows"), token=token)

    @cached_property
    def repository(self) -> ZenodoClient:
        return ZenodoClient.from_settings(self.settings)

    @cached_property
    def lake(self) -> DataLake:
        return connect_lake(self.settings)

    def close(self) -> None:
        for name in ("workflows", "repository", "lake"):
            if name in self.__dict__ and name not in self._given:
                self.__dict__.pop(name).close()

    def __enter__(self) -> Connections:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
