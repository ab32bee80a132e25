"""The same Data Lake panel against a real Rucio 41.5.1 server instead of the embedded lake.

`vre up` runs with ``OPENVRE_DATALAKE__URL`` pointing at the real server (user name and password in the
settings, SITE_A as the session's RSE: a POSIX directory on this machine), so the panel's calls go
through openvre's Jupyter server extension to Rucio's own REST API. Smaller than the embedded tour:
search, availability words, details with replicas, and a file added to a notebook and read there.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot
from tests.browser.workspace import open_lab, open_panel
from tests.support.rucio_server import RucioServer
from tests.support.vre_server import VRE, VreServer, start_vre

pytestmark = [pytest.mark.browser, pytest.mark.rucio_server]


@pytest.fixture(scope="module")
def rucio(real_rucio: RucioServer) -> RucioServer:
    """The suite's one real Rucio server (tests/conftest.py): starting one takes 10-15 s."""
    return real_rucio


def remote_settings(server: RucioServer) -> dict[str, str]:
    return {
        "OPENVRE_DATALAKE__URL": server.url,
        "OPENVRE_DATALAKE__USERNAME": server.username,
        "OPENVRE_DATALAKE__PASSWORD": server.password,
        "OPENVRE_DATALAKE__ACCOUNT": server.account,
        "OPENVRE_DATALAKE__LOCAL_RSE": "SITE_A",
    }


def upload(server: RucioServer, home: Path, path: Path, rse: str) -> None:
    """`vre data upload` to the real server: the same command a user runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENVRE_")}
    env |= {"OPENVRE_HOME": str(home), **remote_settings(server), "NO_COLOR": "1"}
    command = [str(VRE), "data", "upload", str(path), "--rse", rse, "--scope", server.scope]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def lab_on_real_rucio(
    rucio: RucioServer, browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Page, VreServer]]:
    work = tmp_path_factory.mktemp("remote-lab")
    for name, rse in (("near.csv", "SITE_A"), ("far.csv", "SITE_B")):
        source = work / name
        source.write_text("x,y\n" + "".join(f"{i},{i * i}\n" for i in range(100)))
        upload(rucio, work / "client-home", source, rse)
    server = start_vre(work / "home", "--demo", lab=True, env=remote_settings(rucio))
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/login?next=/lab")
    page.fill("#username", "demo")
    page.fill("#password", server.demo_password())
    page.click("#login-submit")
    assert server.lab_url is not None
    open_lab(page, server.lab_url)
    yield page, server
    context.close()
    server.stop()


def test_search_shows_availability_from_the_real_server(
    lab_on_real_rucio: tuple[Page, VreServer], rucio: RucioServer
) -> None:
    page, _server = lab_on_real_rucio
    panel = open_panel(page, "openvre-data")
    search = panel.get_by_test_id("data-search")
    search.fill(f"{rucio.scope}:*.csv")
    search.press("Enter")
    near = panel.locator(f"[data-testid=did-row][data-did='{rucio.scope}:near.csv']")
    far = panel.locator(f"[data-testid=did-row][data-did='{rucio.scope}:far.csv']")
    expect(near.get_by_test_id("did-state")).to_have_attribute("data-state", "available")
    expect(far.get_by_test_id("did-state")).to_have_attribute("data-state", "not_available")
    screenshot(page, "remote-rucio-search")

    far.click()
    details = panel.get_by_test_id("did-details")
    expect(details).to_contain_text("SITE_B")


def test_a_file_on_the_session_rse_goes_into_a_notebook(
    lab_on_real_rucio: tuple[Page, VreServer], rucio: RucioServer
) -> None:
    page, _server = lab_on_real_rucio
    page.locator(".jp-LauncherCard[data-category='Notebook']").first.click()
    expect(page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(
        1, timeout=60_000
    )
    panel = open_panel(page, "openvre-data")
    search = panel.get_by_test_id("data-search")
    search.fill(f"{rucio.scope}:near.csv")
    search.press("Enter")
    panel.locator(f"[data-testid=did-row][data-did='{rucio.scope}:near.csv']").click()
    panel.get_by_test_id("add-to-notebook").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator("input")).to_have_value("near_csv")
    dialog.locator(".jp-mod-accept").click()
    expect(
        page.get_by_text(f"Added {rucio.scope}:near.csv to the notebook")
    ).to_be_visible()  # the kernel has the variable
    cell = page.locator(".jp-NotebookPanel .jp-Cell").first
    cell.locator(".cm-content").click()
    page.keyboard.type("print(open(near_csv).read().count(chr(10)), near_csv)")
    page.keyboard.press("Shift+Enter")
    output = cell.locator(".jp-OutputArea-output")
    expect(output).to_contain_text("101 ")
    assert str(rucio.rses["SITE_A"]) in output.inner_text()  # read in place from the RSE, not copied
    screenshot(page, "remote-rucio-notebook")
