"""Where the data lake is and who we are there, from openvre's settings and the environment.

The same code serves the embedded lake (``http://127.0.0.1:8000/rucio`` with an openvre token) and a
real Rucio server (its URL with userpass or a token), because both speak the Rucio REST API.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from openvre.clients.rucio import RucioClient
from openvre.errors import InvalidToken
from openvre.services import service_mount
from openvre.settings import ServiceKind, Settings, load_settings

TOKEN_ENV = "OPENVRE_TOKEN"  # noqa: S105 - a variable name, not a secret
TOKEN_FILE = "token"  # noqa: S105 - a file name


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


def saved_token(settings: Settings) -> str | None:
    """The token from ``OPENVRE_TOKEN`` or the one `vre login` saved (0600) in HOME."""
    token = os.environ.get(TOKEN_ENV)
    if token:
        return token.strip()
    path = settings.home / TOKEN_FILE
    return path.read_text().strip() if path.is_file() else None


def save_token(settings: Settings, token: str) -> Path:
    path = settings.home / TOKEN_FILE
    settings.home.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as sink:
        sink.write(token + "\n")
    return path


def lake_url(settings: Settings) -> str:
    lake = settings.datalake
    if lake.kind is ServiceKind.REMOTE:
        return str(lake.url).rstrip("/")
    base = str(settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    return base + service_mount("datalake")


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
        lake_url(settings), token=token, account=lake.account, username=lake.username, password=password
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
