"""`GET /lab` in-process, for the cases a running lab cannot show: none started, or not answering.

The whole flow with a real JupyterLab is in tests/integration/test_vre_up_lab.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from openvre import identity
from openvre.app import create_app
from openvre.db import Database
from openvre.jupyter.lab_process import LabInfo
from openvre.settings import Settings
from tests.http.test_portal import log_in
from tests.support.vre_server import free_port


@pytest.fixture
def unreachable_lab_client(settings: Settings) -> Iterator[TestClient]:
    lab = LabInfo(f"http://127.0.0.1:{free_port()}/", "jupyter-token", settings.home / "lab")
    with TestClient(create_app(settings, lab=lab)) as client:
        yield client


def test_without_a_lab_the_page_says_how_to_start_one(app_client: TestClient, alice: str) -> None:
    log_in(app_client)
    assert 'id="open-lab"' not in app_client.get("/").text
    page = app_client.get("/lab")
    assert page.status_code == 503
    assert "JupyterLab is not running" in page.text and "--no-lab" in page.text


def test_not_logged_in_goes_to_the_login_page_and_back(app_client: TestClient) -> None:
    answer = app_client.get("/lab", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/lab"


def test_a_lab_not_answering_yet_gets_a_retrying_page_and_no_token_is_left(
    unreachable_lab_client: TestClient,
) -> None:
    database: Database = unreachable_lab_client.app.state.database  # type: ignore[attr-defined]
    with database.transaction() as session:
        identity.create_account(session, identity.NewAccount("bob", "bob-password-for-tests"))
    log_in(unreachable_lab_client, "bob", "bob-password-for-tests")
    assert 'id="open-lab"' in unreachable_lab_client.get("/").text
    page = unreachable_lab_client.get("/lab")
    assert page.status_code == 503
    assert "not answering yet" in page.text and 'http-equiv="refresh"' in page.text
    with database.transaction() as session:
        tokens = identity.list_tokens(session, "bob")
    assert [(token.name, token.is_active) for token in tokens] == [("jupyterlab", False)]
