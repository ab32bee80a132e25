"""A researcher publishes a dataset in the portal with a real browser, and finds it on its landing page."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.support.vre_server import VreServer, start_vre

pytestmark = pytest.mark.browser

PASSWORD = "browser-admin-password"
DATA = b"energy,count\n" + b"1.0,42\n" * 300_000  # ~2 MB: enough for the upload to take several progress events


@pytest.fixture
def server(tmp_path: Path) -> Iterator[VreServer]:
    running = start_vre(tmp_path / "home", "--no-demo", env={"OPENVRE_ADMIN_PASSWORD": PASSWORD})
    yield running
    running.stop()


def test_deposit_fix_an_error_upload_and_publish(page: Page, server: VreServer, tmp_path: Path) -> None:
    spectra = tmp_path / "spectra.csv"
    spectra.write_bytes(DATA)
    md5 = hashlib.md5(DATA, usedforsecurity=False).hexdigest()

    page.goto(server.url + "/")
    page.click("#preserve-link")
    expect(page).to_have_url(server.url + "/login?next=/deposit")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    expect(page).to_have_url(server.url + "/deposit")

    page.click("#new-upload")
    expect(page.locator("#deposit-state")).to_have_text("draft")
    recid = page.url.rsplit("/", 1)[1]
    doi = f"10.5072/openvre.{recid}"

    page.fill("#field-title", "Muon spectra from the 2024 run")
    page.select_option("#field-upload_type", "dataset")
    page.fill("#field-description", "Calibrated muon spectra, one row per energy bin.")
    page.fill("#field-creators-0-name", "Doe, Jane")
    page.fill("#field-creators-0-affiliation", "CERN")
    page.fill("#field-creators-0-orcid", "0000-0002-1825-0098")  # one digit off: the check digit is wrong
    page.fill("#field-keywords", "muons\nspectroscopy")
    page.click("#save")
    expect(page.locator("#error-summary")).to_contain_text("1 problem to fix")
    orcid_error = page.locator("#field-creators-0-orcid-error")
    expect(orcid_error).to_contain_text("wrong check digit")
    expect(page.locator("#field-creators-0-orcid")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#field-title")).to_have_value("Muon spectra from the 2024 run")  # nothing typed is lost
    screenshot(page, "deposit-field-error")

    page.fill("#field-creators-0-orcid", "0000-0002-1825-0097")
    page.click("#save")
    expect(page.locator("#notice")).to_have_text("Saved.")
    expect(page.locator("#error-summary")).to_have_count(0)

    page.set_input_files("#upload-files", str(spectra))
    page.click("#upload-start")
    progress = page.locator("#upload-progress li").first
    expect(progress.locator(".percent")).to_have_text("100 %")
    assert progress.locator("progress").evaluate("bar => bar.value") == 100
    row = page.locator('#files tr[data-key="spectra.csv"]')
    expect(row.locator(".file-md5")).to_have_text(md5)
    expect(page.locator("#no-files")).to_be_hidden()
    screenshot(page, "deposit-uploaded")

    page.click("#publish")
    expect(page.locator("#published-doi")).to_have_text(doi)
    expect(page.locator("#deposit-state")).to_have_text("published")
    screenshot(page, "deposit-published")

    page.click("#landing-link")
    expect(page).to_have_url(f"{server.url}/zenodo/records/{recid}")
    expect(page.locator("#record-title")).to_have_text("Muon spectra from the 2024 run")
    expect(page.locator("#record-doi")).to_have_text(doi)
    expect(page.locator('#files tr[data-key="spectra.csv"] .file-md5')).to_have_text(md5)
    expect(page.locator("#citation-text")).to_contain_text("Doe, J. (")
    json_ld = json.loads(page.locator('script[type="application/ld+json"]').text_content() or "")
    assert json_ld["@type"] == "Dataset" and json_ld["distribution"][0]["identifier"]["value"] == md5
    screenshot(page, "record-landing")

    page.click("#style-ieee")
    expect(page.locator("#citation-text")).to_contain_text("J. Doe, “Muon spectra from the 2024 run,” openvre,")
    href = page.locator('#files tr[data-key="spectra.csv"] a').get_attribute("href")
    download = httpx.get(server.url + str(href))
    assert download.status_code == 200 and hashlib.md5(download.content, usedforsecurity=False).hexdigest() == md5

    page.goto(f"{server.url}/doi/{doi}")
    expect(page).to_have_url(f"{server.url}/zenodo/records/{recid}")

    page.click("#nav-records")
    page.fill("#search-q", "muon spectra")
    page.click("#search-submit")
    expect(page.locator("#hit-count")).to_have_text("1 record")
    expect(page.locator(".hit h3 a")).to_have_text("Muon spectra from the 2024 run")
    screenshot(page, "records-search")
