"""A researcher logs into the portal in a real browser and creates an API token."""

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.support.vre_server import start_vre

pytestmark = pytest.mark.browser

PASSWORD = "browser-admin-password"


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    running = start_vre(tmp_path / "home", "--no-demo", env={"OPENVRE_ADMIN_PASSWORD": PASSWORD})
    yield running
    running.stop()


def test_log_in_and_create_a_token(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    page.goto(server.url + "/")
    expect(page.locator("li.stage h2")).to_have_text(
        ["1 Discover", "2 Access", "3 Analyse", "4 Reproduce", "5 Preserve"]
    )
    screenshot(page, "portal-home")

    page.click("#nav-login")
    page.fill("#username", "admin")
    page.fill("#password", "not the password")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_contain_text("wrong user name or password")

    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    expect(page).to_have_url(server.url + "/profile")
    expect(page.locator("#profile-username")).to_have_text("admin")

    page.fill("#token-name", "browser test")
    page.fill("#token-lifetime", "7")
    page.click("#token-create")
    token = page.locator("#new-token").inner_text()
    screenshot(page, "portal-profile-token")
    assert token.startswith("vre_")

    whoami = httpx.get(f"{server.url}/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert whoami.status_code == 200 and whoami.json()["username"] == "admin"

    page.reload()  # a reload re-posts nothing and never shows the secret again
    page.goto(server.url + "/profile")
    expect(page.locator("table.tokens")).to_contain_text("browser test")
    assert token not in page.content()

    page.click("#logout")
    page.goto(server.url + "/profile")
    expect(page).to_have_url(server.url + "/login?next=/profile")
