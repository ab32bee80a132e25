"""The portal: lifecycle overview, login with CSRF-protected forms, tokens on the profile page."""

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import USER_PASSWORD


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the form carries no CSRF token"
    return match.group(1)


def log_in(client: TestClient, username: str = "alice", password: str = USER_PASSWORD, next_: str = "/profile"):  # type: ignore[no-untyped-def]
    page = client.get(f"/login?next={next_}")
    form = {"username": username, "password": password, "csrf_token": csrf_of(page.text), "next": next_}
    return client.post("/login", data=form, follow_redirects=False)


def test_home_shows_the_lifecycle_and_where_each_stage_lives(app_client: TestClient) -> None:
    page = app_client.get("/")
    assert page.status_code == 200
    titles = re.findall(r'<li class="stage" id="stage-(\w+)"', page.text)
    assert titles == ["discover", "access", "analyse", "reproduce", "preserve"]
    assert "http://testserver/rucio" in page.text and "reana-client" in page.text
    assert "https://" not in re.sub(r'href="https?://testserver', "", page.text.split("<main>")[0])  # no CDN


def test_login_sets_a_session_and_shows_the_profile(app_client: TestClient, alice: str) -> None:
    response = log_in(app_client)
    assert response.status_code == 303 and response.headers["location"] == "/profile"
    cookie = response.headers["set-cookie"]
    assert "openvre_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    profile = app_client.get("/profile")
    assert 'id="profile-username">alice<' in profile.text


def test_wrong_password_says_so_and_sets_no_session(app_client: TestClient, alice: str) -> None:
    response = log_in(app_client, password="wrong password")
    assert response.status_code == 401
    assert "wrong user name or password" in response.text
    assert "openvre_session" not in response.cookies


def test_login_without_the_csrf_cookie_is_refused(app_client: TestClient, alice: str) -> None:
    page = app_client.get("/login")
    app_client.cookies.clear()
    form = {"username": "alice", "password": USER_PASSWORD, "csrf_token": csrf_of(page.text)}
    response = app_client.post("/login", data=form, headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert "did not come from this site" in response.text
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("target", ["//evil.example.org", "https://evil.example.org", "/\\evil"])
def test_login_never_redirects_off_site(app_client: TestClient, alice: str, target: str) -> None:
    assert log_in(app_client, next_=target).headers["location"] == "/profile"


def test_profile_needs_a_login(app_client: TestClient) -> None:
    response = app_client.get("/profile", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/profile"


def test_token_is_created_shown_once_and_revoked(app_client: TestClient, alice: str) -> None:
    log_in(app_client)
    profile = app_client.get("/profile")
    created = app_client.post("/profile/tokens", data={"name": "notebook", "csrf_token": csrf_of(profile.text)})
    assert created.status_code == 201
    secret = re.search(r'<code id="new-token">([^<]+)</code>', created.text).group(1)  # type: ignore[union-attr]
    assert app_client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    again = app_client.get("/profile")
    assert secret not in again.text and "notebook" in again.text
    token_id = re.search(r'data-token-id="(\d+)"', again.text).group(1)  # type: ignore[union-attr]
    app_client.post(f"/profile/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(again.text)})
    assert "revoked" in app_client.get("/profile").text
    assert app_client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_forms_with_a_forged_csrf_token_change_nothing(app_client: TestClient, alice: str) -> None:
    log_in(app_client)
    response = app_client.post("/profile/tokens", data={"name": "forged", "csrf_token": "guess"})
    assert response.status_code == 403
    assert "forged" not in app_client.get("/profile").text


def test_logout_ends_the_session_on_the_server(app_client: TestClient, alice: str) -> None:
    log_in(app_client)
    stolen_cookie = app_client.cookies.get("openvre_session")
    profile = app_client.get("/profile")
    app_client.post("/logout", data={"csrf_token": csrf_of(profile.text)})
    app_client.cookies.set("openvre_session", stolen_cookie)  # type: ignore[arg-type]
    assert app_client.get("/profile", follow_redirects=False).status_code == 303


def test_html_error_page_for_browsers(app_client: TestClient) -> None:
    response = app_client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "<html" in response.text and "nothing is served at /no-such-page" in response.text
