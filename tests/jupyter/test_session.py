"""Logging in to openvre from JupyterLab: nothing usable before, nothing kept after a wrong password."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx

from openvre.identity.login_throttle import FREE_FAILURES
from tests.support.jupyter_server import JupyterServer, start_jupyter
from tests.support.vre_server import VRE, VreServer, free_port


def test_every_service_route_says_how_to_log_in_first(jupyter: JupyterServer) -> None:
    session = jupyter.api("GET", "session").json()
    assert session["logged_in"] is False and session["account"] is None
    assert session["services"]["datalake"]["kind"] == "embedded"
    assert session["local_rse"] == "LOCAL"
    for method, route in (("GET", "data/scopes"), ("GET", "workflows"), ("GET", "publish/records")):
        answer = jupyter.api(method, route)
        assert answer.status_code == 401, (route, answer.text)
        body = answer.json()
        assert body["error"] == "NotLoggedIn"
        assert body["message"].startswith("log in to openvre in the panel")


def test_jupyter_token_protects_the_routes(jupyter: JupyterServer) -> None:
    answer = httpx.get(f"{jupyter.url}/openvre/api/session")
    assert answer.status_code == 403


def test_wrong_password_is_401_and_keeps_nothing(jupyter: JupyterServer) -> None:
    answer = jupyter.api("POST", "session", json={"username": "demo", "password": "not-the-password"})
    assert answer.status_code == 401
    assert answer.json()["error"] == "InvalidCredentials"
    assert "wrong user name or password" in answer.json()["message"]
    assert jupyter.api("GET", "session").json()["logged_in"] is False


def test_guessing_passwords_from_the_lab_is_slowed_like_anywhere_else(jupyter: JupyterServer) -> None:
    guess = {"username": "someone-guessed-at", "password": "guess-number-n"}
    assert {jupyter.api("POST", "session", json=guess).status_code for _ in range(FREE_FAILURES)} == {401}
    throttled = jupyter.api("POST", "session", json=guess)
    assert throttled.status_code == 429, throttled.text
    assert throttled.json()["error"] == "TooManyFailedLogins" and "try again in" in throttled.json()["message"]
    assert jupyter.api("GET", "session").json()["logged_in"] is False


def test_missing_password_is_400_naming_the_field(jupyter: JupyterServer) -> None:
    answer = jupyter.api("POST", "session", json={"username": "demo"})
    assert answer.status_code == 400
    assert answer.json()["fields"][0]["field"] == "password"


def test_a_refused_token_is_not_kept(jupyter: JupyterServer) -> None:
    answer = jupyter.api("POST", "session/token", json={"token": "vre_not-a-token"})
    assert answer.status_code == 401
    assert jupyter.api("GET", "session").json()["logged_in"] is False


def test_login_gives_a_session_for_every_service(logged_in: JupyterServer) -> None:
    session = logged_in.api("GET", "session").json()
    assert session["logged_in"] is True and session["account"] == "demo"
    assert all(service["ready"] for service in session["services"].values())
    assert session["root_dir"] == str(logged_in.root.resolve())


def workspace_token_states(vre: VreServer) -> list[str]:
    """The states of the demo account's "JupyterLab workspace" tokens, as `vre token list` shows them."""
    listed = subprocess.run(
        [str(VRE), "token", "list", "--user", "demo", "--home", str(vre.home)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    ).stdout
    return [line.strip("│ ").split()[-1] for line in listed.splitlines() if "JupyterLab workspace" in line]


def test_logout_then_a_token_handed_over_logs_in_again(
    logged_in: JupyterServer, vre: VreServer, demo_password: str
) -> None:
    """The portal's "Open JupyterLab" hands a token over; the workspace checks it before keeping it."""
    login = httpx.get(
        f"{vre.url}/rucio/auth/userpass",
        headers={"X-Rucio-Username": "demo", "X-Rucio-Password": demo_password, "X-Rucio-Account": "demo"},
    )
    token = login.headers["x-rucio-auth-token"]
    assert workspace_token_states(vre) == ["active"]
    out = logged_in.api("DELETE", "session").json()
    assert out["logged_in"] is False
    assert workspace_token_states(vre) == ["revoked"]  # the token the password login made
    assert logged_in.api("GET", "data/scopes").status_code == 401
    back = logged_in.api("POST", "session/token", json={"token": token})
    assert back.status_code == 200, back.text
    assert back.json()["account"] == "demo"
    assert logged_in.api("GET", "data/scopes").status_code == 200


def test_a_remote_rucio_with_a_password_counts_as_logged_in_for_data(
    vre: VreServer, demo_password: str, tmp_path: Path
) -> None:
    """OPENVRE_DATALAKE__USERNAME/PASSWORD of a Rucio server: data works with no openvre login, nothing else."""
    remote = {
        "OPENVRE_DATALAKE__URL": f"{vre.url}/rucio",
        "OPENVRE_DATALAKE__USERNAME": "demo",
        "OPENVRE_DATALAKE__PASSWORD": demo_password,
    }
    server = start_jupyter(tmp_path / "root", vre_home=vre.home, vre_url=vre.url, env=remote)
    try:
        session = server.api("GET", "session").json()
        assert session["logged_in"] is False and session["local_rse"] is None
        assert session["services"]["datalake"] == {"kind": "remote", "url": f"{vre.url}/rucio", "ready": True}
        assert "user.demo" in server.api("GET", "data/scopes").json()["scopes"]
        assert server.api("GET", "workflows").status_code == 401
        no_rse = server.api("POST", "data/availability", json={"dids": ["user.demo:dimuon-2012"]})
        assert no_rse.status_code == 400 and "OPENVRE_DATALAKE__LOCAL_RSE" in no_rse.json()["message"]
    finally:
        server.stop()


def test_an_openvre_server_that_does_not_answer_is_502(vre: VreServer, tmp_path: Path) -> None:
    silent = f"http://127.0.0.1:{free_port()}"
    server = start_jupyter(tmp_path / "root", vre_home=vre.home, vre_url=silent)
    try:
        answer = server.api("POST", "session", json={"username": "demo", "password": "whatever-it-is"})
        assert answer.status_code == 502
        assert answer.json()["error"] == "ServiceUnreachable"
        assert silent in answer.json()["message"] and "vre up" in answer.json()["message"]
        assert server.api("GET", "session").json()["logged_in"] is False
    finally:
        server.stop()
