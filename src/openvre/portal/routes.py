"""Portal pages: the lifecycle overview, login/logout and the profile with API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from openvre import __version__, identity
from openvre.errors import InvalidCredentials, InvalidInput, TooManyFailedLogins
from openvre.identity import BrowserLogin
from openvre.portal.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    current_login,
    safe_next,
    set_cookie,
)
from openvre.services import SERVICES, service_statuses
from openvre.web.deps import DbSession, LoginThrottleDep, SettingsDep
from openvre.web.health import public_base_url

TEMPLATES_DIR = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")
templates = Jinja2Templates(directory=TEMPLATES_DIR)

router = APIRouter(include_in_schema=False)

LIFECYCLE = (
    ("discover", "Discover", "Find scopes, files, datasets and containers by name and metadata."),
    ("access", "Access", "Replicas and replication rules bring data where your notebook runs."),
    ("analyse", "Analyse", "Work interactively in JupyterLab with the data injected into notebooks."),
    ("reproduce", "Reproduce", "Rerun the analysis as a declared reana.yaml workflow and follow it."),
    ("preserve", "Preserve", "Publish code, data, workflow and results with a DOI."),
)


def render(request: Request, name: str, login: BrowserLogin | None, status: int = 200, **context: Any) -> Response:
    return templates.TemplateResponse(
        request, name, {"login": login, "version": __version__, **context}, status_code=status
    )


def render_error(request: Request, status: int, title: str, detail: str) -> Response:
    return templates.TemplateResponse(
        request,
        "error.html",
        {"login": None, "version": __version__, "status": status, "title": title, "detail": detail},
        status_code=status,
    )


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: DbSession, settings: SettingsDep) -> Response:
    mounted: frozenset[str] = request.app.state.mounted_services
    statuses = {s.name: s for s in service_statuses(settings, public_base_url(request, settings), mounted)}
    stages = []
    for key, title, summary in LIFECYCLE:
        service = next((s for s in SERVICES if key in s.stages), None)
        stages.append(
            {
                "key": key,
                "title": title,
                "summary": summary,
                "service": service,
                "status": statuses[service.name] if service else None,
            }
        )
    lab_running = request.app.state.lab is not None
    return render(request, "home.html", current_login(request, session), stages=stages, lab_running=lab_running)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: DbSession, next: str | None = None) -> Response:
    login = current_login(request, session)
    if login is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    csrf = secrets.token_urlsafe(32)
    response = render(request, "login.html", None, csrf_token=csrf, next=safe_next(next))
    set_cookie(request, response, LOGIN_CSRF_COOKIE, csrf, max_age=3600)
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DbSession,
    settings: SettingsDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()],
    throttle: LoginThrottleDep,
    next: Annotated[str, Form()] = "/profile",
) -> Response:
    check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token)
    try:
        with throttle.attempt(username):
            account = identity.authenticate_password(session, username.strip(), password)
    except InvalidCredentials as error:
        return render(
            request,
            "login.html",
            None,
            status=429 if isinstance(error, TooManyFailedLogins) else 401,
            error=error.message,
            csrf_token=csrf_token,
            next=safe_next(next),
            username=username,
        )
    lifetime = timedelta(hours=settings.session_lifetime_hours)
    started = identity.start_browser_session(session, account.username, lifetime)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_cookie(request, response, SESSION_COOKIE, started.cookie_secret, int(lifetime.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, csrf_token: Annotated[str, Form()]) -> Response:
    login = current_login(request, session)
    if login is not None:
        check_csrf(login.csrf_token, csrf_token)
        identity.end_browser_session(session, request.cookies[SESSION_COOKIE])
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/profile", response_class=HTMLResponse)
def profile(request: Request, session: DbSession) -> Response:
    login = current_login(request, session)
    if login is None:
        return RedirectResponse("/login?next=/profile", status_code=303)
    return _profile_page(request, session, login)


@router.post("/profile/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    session: DbSession,
    settings: SettingsDep,
    name: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()],
    lifetime_days: Annotated[int | None, Form()] = None,
) -> Response:
    login = current_login(request, session)
    if login is None:
        return RedirectResponse("/login?next=/profile", status_code=303)
    check_csrf(login.csrf_token, csrf_token)
    days = lifetime_days or settings.token_lifetime_days
    try:
        if not 1 <= days <= 3650:
            raise InvalidInput("a token lives between 1 and 3650 days", field="lifetime_days")
        created = identity.create_token(session, login.account.username, name, timedelta(days=days))
    except InvalidInput as error:
        return _profile_page(request, session, login, status=400, error=error.message)
    # Rendered, not redirected: the secret must never appear in a URL or be shown twice.
    return _profile_page(request, session, login, status=201, created=created)


@router.post("/profile/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, session: DbSession, csrf_token: Annotated[str, Form()]) -> Response:
    login = current_login(request, session)
    if login is None:
        return RedirectResponse("/login?next=/profile", status_code=303)
    check_csrf(login.csrf_token, csrf_token)
    identity.revoke_token(session, login.account.username, token_id)
    return RedirectResponse("/profile", status_code=303)


def _profile_page(
    request: Request, session: DbSession, login: BrowserLogin, status: int = 200, **context: Any
) -> Response:
    tokens = identity.list_tokens(session, login.account.username)
    return render(request, "profile.html", login, status=status, tokens=tokens, **context)
