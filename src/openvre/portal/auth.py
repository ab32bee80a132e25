"""Portal logins: the session cookie, and CSRF checks for every form that changes something.

Logged-in forms carry the session's synchronizer token; the login form, which comes before any
session, uses a double-submit cookie so nobody can log a victim into the attacker's account.
"""

from __future__ import annotations

import secrets

from fastapi import Request, Response
from sqlalchemy.orm import Session

from openvre.errors import InvalidToken, PermissionDenied
from openvre.identity import BrowserLogin, resolve_browser_session

SESSION_COOKIE = "openvre_session"
LOGIN_CSRF_COOKIE = "openvre_login_csrf"


def current_login(request: Request, session: Session) -> BrowserLogin | None:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    try:
        return resolve_browser_session(session, secret)
    except InvalidToken:
        return None


def check_csrf(expected: str | None, submitted: str | None) -> None:
    if not expected or not submitted or not secrets.compare_digest(expected, submitted):
        raise PermissionDenied("the form has expired or did not come from this site; reload the page and retry")


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def safe_next(target: str | None) -> str:
    """Only same-site paths may follow a login, so the login page cannot be used as an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/profile"
