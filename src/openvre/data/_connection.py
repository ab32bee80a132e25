"""Where the data lake is and who we are there, from openvre's settings and the environment.

The same code serves the embedded lake (``http://127.0.0.1:8000/rucio`` with an openvre token) and a
real Rucio server (its URL with userpass or a token), because both speak the Rucio REST API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from openvre.clients.endpoints import service_url
from openvre.clients.rucio import RucioClient
from openvre.credentials import saved_token
from openvre.errors import InvalidToken
from openvre.settings import ServiceKind, Settings, load_settings


@dataclass
class DataLake:
    """A connected data lake: the protocol client, the RSE this machine reads directly, a cache."""

    client: RucioClient
    account: str
    local_rse: str | None
    cache_dir: Path

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> DataLake:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def connect(settings: Settings | None = None, *, token: str | None = None) -> DataLake:
    """Connect with the configured credentials: a token, else the remote service's user and password."""
    settings = settings or load_settings()
    lake = settings.datalake
    token = token or (lake.token.get_secret_value() if lake.token else None) or saved_token(settings)
    password = lake.password.get_secret_value() if lake.password else None
    if token is None and not (lake.username and password):
        raise InvalidToken(
            "not logged in to the data lake: run `vre login`, or set OPENVRE_TOKEN "
            "(a token from your profile page or `vre token create`)"
        )
    client = RucioClient(
        service_url(settings, "datalake"), token=token, account=lake.account, username=lake.username, password=password
    )
    account = lake.account or client.whoami()["account"]
    client.account = account
    local_rse = (
        lake.local_rse
        if lake.local_rse is not None
        else (DEFAULT_LOCAL_RSE if lake.kind is ServiceKind.EMBEDDED else None)
    )
    return DataLake(client, account, local_rse, settings.home / "cache")


# The RSE `vre up` creates in $OPENVRE_HOME/rse/LOCAL: data "made available" lands there.
DEFAULT_LOCAL_RSE = "LOCAL"
