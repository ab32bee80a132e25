"""The repository's portal pages in-process: landing pages, exports, downloads, DOIs, search, the deposit form."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from openvre import identity
from openvre.db import Database
from openvre.repository import communities, deposits, exports, files, records
from openvre.repository.config import RepositoryConfig
from openvre.settings import Settings
from tests.conftest import USER_PASSWORD, make_token
from tests.http.test_portal import csrf_of, log_in

HTML = {"Accept": "text/html"}
DATA = b"energy,count\n1.0,42\n"
MD5 = hashlib.md5(DATA, usedforsecurity=False).hexdigest()
METADATA: dict[str, Any] = {
    "title": "Muon spectra",
    "upload_type": "dataset",
    "description": '<p>Calibrated <b>muon</b> spectra.</p><script>alert("x")</script>',
    "creators": [{"name": "Doe, Jane", "affiliation": "CERN", "orcid": "0000-0002-1825-0097"}],
    "keywords": ["muons", "Spectroscopy"],
    "related_identifiers": [{"identifier": "10.1234/paper", "relation": "isSupplementTo"}],
    "version": "1.0",
}


@pytest.fixture
def config(settings: Settings) -> RepositoryConfig:
    return RepositoryConfig.from_settings(settings)


@pytest.fixture
def bob(app_database: Database) -> str:
    with app_database.transaction() as session:
        identity.create_account(session, identity.NewAccount("bob", USER_PASSWORD))
    return "bob"


def draft(database: Database, config: RepositoryConfig, owner: str, metadata: dict[str, Any] | None = None) -> int:
    with database.transaction() as session:
        created = deposits.create_deposition(session, config, owner, METADATA if metadata is None else metadata)
    files.upload_file(database, config, created.bucket_id, "spectra.csv", [DATA])
    return created.recid


def publish(database: Database, config: RepositoryConfig, owner: str, metadata: dict[str, Any] | None = None) -> int:
    recid = draft(database, config, owner, metadata)
    with database.transaction() as session:
        return deposits.publish(session, config, recid, identity.get_account(session, owner)).recid


def log_in_as(client: TestClient, username: str) -> None:
    client.cookies.clear()  # whoever was logged in before is logged out
    assert log_in(client, username).status_code == 303


def json_ld_of(html: str) -> Any:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert match, "the page carries no JSON-LD"
    return json.loads(match.group(1))


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.DOTALL)
    assert match, f"no element #{element_id}"
    return " ".join(match.group(1).split())


# --- landing pages --------------------------------------------------------------------------------


def test_landing_page_shows_the_record(
    app_client: TestClient, app_database: Database, config: RepositoryConfig, alice: str
) -> None:
    with app_database.transaction() as session:
        communities.create_community(session, alice, "muon-physics", "Muon physics")
    recid = publish(app_database, config, alice, {**METADATA, "communities": [{"identifier": "muon-physics"}]})
    page = app_client.get(f"/zenodo/records/{recid}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert text_of(html, "record-title") == "Muon spectra"
    assert 'href="https://orcid.org/0000-0002-1825-0097"' in html and '<span class="affiliation">CERN</span>' in html
    assert text_of(html, "record-doi") == f"10.5072/openvre.{recid}"
    assert f'data-copy="10.5072/openvre.{recid}"' in html
    assert text_of(html, "citation-text").startswith("Doe, J. (")
    assert "@dataset{doe_" in html and "Calibrated <b>muon</b> spectra." in html
    assert "alert" not in html.split("</script>", 2)[-1]  # the description's script is gone
    assert '<a href="/records?keyword=muons">muons</a>' in html
    assert "Creative Commons Attribution 4.0 International" in html
    assert f'<code class="file-md5">{MD5}</code>' in html and "20 bytes" in html
    assert f'href="/zenodo/records/{recid}/files/spectra.csv"' in html
    assert 'href="/zenodo/communities/muon-physics">Muon physics<' in html
    assert 'href="https://doi.org/10.1234/paper">10.1234/paper<' in html and "Is supplement to" in html
    with app_database.transaction() as session:
        record = records.get_record(session, recid)
    assert json_ld_of(html) == exports.to_json_ld(record, f"http://testserver/zenodo/records/{recid}")
    assert json_ld_of(html)["distribution"][0]["identifier"]["value"] == MD5


def test_citation_style_switch(
    app_client: TestClient, app_database: Database, config: RepositoryConfig, alice: str
) -> None:
    recid = publish(app_database, config, alice)
    ieee = app_client.get(f"/zenodo/records/{recid}?style=ieee").text
    assert text_of(ieee, "citation-text").startswith("J. Doe, “Muon spectra,” version 1.0, openvre,")
    assert 'id="style-ieee" aria-current="true"' in ieee
    unknown = app_client.get(f"/zenodo/records/{recid}?style=nonsense").text
    assert 'id="style-apa" aria-current="true"' in unknown


def test_versions_latest_marked_and_concept_id_redirects(
    app_client: TestClient, app_database: Database, config: RepositoryConfig, alice: str
) -> None:
    first = publish(app_database, config, alice)
    with app_database.transaction() as session:
        second = deposits.new_version(session, config, first)
        deposits.update_metadata(session, config, second.recid, {**METADATA, "version": "2.0"})
        deposits.publish(session, config, second.recid, identity.get_account(session, alice))
        concept = second.concept_recid
    old = app_client.get(f"/zenodo/records/{first}").text
    assert 'id="newer-version"' in old and f'href="/zenodo/records/{second.recid}">See the latest version' in old
    versions = re.findall(
        r'<a href="/zenodo/records/(\d+)">Version ([\w.]+)</a>\s*(<span class="badge ok">latest)?', old
    )
    assert versions == [(str(second.recid), "2.0", '<span class="badge ok">latest'), (str(first), "1.0", "")]
    redirect = app_client.get(f"/zenodo/records/{concept}", follow_redirects=False)
    assert redirect.status_code == 302 and redirect.headers["location"] == f"/zenodo/records/{second.recid}"


# --- exports and downloads ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "media_type", "extension"),
    [
        ("bibtex", "application/x-bibtex", "bib"),
        ("datacite-json", "application/vnd.datacite.datacite+json", "json"),
        ("csl-json", "application/vnd.citationstyles.csl+json", "json"),
        ("json-ld", "application/ld+json", "jsonld"),
    ],
)
def test_exports_have_their_media_types(
    app_client: TestClient,
    app_database: Database,
    config: RepositoryConfig,
    alice: str,
    name: str,
    media_type: str,
    extension: str,
) -> None:
    recid = publish(app_database, config, alice)
    response = app_client.get(f"/zenodo/records/{recid}/export/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    assert response.headers["content-disposition"] == f'attachment; filename="record-{recid}.{extension}"'
    if extension == "bib":
        assert response.text.startswith("@dataset{doe_") and f"10.5072/openvre.{recid}" in response.text
    else:
        assert json.loads(response.text)


def test_bibtex_as_openscm_zenodo_asks_for_it(
    app_client: TestClient, app_database: Database, config: RepositoryConfig, alice: str
) -> None:
    """openscm-zenodo's get_bibtex_entry sends its token as ?access_token= even here; it is ignored."""
    recid = publish(app_database, config, alice)
    response = app_client.get(f"/zenodo/records/{recid}/export/bibtex", params={"access_token": "vre_x"})
    assert response.status_code == 200 and response.text.startswith("@dataset{")
    unknown = app_client.get(f"/zenodo/records/{recid}/export/marc21")
    assert unknown.status_code == 404 and "bibtex, datacite-json, csl-json, json-ld" in unknown.json()["detail"]


def test_download_is_verified_and_a_damaged_file_is_refused(
    app_client: TestClient, app_database: Database, config: RepositoryConfig, alice: str, settings: Settings
) -> None:
    recid = publish(app_database, config, alice)
    url = f"/zenodo/records/{recid}/files/spectra.csv"
    good = app_client.get(url)
    assert good.status_code == 200 and good.content == DATA
    assert good.headers["content-disposition"] == "attachment; filename*=UTF-8''spectra.csv"
    (stored,) = [path for path in (settings.home / "repository").rglob("*") if path.is_file()]
    stored.write_bytes(DATA.replace(b"42", b"43"))
    damaged = app_client.get(url, headers=HTML)
    assert damaged.status_code == 500 and damaged.headers["content-type"].startswith("text/html")
    assert "damaged on the server" in damaged.text and "restore it from a backup" in damaged.text
    assert b"energy,count" not in damaged.content


def test_closed_files_are_for_the_owner_only(
    app_client: TestClient, app_database: Database, config: RepositoryConfig, alice: str, bob: str
) -> None:
    recid = publish(app_database, config, alice, {**METADATA, "access_right": "closed"})
    anonymous = app_client.get(f"/zenodo/records/{recid}").text
    assert 'id="files-withheld"' in anonymous and "spectra.csv" not in anonymous
    assert "distribution" not in json_ld_of(anonymous)
    assert app_client.get(f"/zenodo/records/{recid}/files/spectra.csv").status_code == 403
    log_in_as(app_client, "bob")
    assert app_client.get(f"/zenodo/records/{recid}/files/spectra.csv").status_code == 403
    log_in_as(app_client, "alice")
    assert app_client.get(f"/zenodo/records/{recid}/files/spectra.csv").content == DATA
    assert f'<code class="file-md5">{MD5}</code>' in app_client.get(f"/zenodo/records/{recid}").text


# --- DOIs -----------------------------------------------------------------------------------------


def test_doi_resolves_to_the_landing_page(
    app_client: TestClient, app_database: Database, config: RepositoryConfig, alice: str
) -> None:
    first = publish(app_database, config, alice)
    with app_database.transaction() as session:
        second = deposits.new_version(session, config, first)
        deposits.publish(session, config, second.recid, identity.get_account(session, alice))
    own = app_client.get(f"/doi/10.5072/openvre.{first}", follow_redirects=False)
    assert own.status_code == 302 and own.headers["location"] == f"/zenodo/records/{first}"
    concept = app_client.get(f"/doi/10.5072/OPENVRE.{second.concept_recid}", follow_redirects=False)
    assert concept.headers["location"] == f"/zenodo/records/{second.recid}"
    assert app_client.get(f"/doi/doi:10.5072/openvre.{first}").url.path == f"/zenodo/records/{first}"


def test_unknown_doi_says_how_to_search(app_client: TestClient) -> None:
    page = app_client.get("/doi/10.5072/openvre.999", headers=HTML)
    assert page.status_code == 404
    assert "no record here has the DOI 10.5072/openvre.999" in page.text
    assert '<form method="get" action="/records"' in page.text and "Search records" in page.text


# --- drafts are private ---------------------------------------------------------------------------


def test_drafts_are_invisible_to_others_and_to_anonymous(
    app_client: TestClient, app_database: Database, config: RepositoryConfig, alice: str, bob: str
) -> None:
    recid = draft(app_database, config, alice)
    anonymous = app_client.get(f"/zenodo/records/{recid}", headers=HTML)
    assert anonymous.status_code == 404 and f"no published record {recid} here" in anonymous.text
    assert app_client.get(f"/zenodo/deposit/{recid}", follow_redirects=False).headers["location"] == (
        f"/login?next=/zenodo/deposit/{recid}"
    )
    assert app_client.get(f"/zenodo/records/{recid}/export/bibtex").status_code == 404
    log_in_as(app_client, "bob")
    assert app_client.get(f"/zenodo/records/{recid}", headers=HTML).status_code == 404
    stranger = app_client.get(f"/zenodo/deposit/{recid}", headers=HTML)
    assert stranger.status_code == 404 and "Muon spectra" not in stranger.text
    csrf = csrf_of(app_client.get("/deposit").text)
    upload = app_client.put(f"/zenodo/deposit/{recid}/files/x.csv", content=b"x", headers={"X-CSRF-Token": csrf})
    assert upload.status_code == 404
    assert app_client.get(f"/zenodo/deposit/{recid}/files/spectra.csv").status_code == 404
    assert "Muon spectra" not in app_client.get("/deposit").text
    assert "Muon spectra" not in app_client.get("/records?q=muon").text
    log_in_as(app_client, "alice")
    own = app_client.get(f"/zenodo/records/{recid}", follow_redirects=False)
    assert own.status_code == 303 and own.headers["location"] == f"/zenodo/deposit/{recid}"
    assert app_client.get(f"/zenodo/deposit/{recid}/files/spectra.csv").content == DATA


# --- search and communities -----------------------------------------------------------------------


@pytest.fixture
def corpus(app_database: Database, config: RepositoryConfig, alice: str) -> dict[str, int]:
    """Twelve datasets about muons, a piece of software in a community, a paper with a keyword."""
    with app_database.transaction() as session:
        communities.create_community(session, alice, "fitters", "Spectrum fitters")
    made = {
        f"muons-{n:02d}": publish(app_database, config, alice, {**METADATA, "title": f"Muon run {n:02d}"})
        for n in range(12)
    }
    made["fitter"] = publish(
        app_database,
        config,
        alice,
        {**METADATA, "title": "Spectrum fitter", "upload_type": "software", "keywords": ["fitting"],
         "description": "Fits spectra", "communities": [{"identifier": "fitters"}]},
    )  # fmt: skip
    made["paper"] = publish(
        app_database,
        config,
        alice,
        {**METADATA, "title": "Detectors, a review", "upload_type": "publication", "publication_type": "article",
         "keywords": ["detectors"], "description": "About detectors"},
    )  # fmt: skip
    return made


def hit_titles(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/zenodo/records/\d+">([^<]+)</a></h3>', html)


def test_search_filters_sorts_and_pages(app_client: TestClient, corpus: dict[str, int]) -> None:
    everything = app_client.get("/records").text
    assert text_of(everything, "hit-count") == "14 records"
    assert 'id="page-position">Page 1 of 2<' in everything and len(hit_titles(everything)) == 10
    muons = app_client.get("/records", params={"q": "muon run", "sort": "title"}).text
    assert text_of(muons, "hit-count") == "12 records"
    assert hit_titles(muons) == [f"Muon run {n:02d}" for n in range(10)]
    second = app_client.get("/records", params={"q": "muon run", "sort": "title", "page": 2}).text
    assert hit_titles(second) == ["Muon run 10", "Muon run 11"]
    assert 'rel="prev"' in second and "q=muon+run" in second and 'rel="next"' not in second
    assert hit_titles(app_client.get("/records?type=software").text) == ["Spectrum fitter"]
    assert hit_titles(app_client.get("/records?community=fitters").text) == ["Spectrum fitter"]
    assert hit_titles(app_client.get("/records?keyword=detectors").text) == ["Detectors, a review"]
    fields = app_client.get("/records", params={"q": "creators.name:doe -muon", "sort": "title"}).text
    assert hit_titles(fields) == ["Detectors, a review", "Spectrum fitter"]
    assert ">Software</a> (1)" in everything and ">Dataset</a> (12)" in everything


def test_a_bad_query_says_what_to_change(app_client: TestClient, corpus: dict[str, int]) -> None:
    response = app_client.get("/records", params={"q": "muons OR pions"})
    assert response.status_code == 400
    assert "OR is not supported" in text_of(response.text, "search-error")
    assert app_client.get("/records", params={"sort": "size"}).status_code == 400


def test_communities_and_a_community_page(app_client: TestClient, corpus: dict[str, int]) -> None:
    listing = app_client.get("/communities").text
    assert 'href="/zenodo/communities/fitters">Spectrum fitters<' in listing
    page = app_client.get("/zenodo/communities/fitters").text
    assert text_of(page, "community-title") == "Spectrum fitters"
    assert hit_titles(page) == ["Spectrum fitter"]
    assert app_client.get("/zenodo/communities/nope", headers=HTML).status_code == 404


def test_the_zenodo_api_still_answers_under_the_pages(
    app_client: TestClient, app_database: Database, config: RepositoryConfig, alice: str
) -> None:
    recid = publish(app_database, config, alice)
    record = app_client.get(f"/zenodo/api/records/{recid}").json()
    assert record["doi"] == f"10.5072/openvre.{recid}"
    assert app_client.get("/zenodo/api/records").json()["hits"]["total"] == 1
    token = make_token(app_database, alice)
    created = app_client.post("/zenodo/api/deposit/depositions", json={}, headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201
    html_link = created.json()["links"]["html"].removeprefix("http://testserver")
    assert app_client.get(html_link, follow_redirects=False).headers["location"].startswith("/login")
    landing = app_client.get(record["links"]["html"].removeprefix("http://testserver"))
    assert landing.headers["content-type"].startswith("text/html") and "Muon spectra" in landing.text
    unknown = app_client.get("/zenodo/api/nothing-here")
    assert unknown.status_code == 404 and unknown.json()["status"] == 404  # Zenodo's error shape, not the portal's


# --- the deposit form -----------------------------------------------------------------------------


def new_upload(client: TestClient) -> int:
    csrf = csrf_of(client.get("/deposit").text)
    created = client.post("/deposit/new", data={"csrf_token": csrf}, follow_redirects=False)
    assert created.status_code == 303
    return int(created.headers["location"].rsplit("/", 1)[1])


def form_fields(**changes: str) -> dict[str, str]:
    fields = {
        "title": "Muon spectra",
        "upload_type": "dataset",
        "description": "Calibrated spectra",
        "creators-0-name": "Doe, Jane",
        "creators-0-affiliation": "CERN",
        "creators-0-orcid": "0000-0002-1825-0097",
        "keywords": "muons\nspectra\n",
        "access_right": "open",
        "license": "cc-by-4.0",
        "version": "1.0",
    }
    return {**fields, **changes}


def test_deposit_create_fill_upload_publish(app_client: TestClient, alice: str) -> None:
    log_in(app_client)
    recid = new_upload(app_client)
    page = app_client.get(f"/zenodo/deposit/{recid}").text
    csrf = csrf_of(page)
    assert f"10.5072/openvre.{recid}" in page and 'data-upload-url="/zenodo/deposit/' in page
    assert "vre_" not in page  # no API token ever reaches the browser

    saved = app_client.post(f"/zenodo/deposit/{recid}", data={**form_fields(), "csrf_token": csrf})
    assert saved.status_code == 200 and text_of(saved.text, "notice") == "Saved."
    assert 'value="Muon spectra"' in saved.text and ">muons\nspectra</textarea>" in saved.text

    url = f"/zenodo/deposit/{recid}/files/spectra%20v1.csv"
    assert app_client.put(url, content=DATA).status_code == 403  # no CSRF header
    uploaded = app_client.put(url, content=DATA, headers={"X-CSRF-Token": csrf})
    assert uploaded.status_code == 201
    assert uploaded.json() == {
        "key": "spectra v1.csv",
        "size": len(DATA),
        "size_text": "20 bytes",
        "md5": MD5,
        "url": f"/zenodo/deposit/{recid}/files/spectra%20v1.csv",
    }

    published = app_client.post(f"/zenodo/deposit/{recid}/actions/publish", data={**form_fields(), "csrf_token": csrf})
    assert published.status_code == 200 and published.url.path == f"/zenodo/deposit/{recid}"
    assert text_of(published.text, "published-doi") == f"10.5072/openvre.{recid}"
    assert 'id="deposit-form"' not in published.text and 'id="upload"' not in published.text
    landing = app_client.get(f"/zenodo/records/{recid}").text
    assert "spectra v1.csv" in landing and f'<code class="file-md5">{MD5}</code>' in landing
    assert f'href="/zenodo/records/{recid}">10.5072/openvre.{recid}</a>' in app_client.get("/deposit").text


def test_every_field_error_is_listed_and_shown_at_its_input(app_client: TestClient, alice: str) -> None:
    log_in(app_client)
    recid = new_upload(app_client)
    csrf = csrf_of(app_client.get(f"/zenodo/deposit/{recid}").text)
    bad = form_fields(title="", **{"creators-0-orcid": "0000-0002-1825-0098"}, communities="no-such-community")
    response = app_client.post(f"/zenodo/deposit/{recid}", data={**bad, "csrf_token": csrf})
    assert response.status_code == 400
    html = response.text
    assert "3 problems to fix" in html
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert '<a href="#field-title">Title</a>: required: give the record&#39;s title' in summary
    assert '<a href="#field-creators-0-orcid">Creator 1: ORCID iD</a>' in summary and "wrong check digit" in summary
    assert "no community &#39;no-such-community&#39;" in summary
    assert re.search(r'id="field-title" name="title" value=""\s*required aria-invalid="true"', html)
    assert 'id="field-creators-0-orcid-error"' in html and 'value="0000-0002-1825-0098" aria-invalid="true"' in html
    assert 'value="CERN"' in html  # what was typed comes back
    published = app_client.post(f"/zenodo/deposit/{recid}/actions/publish", data={**form_fields(), "csrf_token": csrf})
    assert published.status_code == 400 and "a record needs at least one file" in published.text
    assert "Your changes are saved" in published.text
    assert 'value="Muon spectra"' in app_client.get(f"/zenodo/deposit/{recid}").text


def test_the_form_keeps_what_it_does_not_show(
    app_client: TestClient, app_database: Database, config: RepositoryConfig, alice: str
) -> None:
    recid = draft(app_database, config, alice)
    log_in(app_client)
    csrf = csrf_of(app_client.get(f"/zenodo/deposit/{recid}").text)
    app_client.post(f"/zenodo/deposit/{recid}", data={**form_fields(title="Renamed"), "csrf_token": csrf})
    with app_database.transaction() as session:
        metadata = deposits.get_deposition(session, config, recid).metadata
    assert metadata["title"] == "Renamed"
    assert metadata["related_identifiers"] == [
        {"identifier": "10.1234/paper", "relation": "isSupplementTo", "scheme": "doi"}
    ]


def test_forms_refuse_a_missing_or_forged_csrf_token(
    app_client: TestClient, app_database: Database, config: RepositoryConfig, alice: str
) -> None:
    recid = draft(app_database, config, alice)
    log_in(app_client)
    for path in (f"/zenodo/deposit/{recid}", f"/zenodo/deposit/{recid}/actions/publish", "/deposit/new"):
        forged = app_client.post(path, data={**form_fields(title="Forged"), "csrf_token": "guess"}, headers=HTML)
        assert forged.status_code == 403 and "did not come from this site" in forged.text
        assert app_client.post(path, data=form_fields(title="Forged")).status_code == 403
    assert app_client.post(f"/zenodo/deposit/{recid}/actions/delete", data={"csrf_token": "guess"}).status_code == 403
    with app_database.transaction() as session:
        mine = deposits.list_depositions(session, config, alice)
    assert [(d.recid, d.state, d.metadata["title"]) for d in mine] == [(recid, "draft", "Muon spectra")]


def test_files_delete_edit_new_version_and_delete_draft(
    app_client: TestClient, app_database: Database, config: RepositoryConfig, alice: str
) -> None:
    recid = draft(app_database, config, alice)
    log_in(app_client)
    csrf = csrf_of(app_client.get(f"/zenodo/deposit/{recid}").text)
    removed = app_client.post(
        f"/zenodo/deposit/{recid}/actions/delete-file", data={"key": "spectra.csv", "csrf_token": csrf}
    )
    files_section = removed.text.split('id="files-section"')[1].split("</section>")[0]
    assert 'id="no-files">' in files_section and "<td>" not in files_section.split("<template")[0]
    app_client.post(f"/zenodo/deposit/{recid}/actions/delete", data={"csrf_token": csrf})
    assert app_client.get(f"/zenodo/deposit/{recid}", headers=HTML).status_code == 404

    published = publish(app_database, config, alice)
    edit = app_client.post(f"/zenodo/deposit/{published}/actions/edit", data={"csrf_token": csrf})
    assert text_of(edit.text, "deposit-state") == "editing" and 'id="deposit-form"' in edit.text
    assert 'id="upload"' not in edit.text  # the files of a record never change
    changed = app_client.post(
        f"/zenodo/deposit/{published}/actions/publish",
        data={**form_fields(title="Muon spectra, fixed"), "csrf_token": csrf},
    )
    assert text_of(changed.text, "deposit-state") == "published"
    assert text_of(app_client.get(f"/zenodo/records/{published}").text, "record-title") == "Muon spectra, fixed"
    version = app_client.post(f"/zenodo/deposit/{published}/actions/newversion", data={"csrf_token": csrf})
    assert text_of(version.text, "deposit-state") == "draft" and version.url.path != f"/zenodo/deposit/{published}"
    assert app_client.post(f"/zenodo/deposit/{published}/actions/fly", data={"csrf_token": csrf}).status_code == 404


def test_home_and_navigation_lead_to_the_repository(app_client: TestClient) -> None:
    home = app_client.get("/").text
    assert 'id="preserve-link"' in home and 'href="/deposit"' in home
    assert 'id="nav-records"' in home and 'id="nav-deposit"' in home
    assert app_client.get("/deposit", follow_redirects=False).headers["location"] == "/login?next=/deposit"
    assert app_client.get("/static/deposit.js").status_code == 200
