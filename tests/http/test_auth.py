"""Every API needs a valid token; errors are RFC 9457 problem+json that say what was wrong."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from openvre.db import Database, utcnow
from openvre.identity._tables import TokenRow
from openvre.identity.login_throttle import FREE_FAILURES
from tests.conftest import USER_PASSWORD, make_token
from tests.http.test_portal import log_in as portal_log_in

PROBLEM = "application/problem+json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response, status: int, detail_contains: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert detail_contains in body["detail"]
    assert {"type", "title", "instance"} <= body.keys()
    return body


def test_health_needs_no_token_and_reports_services(app_client: TestClient) -> None:
    body = app_client.get("/health").json()
    assert body["status"] == "ok"
    assert body["database"] == {"status": "ok", "backend": "sqlite"}
    assert set(body["services"]) == {"datalake", "workflows", "repository"}
    assert body["services"]["datalake"]["kind"] == "embedded"
    assert body["services"]["datalake"]["base_url"] == "http://testserver/rucio"
    assert body["workspace"]["status"] == "off" and body["workspace"]["open_url"] is None


def test_no_token_is_401_with_a_hint(app_client: TestClient) -> None:
    response = app_client.get("/api/v1/whoami")
    assert_problem(response, 401, "Authorization: Bearer")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Basic YWxpY2U6eA==", "Bearer", "Bearer    "])
def test_malformed_authorization_is_401(app_client: TestClient, header: str) -> None:
    assert_problem(app_client.get("/api/v1/whoami", headers={"Authorization": header}), 401, "Bearer")


def test_bad_token_is_401(app_client: TestClient) -> None:
    assert_problem(app_client.get("/api/v1/whoami", headers=bearer("vre_forged")), 401, "not valid")


def test_valid_token_identifies_the_account(app_client: TestClient, alice_token: str) -> None:
    response = app_client.get("/api/v1/whoami", headers=bearer(alice_token))
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    assert "password_hash" not in response.json()


def test_revoked_token_is_401(app_client: TestClient, alice_token: str) -> None:
    tokens = app_client.get("/api/v1/tokens", headers=bearer(alice_token)).json()
    response = app_client.delete(f"/api/v1/tokens/{tokens[0]['id']}", headers=bearer(alice_token))
    assert response.status_code == 200 and response.json()["revoked_at"] is not None
    assert_problem(app_client.get("/api/v1/whoami", headers=bearer(alice_token)), 401, "revoked")


def test_expired_token_is_401(app_client: TestClient, app_database: Database, alice_token: str) -> None:
    with app_database.transaction() as session:
        session.execute(update(TokenRow).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert_problem(app_client.get("/api/v1/whoami", headers=bearer(alice_token)), 401, "expired")


def test_non_admin_on_admin_route_is_403(app_client: TestClient, alice_token: str) -> None:
    assert_problem(app_client.get("/api/v1/accounts", headers=bearer(alice_token)), 403, "administrator")
    response = app_client.post("/api/v1/accounts", headers=bearer(alice_token), json={"username": "mallory"})
    assert_problem(response, 403, "administrator")


def test_admin_creates_and_lists_accounts(app_client: TestClient, admin_token: str) -> None:
    body = {"username": "bob", "password": "bob-password", "email": "bob@example.org"}
    created = app_client.post("/api/v1/accounts", headers=bearer(admin_token), json=body)
    assert created.status_code == 201
    assert created.json()["username"] == "bob"
    names = [a["username"] for a in app_client.get("/api/v1/accounts", headers=bearer(admin_token)).json()]
    assert names == ["admin", "bob"]
    assert_problem(app_client.post("/api/v1/accounts", headers=bearer(admin_token), json=body), 409, "already exists")


def test_field_errors_name_the_field(app_client: TestClient, admin_token: str) -> None:
    response = app_client.post("/api/v1/accounts", headers=bearer(admin_token), json={"username": "Bad Name"})
    body = assert_problem(response, 400, "lowercase letters")
    assert body["field"] == "username"
    response = app_client.post("/api/v1/accounts", headers=bearer(admin_token), json={"email": "x@y.z"})
    body = assert_problem(response, 422, "username")
    assert body["errors"] == [{"field": "username", "message": "Field required"}]


def test_users_see_only_themselves(app_client: TestClient, alice_token: str, admin_token: str) -> None:
    assert app_client.get("/api/v1/accounts/alice", headers=bearer(alice_token)).status_code == 200
    assert_problem(app_client.get("/api/v1/accounts/admin", headers=bearer(alice_token)), 403, "may not act")
    assert app_client.get("/api/v1/accounts/alice", headers=bearer(admin_token)).status_code == 200


def test_token_api_shows_the_secret_once(app_client: TestClient, alice_token: str) -> None:
    created = app_client.post("/api/v1/tokens", headers=bearer(alice_token), json={"name": "ci", "lifetime_days": 7})
    assert created.status_code == 201
    secret = created.json()["token"]
    assert app_client.get("/api/v1/whoami", headers=bearer(secret)).json()["username"] == "alice"
    listed = app_client.get("/api/v1/tokens", headers=bearer(alice_token)).json()
    assert {t["name"] for t in listed} == {"tests", "ci"}
    assert all("token" not in t for t in listed)
    assert secret not in app_client.get("/api/v1/tokens", headers=bearer(alice_token)).text


def test_nobody_revokes_another_users_token(app_client: TestClient, app_database: Database, alice_token: str) -> None:
    admin_secret = make_token(app_database, "admin")
    admin_tokens = app_client.get("/api/v1/tokens", headers=bearer(admin_secret)).json()
    response = app_client.delete(f"/api/v1/tokens/{admin_tokens[0]['id']}", headers=bearer(alice_token))
    assert_problem(response, 404, "no token")
    assert app_client.get("/api/v1/whoami", headers=bearer(admin_secret)).status_code == 200


def test_unknown_path_is_a_problem_404(app_client: TestClient) -> None:
    assert_problem(app_client.get("/api/v1/nothing-here"), 404, "nothing is served at /api/v1/nothing-here")


def test_unexpected_errors_hide_the_traceback(app_client: TestClient, alice_token: str) -> None:
    def explode() -> None:
        raise RuntimeError("secret internal detail")

    app_client.app.add_api_route("/api/v1/explode", explode)  # type: ignore[attr-defined]
    client = TestClient(app_client.app, raise_server_exceptions=False)
    body = assert_problem(client.get("/api/v1/explode"), 500, "unexpected error")
    assert "secret internal detail" not in str(body) and "Traceback" not in str(body)
    assert len(body["error_id"]) == 12


def test_login_with_the_password_gives_a_working_named_token(app_client: TestClient, alice: str) -> None:
    body = {"username": alice, "password": USER_PASSWORD, "name": "JupyterLab workspace", "lifetime_days": 2}
    created = app_client.post("/api/v1/login", json=body)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert answer["name"] == "JupyterLab workspace" and answer["active"] is True
    assert app_client.get("/api/v1/whoami", headers=bearer(answer["token"])).json()["username"] == alice


def test_login_with_a_wrong_password_is_401_and_makes_no_token(
    app_client: TestClient, app_database: Database, alice: str
) -> None:
    refused = app_client.post("/api/v1/login", json={"username": alice, "password": "not-it"})
    assert_problem(refused, 401, "")
    listed = app_client.get("/api/v1/tokens", headers=bearer(make_token(app_database, alice))).json()
    assert [token["name"] for token in listed] == ["tests"]  # only the one this test made to look


def test_password_guessing_gets_429_with_retry_after_on_every_login_route(app_client: TestClient, alice: str) -> None:
    for _ in range(FREE_FAILURES):
        assert_problem(app_client.post("/api/v1/login", json={"username": alice, "password": "guess"}), 401, "")
    throttled = app_client.post("/api/v1/login", json={"username": alice, "password": USER_PASSWORD})
    body = assert_problem(throttled, 429, "try again in 2 s")
    assert throttled.headers["retry-after"] == "2" and "token" not in body
    rucio = app_client.get(
        "/rucio/auth/userpass",
        headers={"X-Rucio-Account": alice, "X-Rucio-Username": alice, "X-Rucio-Password": USER_PASSWORD},
    )
    assert rucio.status_code == 401 and rucio.headers["ExceptionClass"] == "CannotAuthenticate"
    assert "too many wrong passwords" in rucio.json()["ExceptionMessage"]
    portal = portal_log_in(app_client, alice)
    assert portal.status_code == 429 and "try again in" in portal.text and "openvre_session" not in portal.cookies
