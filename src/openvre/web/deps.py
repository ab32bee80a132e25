"""FastAPI dependencies: settings, database sessions, the current account and permission checks.

Routes declare what they need (``CurrentAccount``, ``Allowed("create_account")``) instead of checking
roles themselves, so the policy lives in ``openvre.identity.policy`` alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from openvre.db import Database
from openvre.errors import InvalidToken, PermissionDenied
from openvre.identity import Account, authenticate_token, may
from openvre.identity.login_throttle import LoginThrottle, throttle_for
from openvre.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    """One transaction per request, committed before the response leaves (scope="function").

    SQLite's write lock is taken at the first query, so routes using it are plain ``def`` (run in the
    thread pool): an ``async`` route would wait for the lock on the event loop, where the request holding
    it can never finish. Async routes (streamed uploads) open their transactions in the thread pool.
    """
    with database.transaction() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def bearer_token(request: Request) -> str:
    """The token from ``Authorization: Bearer ...``; clear errors for the common mistakes."""
    header = request.headers.get("authorization", "")
    if not header:
        raise InvalidToken(
            "this endpoint needs an API token: send 'Authorization: Bearer <token>' "
            "(create one on your profile page or with `vre token create`)"
        )
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("malformed Authorization header: expected 'Authorization: Bearer <token>'")
    return token.strip()


def get_login_throttle(database: DatabaseDep) -> LoginThrottle:
    return throttle_for(database)


LoginThrottleDep = Annotated[LoginThrottle, Depends(get_login_throttle)]


def get_current_account(request: Request, database: DatabaseDep) -> Account:
    token = bearer_token(request)
    with database.transaction() as session:
        return authenticate_token(session, token)


CurrentAccount = Annotated[Account, Depends(get_current_account)]


def Allowed(action: str, target_param: str | None = None) -> Callable[..., Account]:
    """A dependency that yields the current account if the policy allows ``action``.

    ``target_param`` names the path parameter the action applies to (e.g. ``username``); without it
    the action's target is the caller's own account.
    """

    def check(request: Request, account: CurrentAccount) -> Account:
        target = request.path_params.get(target_param) if target_param else account.username
        decision = may(account, action, target)
        if not decision:
            raise PermissionDenied(decision.reason)
        return account

    return check
