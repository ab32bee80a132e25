"""A small Rucio REST client for openvre's own front ends (``vre data``, ``openvre.data``).

It speaks the same subset the official client uses, so the same code serves openvre's embedded data
lake and a real Rucio server. Errors come back as openvre's exception classes of the same Rucio name
(``DataIdentifierNotFound``...), so callers catch one tree whichever server answered.

    client = RucioClient("http://127.0.0.1:8000/rucio", token="vre_...")
    for did in client.list_dids("user.alice", "*", did_type="all"):
        print(did["name"], did["bytes"])

``transport`` is the seam tests use to run the client against the app in-process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus

import httpx

from openvre import errors
from openvre.datalake import errors as lake_errors

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)


class RucioClient:
    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        account: str | None = None,
        username: str | None = None,
        password: str | None = None,
        transport: httpx.BaseTransport | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.account = account or username
        self._token = token
        self._username, self._password = username, password
        # ``http``: an already configured client, e.g. Starlette's TestClient running the app in-process.
        self._http = http or httpx.Client(base_url=self.base_url, timeout=DEFAULT_TIMEOUT, transport=transport)

    # -- plumbing -------------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RucioClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _login(self) -> str:
        if not (self._username and self._password):
            raise errors.InvalidToken("no Rucio credentials: give a token, or a user name and password")
        headers = {"X-Rucio-Username": self._username, "X-Rucio-Password": self._password, "X-Rucio-Auth-Token": ""}
        if self.account:
            headers["X-Rucio-Account"] = self.account
        response = self._http.get("/auth/userpass", headers=headers)
        _raise_for_rucio_error(response)
        self._token = response.headers["x-rucio-auth-token"]
        return self._token

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        for attempt in range(2):
            token = self._token or self._login()
            sent = {"X-Rucio-Auth-Token": token, **(headers or {})}
            if self.account:
                sent["X-Rucio-Account"] = self.account
            content = None if body is None else json.dumps(body)
            response = self._http.request(method, path, content=content, params=params, headers=sent)
            if response.status_code == 401 and attempt == 0 and self._username and self._password:
                self._token = None  # an expired login: log in again once, as the official client does
                continue
            _raise_for_rucio_error(response)
            return response
        raise AssertionError("unreachable")

    def _stream(self, method: str, path: str, **kwargs: Any) -> Iterator[Any]:
        response = self._request(method, path, **kwargs)
        for line in response.text.splitlines():
            if line.strip():
                yield json.loads(line)

    # -- accounts and scopes --------------------------------------------------------------------
    def whoami(self) -> dict[str, Any]:
        return self._request("GET", "/accounts/whoami").json()  # type: ignore[no-any-return]

    def list_scopes(self) -> list[str]:
        return self._request("GET", "/scopes/").json()  # type: ignore[no-any-return]

    def add_scope(self, account: str, scope: str) -> None:
        self._request("POST", f"/accounts/{account}/scopes/{quote_plus(scope)}")

    # -- DIDs -----------------------------------------------------------------------------------
    def list_dids(
        self,
        scope: str,
        name: str = "*",
        *,
        did_type: str = "collection",
        filters: list[dict[str, Any]] | None = None,
        long: bool = True,
    ) -> Iterator[dict[str, Any]]:
        groups = [dict(group) for group in (filters or [{}])]
        for group in groups:
            group.setdefault("name", name)
        params = {"type": did_type, "filters": str(groups), "long": str(long), "recursive": "False"}
        return self._stream("GET", f"/dids/{quote_plus(scope)}/dids/search", params=params)

    def get_did(self, scope: str, name: str, dynamic_depth: str | None = None) -> dict[str, Any]:
        params = {"dynamic_depth": dynamic_depth} if dynamic_depth else None
        return self._request("GET", _did_path(scope, name), params=params).json()  # type: ignore[no-any-return]

    def get_metadata(self, scope: str, name: str) -> dict[str, Any]:
        response = self._request("GET", _did_path(scope, name) + "/meta", params={"plugin": "DID_COLUMN"})
        return response.json()  # type: ignore[no-any-return]

    def set_metadata(self, scope: str, name: str, key: str, value: Any) -> None:
        self._request(
            "POST", _did_path(scope, name) + f"/meta/{quote_plus(key)}", body={"value": value, "recursive": False}
        )

    def add_did(self, scope: str, name: str, did_type: str, meta: dict[str, Any] | None = None) -> None:
        body: dict[str, Any] = {"type": did_type.upper()}
        if meta:
            body["meta"] = meta
        self._request("POST", _did_path(scope, name), body=body)

    def attach_dids(self, scope: str, name: str, dids: list[dict[str, str]]) -> None:
        self._request("POST", _did_path(scope, name) + "/dids", body={"dids": dids})

    def list_content(self, scope: str, name: str) -> Iterator[dict[str, Any]]:
        return self._stream("GET", _did_path(scope, name) + "/dids")

    def list_files(self, scope: str, name: str) -> Iterator[dict[str, Any]]:
        return self._stream("GET", _did_path(scope, name) + "/files")

    def list_parent_dids(self, scope: str, name: str) -> Iterator[dict[str, Any]]:
        return self._stream("GET", _did_path(scope, name) + "/parents")

    # -- RSEs and replicas ----------------------------------------------------------------------
    def list_rses(self, expression: str | None = None) -> Iterator[dict[str, Any]]:
        params = {"expression": expression} if expression else None
        return self._stream("GET", "/rses/", params=params)

    def get_rse(self, rse: str) -> dict[str, Any]:
        return self._request("GET", f"/rses/{rse}").json()  # type: ignore[no-any-return]

    def add_replicas(self, rse: str, files: list[dict[str, Any]]) -> None:
        self._request("POST", "/replicas", body={"rse": rse, "files": files, "ignore_availability": True})

    def update_replicas_states(self, rse: str, files: list[dict[str, Any]]) -> None:
        self._request("PUT", "/replicas", body={"rse": rse, "files": files})

    def list_replicas(
        self, dids: list[dict[str, str]], *, rse_expression: str | None = None, all_states: bool = False
    ) -> Iterator[dict[str, Any]]:
        body: dict[str, Any] = {
            "dids": dids,
            "domain": None,
            "ignore_availability": True,
            "all_states": all_states,
            "resolve_archives": False,
            "resolve_parents": False,
        }
        if rse_expression:
            body["rse_expression"] = rse_expression
        return self._stream("POST", "/replicas/list", body=body)

    # -- rules ----------------------------------------------------------------------------------
    def add_replication_rule(
        self,
        dids: list[dict[str, str]],
        copies: int,
        rse_expression: str,
        *,
        lifetime: int | None = None,
        grouping: str = "DATASET",
    ) -> list[str]:
        body = {
            "dids": dids,
            "copies": copies,
            "rse_expression": rse_expression,
            "lifetime": lifetime,
            "grouping": grouping,
            "account": self.account,
            "weight": None,
            "locked": False,
            "notify": "N",
            "purge_replicas": False,
            "ignore_availability": False,
            "asynchronous": False,
            "priority": 3,
            "ask_approval": False,
        }
        return self._request("POST", "/rules/", body=body).json()  # type: ignore[no-any-return]

    def get_replication_rule(self, rule_id: str) -> dict[str, Any]:
        return self._request("GET", f"/rules/{rule_id}").json()  # type: ignore[no-any-return]

    def list_did_rules(self, scope: str, name: str) -> Iterator[dict[str, Any]]:
        return self._stream("GET", _did_path(scope, name) + "/rules")

    def list_account_rules(self, account: str) -> Iterator[dict[str, Any]]:
        return self._stream("GET", f"/accounts/{account}/rules")

    def delete_replication_rule(self, rule_id: str) -> None:
        self._request("DELETE", f"/rules/{rule_id}", body={"purge_replicas": None})

    def set_local_account_limit(self, account: str, rse: str, nbytes: int) -> None:
        self._request("POST", f"/accounts/{account}/limits/local/{rse}", body={"bytes": nbytes})


def _did_path(scope: str, name: str) -> str:
    return f"/dids/{quote_plus(scope)}/{quote_plus(name)}"


def _raise_for_rucio_error(response: httpx.Response) -> None:
    if response.is_success:
        return
    name, message = _error_fields(response)
    error_class = getattr(lake_errors, name, None)
    if isinstance(error_class, type) and issubclass(error_class, errors.OpenVREError):
        raise error_class(message)
    if name == "CannotAuthenticate" or response.status_code == 401:
        raise errors.InvalidToken(message or "the data lake refused the credentials")
    if name == "AccountNotFound":
        raise errors.AccountNotFound(message)
    raise errors.OpenVREError(f"{name}: {message}" if name else f"HTTP {response.status_code} from the data lake")


def _error_fields(response: httpx.Response) -> tuple[str, str]:
    try:
        body = json.loads(response.content)
        if isinstance(body, dict) and "ExceptionClass" in body:
            return str(body["ExceptionClass"]), str(body.get("ExceptionMessage", ""))
    except ValueError:
        pass
    return response.headers.get("ExceptionClass", ""), response.headers.get("ExceptionMessage", response.text[:300])
