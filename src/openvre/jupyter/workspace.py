"""The server side of a JupyterLab session: who the user is in openvre, and the clients acting for them.

The token lives here, in the Jupyter server's memory, never in the browser and never on disk. It comes
from ``OPENVRE_TOKEN`` or `vre login`'s saved token when the server starts, from a user name and
password typed in a panel, or from a token the portal hands over ("Open JupyterLab"). A token is
checked with ``whoami`` before it is kept; a failed login keeps nothing. A kept token also goes into
``os.environ["OPENVRE_TOKEN"]``, so kernels started afterwards reach the lake as the same account.

A password login goes over HTTP to this machine's openvre server (``clients.endpoints.server_url``),
never to its database: the identity API's ``POST /api/v1/login`` checks the password and creates the
workspace's own token; logging out revokes it.

The protocol clients (Rucio, REANA, Zenodo) are built from the settings and cached per token, so a
search costs one request; background jobs get fresh ones (:meth:`Workspace.connections`) they close.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from openvre.clients.endpoints import server_url, service_url
from openvre.clients.reana import ReanaClient
from openvre.clients.zenodo import ZenodoClient
from openvre.connections import Connections
from openvre.credentials import TOKEN_ENV
from openvre.data._connection import DEFAULT_LOCAL_RSE, DataLake, connect
from openvre.errors import (
    AuthenticationFailed,
    InvalidCredentials,
    InvalidInput,
    InvalidToken,
    OpenVREError,
    TooManyFailedLogins,
)
from openvre.settings import SERVICE_NAMES, ServiceKind, Settings

LOGIN_TOKEN_NAME = "JupyterLab workspace"  # noqa: S105 - the name shown in the profile's token list
LOGIN_TOKEN_DAYS = 7
TIMEOUT = httpx.Timeout(30.0, connect=5.0)
C = TypeVar("C")
_LOG_IN_ADVICE = "log in to openvre in the panel (your openvre user name and password), or paste a token"


class NotLoggedIn(AuthenticationFailed):
    """No usable credentials for the service a route needs; the message says how to log in."""


class ServiceUnreachable(OpenVREError):
    """openvre's server or a service did not answer; the message names the URL."""


class Workspace:
    """One Jupyter server's openvre session and the protocol clients acting for it."""

    def __init__(self, settings: Settings, root_dir: Path, token: str | None = None) -> None:
        self.settings = settings
        self.root_dir = root_dir.resolve()
        self._lock = threading.RLock()
        self._token: str | None = token
        self._account: str | None = None
        self._verified = False
        self._created_token_id: int | None = None  # the token a password login made, revoked on logout
        self._clients: dict[str, Any] = {}

    # -- the session ------------------------------------------------------------------------------
    def session(self) -> dict[str, Any]:
        """The session as the panels see it; a token given at start is checked here the first time."""
        with self._lock:
            if self._token and not self._verified:
                try:
                    self._keep(self._token, self._whoami(self._token), None)
                except InvalidToken:
                    self._forget()
                except ServiceUnreachable:
                    pass  # openvre is not up yet: keep the token, check it again next time
            return self._describe()

    def login(self, username: str, password: str) -> dict[str, Any]:
        """Check the password against openvre's server and keep a new token for the workspace."""
        if not username or not password:
            raise InvalidInput(
                "give your openvre user name and password", field="username" if not username else "password"
            )
        created = self._password_login(username, password)
        token = str(created["token"])
        with self._lock:
            self._keep(token, self._whoami(token), int(created["id"]))
            return self._describe()

    def use_token(self, token: str) -> dict[str, Any]:
        """Keep ``token`` once openvre says whose it is; a refused token changes nothing."""
        token = (token or "").strip()
        if not token:
            raise InvalidInput(
                "give an openvre API token (from your profile page or `vre token create`)", field="token"
            )
        account = self._whoami(token)
        with self._lock:
            self._keep(token, account, None)
            return self._describe()

    def logout(self) -> dict[str, Any]:
        """Forget the token (revoking it when a password login made it) and close the clients."""
        with self._lock:
            self._forget()
            return self._describe()

    def _revoke_created(self) -> None:
        """Revoke the token a password login made, when a new session or a logout replaces it."""
        if self._token and self._created_token_id is not None:
            with contextlib.suppress(OpenVREError):  # already revoked, or the server is away: it expires
                self._identity("DELETE", f"/api/v1/tokens/{self._created_token_id}", self._token)

    def _keep(self, token: str, account: str, created_id: int | None) -> None:
        if token != self._token:
            self._revoke_created()
            self._close_clients()
        self._token, self._account, self._verified, self._created_token_id = token, account, True, created_id
        os.environ[TOKEN_ENV] = token

    def _forget(self) -> None:
        self._revoke_created()
        self._close_clients()
        self._token, self._account, self._verified, self._created_token_id = None, None, False, None
        os.environ.pop(TOKEN_ENV, None)

    def _describe(self) -> dict[str, Any]:
        return {
            "logged_in": self._token is not None and self._verified,
            "account": self._account,
            "services": {
                name: {
                    "kind": self.settings.service(name).kind.value,
                    "url": service_url(self.settings, name),
                    "ready": self._ready(name),
                }
                for name in SERVICE_NAMES
            },
            "local_rse": self.local_rse,
            "root_dir": str(self.root_dir),
        }

    @property
    def local_rse(self) -> str | None:
        """The RSE whose storage this machine reads: the setting, else LOCAL on the embedded lake."""
        lake = self.settings.datalake
        if lake.local_rse is not None:
            return lake.local_rse
        return DEFAULT_LOCAL_RSE if lake.kind is ServiceKind.EMBEDDED else None

    def _ready(self, name: str) -> bool:
        """Whether credentials exist for the service: its own (a remote one's) or the session's token."""
        service = self.settings.service(name)
        own = service.token is not None or (name == "datalake" and bool(service.username and service.password))
        return own or (self._token is not None and self._verified)

    # -- openvre's identity API, over HTTP ---------------------------------------------------------
    def _whoami(self, token: str) -> str:
        return str(self._identity("GET", "/api/v1/whoami", token)["username"])

    def _password_login(self, username: str, password: str) -> dict[str, Any]:
        body = {"username": username, "password": password, "name": LOGIN_TOKEN_NAME, "lifetime_days": LOGIN_TOKEN_DAYS}
        response = self._http("POST", "/api/v1/login", json=body)
        if response.status_code == 429:
            raise TooManyFailedLogins(
                f"{_detail(response)}; nothing was kept", retry_after=float(response.headers.get("Retry-After") or 1)
            )
        if response.status_code in (401, 403):
            raise InvalidCredentials(
                f"wrong user name or password for {username!r} at {server_url(self.settings)}; nothing was kept"
            )
        if not response.is_success:
            raise ServiceUnreachable(
                f"openvre at {server_url(self.settings)} answered the login with HTTP {response.status_code}"
            )
        created: dict[str, Any] = response.json()
        return created

    def _identity(self, method: str, path: str, token: str, **kwargs: Any) -> dict[str, Any]:
        response = self._http(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        if response.status_code == 401:
            raise InvalidToken(f"openvre refused the token ({_detail(response)}); {_LOG_IN_ADVICE}")
        if not response.is_success:
            error = ServiceUnreachable if response.status_code >= 500 else OpenVREError
            where = f"openvre at {server_url(self.settings)}"
            raise error(f"{where} answered {path} with HTTP {response.status_code}: {_detail(response)}")
        body: dict[str, Any] = response.json()
        return body

    def _http(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        base = server_url(self.settings)
        try:
            with httpx.Client(base_url=base, timeout=TIMEOUT) as http:
                return http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise ServiceUnreachable(f"openvre does not answer at {base} ({error}); is `vre up` running?") from None

    # -- protocol clients ----------------------------------------------------------------------------
    def require(self, name: str) -> None:
        """Raise :class:`NotLoggedIn` unless the service ``name`` has usable credentials."""
        with self._lock:
            if self._token and not self._verified:
                self.session()
            if not self._ready(name):
                title = {
                    "datalake": "the data lake",
                    "workflows": "the workflows service",
                    "repository": "the repository",
                }[name]
                raise NotLoggedIn(f"{_LOG_IN_ADVICE} to use {title}")

    def lake(self) -> DataLake:
        """The data lake as this session (cached per token)."""
        return self._cached("datalake", self._new_lake)

    def workflows(self) -> ReanaClient:
        return self._cached("workflows", self._new_workflows)

    def repository(self) -> ZenodoClient:
        return self._cached("repository", self._new_repository)

    def connections(self, *services: str) -> Connections:
        """Fresh clients for a background job (``close`` them): only ``services`` are checked and opened."""
        for name in services:
            self.require(name)
        given: dict[str, Any] = {}
        if "workflows" in services:
            given["workflows"] = self._new_workflows()
        if "repository" in services:
            given["repository"] = self._new_repository()
        if "datalake" in services:
            given["lake"] = self._new_lake()
        return _OwnedConnections(self.settings, **given)

    def _cached(self, name: str, build: Callable[[], C]) -> C:
        self.require(name)
        with self._lock:
            if name not in self._clients:
                self._clients[name] = build()
            client: C = self._clients[name]
            return client

    def _new_lake(self) -> DataLake:
        embedded = self.settings.datalake.kind is ServiceKind.EMBEDDED
        return connect(self.settings, token=self._token if embedded else None)

    def service_token(self, name: str) -> str | None:
        """The token a service's client sends: its own when configured (a remote one's), else the session's."""
        configured = self.settings.service(name).token
        return configured.get_secret_value() if configured else self._token

    def _new_workflows(self) -> ReanaClient:
        token = self.service_token("workflows")
        if not token:
            raise NotLoggedIn(f"{_LOG_IN_ADVICE} to use the workflows service")
        return ReanaClient(service_url(self.settings, "workflows"), token=token)

    def _new_repository(self) -> ZenodoClient:
        return ZenodoClient(service_url(self.settings, "repository"), token=self.service_token("repository"))

    def _close_clients(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            client.close()


class _OwnedConnections(Connections):
    """Connections whose given clients are the job's own: closing closes them all."""

    def close(self) -> None:
        self._given = set()
        super().close()


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("detail") or body) if isinstance(body, dict) else str(body)[:200]


__all__ = ["NotLoggedIn", "ServiceUnreachable", "Workspace"]
