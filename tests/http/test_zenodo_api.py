"""The Zenodo REST API in-process, checked against the wire contract Zenodo's clients rely on."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from openvre import identity
from openvre.app import create_app
from openvre.db import Database
from openvre.repository import config as repository_config
from openvre.repository.zenodo_api import create_zenodo_app
from openvre.settings import Settings, load_settings
from tests.conftest import make_token

BASE = "http://testserver/zenodo"
API = f"{BASE}/api"
METADATA: dict[str, Any] = {
    "title": "Muon spectra",
    "upload_type": "dataset",
    "description": "Calibrated spectra",
    "creators": [{"name": "Doe, Jane", "affiliation": "CERN", "orcid": "https://orcid.org/0000-0002-1825-0097"}],
    "keywords": ["muons"],
}
DATA = b"energy,count\n1.0,42\n" * 100


def mounted(app: FastAPI, settings: Settings) -> FastAPI:
    """``app`` with the Zenodo API at /zenodo, unless ``create_app`` mounts it already."""
    if not any(getattr(route, "path", None) == "/zenodo" for route in app.routes):
        app.mount("/zenodo", create_zenodo_app(settings, app.state.database))
    return app


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(mounted(create_app(settings), settings)) as test_client:
        yield test_client


@pytest.fixture
def database(client: TestClient) -> Database:
    db: Database = client.app.state.database  # type: ignore[attr-defined]
    return db


@pytest.fixture
def tokens(database: Database) -> dict[str, str]:
    with database.transaction() as session:
        identity.create_accounts(session, [identity.NewAccount("alice"), identity.NewAccount("bob")])
    return {name: make_token(database, name) for name in ("alice", "bob")}


@pytest.fixture
def alice(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['alice']}"}


@pytest.fixture
def bob(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['bob']}"}


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def zenodo_error(response: Response, status: int, contains: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert contains in body["message"] + " ".join(e["message"] for e in body.get("errors", [])), body
    return body


def local(url: str) -> str:
    assert url.startswith(BASE), url
    return url.removeprefix("http://testserver")


def draft_with_file(client: TestClient, headers: dict[str, str], metadata: dict[str, Any] | None = None) -> Any:
    draft = ok(client.post("/zenodo/api/deposit/depositions", json={}, headers=headers), 201)
    ok(client.put(local(draft["links"]["bucket"]) + "/spectra.csv", content=DATA, headers=headers), 201)
    ok(client.put(local(draft["links"]["self"]), json={"metadata": metadata or METADATA}, headers=headers))
    return draft


def publish(client: TestClient, headers: dict[str, str], metadata: dict[str, Any] | None = None) -> Any:
    draft = draft_with_file(client, headers, metadata)
    return ok(client.post(local(draft["links"]["publish"]), headers=headers), 202)


def test_create_upload_publish_and_read_as_anyone(client: TestClient, alice: dict[str, str]) -> None:
    draft = ok(client.post("/zenodo/api/deposit/depositions", json={}, headers=alice), 201)
    recid = draft["id"]
    assert (draft["state"], draft["submitted"], draft["record_id"]) == ("unsubmitted", False, recid)
    assert draft["metadata"]["prereserve_doi"] == {"doi": f"10.5072/openvre.{recid}", "recid": recid}
    assert draft["links"]["self"] == f"{API}/deposit/depositions/{recid}"
    assert draft["links"]["bucket"].startswith(f"{API}/files/")
    assert draft["links"]["latest_draft"] == draft["links"]["self"]

    uploaded = ok(client.put(local(draft["links"]["bucket"]) + "/spectra.csv", content=DATA, headers=alice), 201)
    assert uploaded["key"] == "spectra.csv" and uploaded["size"] == len(DATA)
    assert uploaded["checksum"] == "md5:" + hashlib.md5(DATA, usedforsecurity=False).hexdigest()

    updated = ok(client.put(f"/zenodo/api/deposit/depositions/{recid}", json={"metadata": METADATA}, headers=alice))
    assert updated["metadata"]["creators"][0]["orcid"] == "0000-0002-1825-0097"
    assert [f["filename"] for f in updated["files"]] == ["spectra.csv"]

    published = ok(client.post(f"/zenodo/api/deposit/depositions/{recid}/actions/publish", headers=alice), 202)
    assert (published["state"], published["submitted"]) == ("done", True)
    assert published["doi"] == f"10.5072/openvre.{recid}"
    assert published["conceptdoi"] == f"10.5072/openvre.{published['conceptrecid']}"
    assert published["links"]["record"] == f"{API}/records/{recid}"

    record = ok(client.get(f"/zenodo/api/records/{recid}"))  # no token: records are public pages
    assert (record["id"], record["doi"], record["metadata"]["doi"]) == (recid, published["doi"], published["doi"])
    assert record["metadata"]["resource_type"]["type"] == "dataset"
    assert record["metadata"]["license"] == {"id": "cc-by-4.0"}
    assert record["metadata"]["relations"]["version"][0]["is_last"] is True
    (stored,) = record["files"]
    assert stored["links"]["self"] == f"{API}/records/{recid}/files/spectra.csv/content"
    content = client.get(local(stored["links"]["self"]))
    assert content.status_code == 200 and content.content == DATA
    assert (
        content.headers["content-md5"] == base64.b64encode(hashlib.md5(DATA, usedforsecurity=False).digest()).decode()
    )


def test_publish_twice_is_idempotent(client: TestClient, alice: dict[str, str]) -> None:
    first = publish(client, alice)
    again = ok(client.post(local(first["links"]["publish"]), headers=alice), 202)
    assert (again["doi"], again["id"]) == (first["doi"], first["id"])
    search = ok(
        client.get("/zenodo/api/records", params={"q": f"conceptrecid:{first['conceptrecid']}", "all_versions": "1"})
    )
    assert search["hits"]["total"] == 1


def test_double_slashes_and_query_tokens_work(client: TestClient, tokens: dict[str, str]) -> None:
    token = {"access_token": tokens["alice"]}
    draft = ok(client.post("/zenodo/api//deposit/depositions", json={}, params=token), 201)
    ok(client.get(f"/zenodo//api//deposit/depositions/{draft['id']}", params=token))
    ok(client.get("/zenodo/api//records?", params={"q": "", "size": 25}))


def test_tokens_are_required_and_checked(client: TestClient, tokens: dict[str, str]) -> None:
    missing = zenodo_error(client.get("/zenodo/api/deposit/depositions"), 401, "access_token=<token>")
    assert "vre token create" in missing["message"]
    zenodo_error(client.get("/zenodo/api/records", params={"access_token": "vre_wrong"}), 401, "not valid")


def test_other_users_drafts_are_invisible(client: TestClient, alice: dict[str, str], bob: dict[str, str]) -> None:
    draft = draft_with_file(client, alice)
    own = local(draft["links"]["self"])
    zenodo_error(client.get(own, headers=bob), 404, "no deposition")
    zenodo_error(client.put(own, json={"metadata": METADATA}, headers=bob), 404)
    zenodo_error(client.post(own + "/actions/publish", headers=bob), 404)
    zenodo_error(client.delete(own, headers=bob), 404)
    zenodo_error(client.put(local(draft["links"]["bucket"]) + "/evil.txt", content=b"x", headers=bob), 404)
    zenodo_error(client.get(local(draft["links"]["bucket"]) + "/spectra.csv", headers=bob), 404)
    zenodo_error(client.get(local(draft["links"]["bucket"]) + "/spectra.csv"), 404)
    assert ok(client.get("/zenodo/api/deposit/depositions", headers=bob)) == []
    assert [d["id"] for d in ok(client.get("/zenodo/api/deposit/depositions", headers=alice))] == [draft["id"]]
    zenodo_error(client.get(f"/zenodo/api/records/{draft['id']}"), 404, "no published record")


def test_malformed_metadata_lists_every_field_error(client: TestClient, alice: dict[str, str]) -> None:
    draft = ok(client.post("/zenodo/api/deposit/depositions", json={}, headers=alice), 201)
    bad = {"titel": "x", "upload_type": "film", "creators": [{"orcid": "0000-0002-1825-0098"}], "license": "nope"}
    body = zenodo_error(client.put(local(draft["links"]["self"]), json={"metadata": bad}, headers=alice), 400)
    assert body["message"].startswith("Validation error: 7 problems")
    assert [error["field"] for error in body["errors"]] == [
        "metadata.title",
        "metadata.upload_type",
        "metadata.description",
        "metadata.creators.0.name",
        "metadata.creators.0.orcid",
        "metadata.license",
        "metadata.titel",
    ]
    assert all(error["messages"] == [error["message"]] for error in body["errors"])
    zenodo_error(client.put(local(draft["links"]["self"]), json={"title": "x"}, headers=alice), 400, "inside")
    unpublishable = zenodo_error(client.post(local(draft["links"]["publish"]), headers=alice), 400)
    assert "files" in {error["field"] for error in unpublishable["errors"]}


def test_a_corrupted_file_is_refused_with_a_clear_error(
    client: TestClient, alice: dict[str, str], settings: Settings
) -> None:
    record = publish(client, alice)
    (stored,) = _blobs(settings.home / "repository")
    stored.write_bytes(stored.read_bytes().replace(b"42", b"43"))
    url = f"/zenodo/api/records/{record['id']}/files/spectra.csv/content"
    body = zenodo_error(client.get(url), 500, "damaged on the server")
    assert "restore it from a backup" in body["message"]
    zenodo_error(client.get(local(record["links"]["bucket"]) + "/spectra.csv", headers=alice), 500, "md5")


def _blobs(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_closed_files_are_for_the_owner_only(client: TestClient, alice: dict[str, str], bob: dict[str, str]) -> None:
    record = publish(client, alice, {**METADATA, "access_right": "closed"})
    content = f"/zenodo/api/records/{record['id']}/files/spectra.csv/content"
    assert ok(client.get(f"/zenodo/api/records/{record['id']}"))["files"] == []
    zenodo_error(client.get(content), 403, "are closed")
    zenodo_error(client.get(content, headers=bob), 403, "only its owner")
    assert client.get(content, headers=alice).content == DATA


def test_legacy_files_api(client: TestClient, alice: dict[str, str]) -> None:
    draft = ok(client.post("/zenodo/api/deposit/depositions", json={}, headers=alice), 201)
    files_url = local(draft["links"]["files"])
    added = ok(client.post(files_url, files={"file": ("a.txt", b"alpha")}, data={"name": "a.txt"}, headers=alice), 201)
    assert (added["filename"], added["filesize"]) == ("a.txt", 5)
    assert added["checksum"] == hashlib.md5(b"alpha", usedforsecurity=False).hexdigest()
    zenodo_error(client.post(files_url, files={"file": ("a.txt", b"again")}, headers=alice), 400, "already has")
    renamed = ok(client.put(f"{files_url}/{added['id']}", json={"filename": "b.txt"}, headers=alice))
    assert renamed["filename"] == "b.txt"
    assert [f["filename"] for f in ok(client.get(files_url, headers=alice))] == ["b.txt"]
    assert client.get(local(renamed["links"]["download"]), headers=alice).content == b"alpha"
    ok(client.delete(f"{files_url}/{added['id']}", headers=alice), 204)
    assert ok(client.get(files_url, headers=alice)) == []


def test_edit_discard_delete_statuses(client: TestClient, alice: dict[str, str]) -> None:
    record = publish(client, alice)
    own = local(record["links"]["self"])
    zenodo_error(client.put(own, json={"metadata": METADATA}, headers=alice), 403, "actions/edit")
    assert ok(client.post(own + "/actions/edit", headers=alice), 201)["state"] == "inprogress"
    ok(client.put(own, json={"metadata": {**METADATA, "title": "Renamed"}}, headers=alice))
    assert ok(client.post(own + "/actions/discard", headers=alice), 201)["title"] == "Muon spectra"
    zenodo_error(client.post(own + "/actions/discard", headers=alice), 409, "no edit in progress")
    zenodo_error(client.delete(own, headers=alice), 403, "cannot be deleted")
    zenodo_error(client.put(local(record["links"]["bucket"]) + "/x", content=b"x", headers=alice), 403, "new version")
    draft = ok(client.post("/zenodo/api/deposit/depositions", json={}, headers=alice), 201)
    ok(client.delete(local(draft["links"]["self"]), headers=alice), 204)
    zenodo_error(client.get(local(draft["links"]["self"]), headers=alice), 404)


def test_new_version_answers_the_draft(client: TestClient, alice: dict[str, str]) -> None:
    first = publish(client, alice, {**METADATA, "version": "1"})
    draft = ok(client.post(local(first["links"]["newversion"]), headers=alice), 201)
    assert draft["id"] != first["id"] and draft["conceptrecid"] == first["conceptrecid"]
    assert draft["links"]["latest_draft"] == f"{API}/deposit/depositions/{draft['id']}"
    assert [f["filename"] for f in draft["files"]] == ["spectra.csv"]
    again = ok(client.post(local(first["links"]["newversion"]), headers=alice), 201)
    assert again["id"] == draft["id"]
    for stored in draft["files"]:
        ok(client.delete(f"/zenodo/api/deposit/depositions/{draft['id']}/files/{stored['id']}", headers=alice), 204)
    ok(client.put(local(draft["links"]["bucket"]) + "/v2.csv", content=b"v2", headers=alice), 201)
    ok(client.put(local(draft["links"]["self"]), json={"metadata": {**METADATA, "version": "2"}}, headers=alice))
    second = ok(client.post(local(draft["links"]["publish"]), headers=alice), 202)
    assert second["doi"] != first["doi"] and second["conceptdoi"] == first["conceptdoi"]
    assert ok(client.get(f"/zenodo/api/records/{first['conceptrecid']}"))["id"] == second["id"]
    latest = ok(client.get(local(ok(client.get(f"/zenodo/api/records/{first['id']}"))["links"]["latest"])))
    assert latest["id"] == second["id"]
    versions = ok(client.get(f"/zenodo/api/records/{first['id']}/versions"))
    assert [hit["metadata"]["version"] for hit in versions["hits"]["hits"]] == ["2", "1"]
    old = ok(client.get(f"/zenodo/api/records/{first['id']}"))
    assert old["metadata"]["relations"]["version"][0] == {
        "index": 0,
        "is_last": False,
        "parent": {"pid_type": "recid", "pid_value": first["conceptrecid"]},
        "last_child": {"pid_type": "recid", "pid_value": str(second["id"])},
    }


def test_search_filters_sorts_pages_and_errors(client: TestClient, alice: dict[str, str]) -> None:
    publish(client, alice)
    software = publish(client, alice, {**METADATA, "title": "Fitter", "upload_type": "software", "keywords": ["fit"]})
    found = ok(client.get("/zenodo/api/records", params={"q": "fitter", "type": "Software"}))
    assert [hit["id"] for hit in found["hits"]["hits"]] == [software["id"]]
    page = ok(client.get("/zenodo/api/records", params={"size": 1, "page": 1, "sort": "-mostrecent"}))
    assert page["hits"]["total"] == 2 and "next" in page["links"] and "prev" not in page["links"]
    assert page["links"]["next"] == f"{BASE}/api/records?sort=-mostrecent&page=2&size=1"
    assert {b["key"] for b in page["aggregations"]["type"]["buckets"]} == {"dataset", "software"}
    body = zenodo_error(client.get("/zenodo/api/records", params={"sort": "colour"}), 400, "cannot sort by")
    assert body["errors"][0]["field"] == "sort"
    zenodo_error(client.get("/zenodo/api/records", params={"size": 1000}), 400, "between 1 and 100")


def test_communities_and_inclusion_requests(client: TestClient, alice: dict[str, str], bob: dict[str, str]) -> None:
    body = {"slug": "astro", "metadata": {"title": "Astroparticle physics", "description": "Cosmic rays"}}
    community = ok(client.post("/zenodo/api/communities", json=body, headers=bob), 201)
    assert ok(client.get("/zenodo/api/communities/astro"))["id"] == community["id"]
    assert ok(client.get("/zenodo/api/communities", params={"q": "cosmic"}))["hits"]["total"] == 1
    zenodo_error(client.post("/zenodo/api/communities", json=body, headers=alice), 400, "exists already")
    record = publish(client, alice, {**METADATA, "communities": [{"identifier": "astro"}]})
    assert ok(client.get("/zenodo/api/records", params={"communities": "astro"}))["hits"]["total"] == 0
    zenodo_error(client.get(local(community["links"]["requests"]), headers=alice), 403, "only curators")
    requests = ok(client.get(local(community["links"]["requests"]), headers=bob))["hits"]["hits"]
    assert [(r["is_open"], r["topic"]["record"]) for r in requests] == [(True, str(record["id"]))]
    accepted = ok(client.post(local(requests[0]["links"]["actions"]["accept"]), headers=bob))
    assert accepted["status"] == "accepted" and "actions" not in accepted["links"]
    hits = ok(client.get("/zenodo/api/records", params={"communities": "ASTRO"}))["hits"]["hits"]
    assert [hit["metadata"]["communities"] for hit in hits] == [[{"id": "astro"}]]
    assert ok(client.get(local(community["links"]["records"])))["hits"]["total"] == 1
    unknown = {**METADATA, "communities": [{"identifier": "nowhere"}]}
    draft = ok(client.post("/zenodo/api/deposit/depositions", json={}, headers=alice), 201)
    zenodo_error(client.put(local(draft["links"]["self"]), json={"metadata": unknown}, headers=alice), 400, "nowhere")


def test_licenses_vocabulary(client: TestClient) -> None:
    everything = ok(client.get("/zenodo/api//licenses", params={"size": 1000}))
    ids = [hit["id"] for hit in everything["hits"]["hits"]]
    assert {"cc-by-4.0", "mit", "apache-2.0"} <= set(ids) and everything["hits"]["total"] == len(ids)
    mit = ok(client.get("/zenodo/api/vocabularies/licenses/MIT"))
    assert (mit["id"], mit["title"]["en"]) == ("mit", "MIT License")
    zenodo_error(client.get("/zenodo/api/vocabularies/licenses/wtfpl"), 404, "GET /api/licenses")


def test_unknown_paths_and_methods_answer_in_zenodo_shape(client: TestClient) -> None:
    zenodo_error(client.get("/zenodo/api/nothing-here"), 404, "no Zenodo API endpoint")
    zenodo_error(client.patch("/zenodo/api/records"), 405, "PATCH is not allowed")
    zenodo_error(client.get("/zenodo/api/records/abc"), 400)


def test_files_over_the_limit_are_refused_and_leave_nothing(
    client: TestClient, alice: dict[str, str], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository_config, "MAX_FILE_SIZE", 1000)
    limited = create_zenodo_app(settings, client.app.state.database)  # type: ignore[attr-defined]
    with TestClient(limited, base_url="http://testserver") as small:
        draft = ok(small.post("/api/deposit/depositions", json={}, headers=alice), 201)
        bucket = draft["links"]["bucket"].removeprefix("http://testserver")
        zenodo_error(small.put(bucket + "/big.bin", content=b"x" * 5000, headers=alice), 400, "at most 1000 bytes")
        assert ok(small.get(bucket, headers=alice))["contents"] == []
    assert [p for p in (settings.home / "repository").rglob("*") if p.is_file()] == []


def test_links_follow_the_public_url(home: Path, tokens: dict[str, str], database: Database) -> None:
    settings = load_settings(home=home, public_url="https://vre.example.org/")
    app = FastAPI()
    app.mount("/zenodo", create_zenodo_app(settings, database))
    with TestClient(app) as proxied:
        headers = {"Authorization": f"Bearer {tokens['alice']}"}
        draft = ok(proxied.post("/zenodo/api/deposit/depositions", json={}, headers=headers), 201)
    assert draft["links"]["bucket"].startswith("https://vre.example.org/zenodo/api/files/")


def test_embargoed_files_wait_for_their_date_and_open_buckets_are_public(
    client: TestClient, alice: dict[str, str]
) -> None:
    embargoed = publish(client, alice, {**METADATA, "access_right": "embargoed", "embargo_date": "2999-01-01"})
    zenodo_error(client.get(f"/zenodo/api/records/{embargoed['id']}/files"), 403, "embargoed until 2999-01-01")
    (entry,) = ok(client.get(f"/zenodo/api/records/{embargoed['id']}/files", headers=alice))["entries"]
    assert entry["size"] == len(DATA)
    zenodo_error(client.get(local(embargoed["links"]["bucket"])), 404)
    record = publish(client, alice)
    bucket = ok(client.get(local(record["links"]["bucket"])))  # a published, open record: anyone
    assert (bucket["locked"], [c["key"] for c in bucket["contents"]]) == (True, ["spectra.csv"])
    assert client.get(local(record["links"]["bucket"]) + "/spectra.csv").content == DATA
