"""``GET /lab``: one click from the portal into JupyterLab, logged in to openvre there too.

The portal creates an API token for the logged-in user (named ``jupyterlab``, living as long as a
portal login), hands it server to server to the lab's ``POST openvre/api/session/token`` (authorized
with the lab's Jupyter token), and redirects the browser to ``<lab>/lab?token=<Jupyter token>``, which
JupyterLab turns into its own cookie. The openvre token never reaches the browser: the lab keeps it on
the server for its panels and kernels.

Each step has its own short transaction: the token must be committed before the lab checks it against
this server (a request holding SQLite's write lock while waiting for that check would wait for itself).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openvre import identity
from openvre.db import Database
from openvre.portal.auth import current_login
from openvre.portal.routes import render
from openvre.web.deps import DatabaseDep, SettingsDep

if TYPE_CHECKING:
    from openvre.jupyter.lab_process import LabInfo

TOKEN_NAME = "jupyterlab"  # noqa: S105 - the token's name on the profile page, not a secret
HAND_OVER_TIMEOUT = 30.0

router = APIRouter(include_in_schema=False)


class LabUnavailable(Exception):
    """The lab did not take the token; ``reason`` says why in the user's words."""

    def __init__(self, reason: str, starting: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.starting = starting


@router.get("/lab", response_class=HTMLResponse)
def open_lab(request: Request, database: DatabaseDep, settings: SettingsDep) -> Response:
    with database.transaction() as session:
        login = current_login(request, session)
    if login is None:
        return RedirectResponse("/login?next=/lab", status_code=303)
    lab: LabInfo | None = request.app.state.lab
    if lab is None:
        return render(request, "lab.html", login, status=503, lab_running=False)
    username = login.account.username
    lifetime = timedelta(hours=settings.session_lifetime_hours)
    with database.transaction() as session:
        created = identity.create_token(session, username, TOKEN_NAME, lifetime)
    try:
        hand_over(lab, created.secret)
    except LabUnavailable as problem:
        _revoke(database, username, created.token.id)
        return render(
            request, "lab.html", login, status=503, lab_running=True, reason=problem.reason, starting=problem.starting
        )
    return RedirectResponse(lab.api(f"lab?token={lab.token}"), status_code=303)


def hand_over(lab: LabInfo, token: str) -> None:
    """Give the lab's openvre session ``token``; the lab checks it against this server before keeping it."""
    try:
        answer = httpx.post(
            lab.api("openvre/api/session/token"),
            json={"token": token},
            headers={"Authorization": f"token {lab.token}"},
            timeout=HAND_OVER_TIMEOUT,
        )
    except httpx.TransportError:
        raise LabUnavailable(
            "JupyterLab is not answering yet: it takes a few seconds after `vre up` starts "
            "(if this lasts, its log in $OPENVRE_HOME/logs/jupyterlab.log says why)",
            starting=True,
        ) from None
    if answer.status_code == 404:
        raise LabUnavailable(
            "this JupyterLab has no openvre extension (openvre.jupyter); reinstall openvre and restart `vre up`"
        )
    if answer.status_code != 200:
        raise LabUnavailable(f"JupyterLab refused the login ({answer.status_code}); see logs/jupyterlab.log")


def _revoke(database: Database, username: str, token_id: int) -> None:
    with database.transaction() as session:
        identity.revoke_token(session, username, token_id)
