"""Rucio's login (``/auth/userpass``), token validation and ``/ping``.

A Rucio login hands out an ordinary openvre API token with Rucio's default one-hour lifetime, so
the same token works in openvre's own API and the official client can cache it as usual.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from openvre import identity
from openvre.datalake.rucio_api._wire import RucioCaller, rfc1123, rucio_json
from openvre.errors import InvalidCredentials, TooManyFailedLogins
from openvre.web.deps import DbSession, LoginThrottleDep

RUCIO_API_VERSION = "41.5.1"
LOGIN_LIFETIME = timedelta(hours=1)

router = APIRouter()


@router.get("/ping")
def ping() -> Response:
    return rucio_json({"version": RUCIO_API_VERSION})


@router.get("/auth/userpass")
def userpass_login(request: Request, session: DbSession, throttle: LoginThrottleDep) -> Response:
    username = request.headers.get("x-rucio-username", "")
    password = request.headers.get("x-rucio-password", "")
    account = request.headers.get("x-rucio-account", "") or username
    if account != username:
        raise InvalidCredentials(f"Cannot authenticate to account {account} with given credentials")
    try:
        with throttle.attempt(username):
            identity.authenticate_password(session, username, password)
    except TooManyFailedLogins as error:  # Rucio's clients show the message of a CannotAuthenticate
        raise InvalidCredentials(f"Cannot authenticate to account {account}: {error.message}") from None
    except InvalidCredentials:
        raise InvalidCredentials(f"Cannot authenticate to account {account} with given credentials") from None
    app_id = request.headers.get("x-rucio-appid") or "rucio"
    created = identity.create_token(session, username, f"rucio login ({app_id})", LOGIN_LIFETIME)
    headers = {
        "X-Rucio-Auth-Token": created.secret,
        "X-Rucio-Auth-Token-Expires": rfc1123(created.token.expires_at) or "",
        "X-Rucio-Auth-Account": username,
        "Access-Control-Expose-Headers": "X-Rucio-Auth-Token, X-Rucio-Auth-Token-Expires, X-Rucio-Auth-Account",
    }
    return Response(status_code=200, media_type="application/octet-stream", headers=headers)


@router.get("/auth/validate")
def validate_token(caller: RucioCaller) -> Response:
    return rucio_json({"account": caller.username, "identity": caller.username, "vo": "def"})
