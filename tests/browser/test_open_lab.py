"""One click from the portal into JupyterLab, in a real browser: logged in there, no news prompt."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.support.vre_server import VreServer, start_vre

pytestmark = pytest.mark.browser

PASSWORD = "browser-lab-admin-password"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[VreServer]:
    running = start_vre(tmp_path / "home", "--demo", env={"OPENVRE_ADMIN_PASSWORD": PASSWORD}, lab=True)
    yield running
    running.stop()


def test_open_jupyterlab_from_the_portal(page: Page, server: VreServer) -> None:
    page.goto(server.url + "/")
    page.click("#nav-login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.goto(server.url + "/")
    page.click("#open-lab")
    expect(page).to_have_url(f"{server.lab_url}/lab", timeout=30_000)  # Jupyter took its token, set its cookie
    expect(page.locator("#jp-main-dock-panel")).to_be_visible(timeout=60_000)
    expect(page.locator(".jp-DirListing-item[title*='dimuon']").first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(3000)  # the news prompt, when enabled, appears shortly after start
    assert page.get_by_text("Would you like to get notified").count() == 0
    screenshot(page, "lab-from-portal")
