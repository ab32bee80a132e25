"""The Publish panel's routes: metadata from codemeta.json, deposits, DOIs, a published run, importing."""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.jupyter_server import JupyterServer
from tests.support.vre_server import VreServer, create_token

DATA = Path(__file__).resolve().parents[1] / "data"
CODEMETA = DATA / "codemeta" / "python-3.0-compacted.json"


@pytest.fixture(scope="module")
def paper(logged_in: JupyterServer) -> Path:
    folder = logged_in.root / "paper"
    folder.mkdir()
    shutil.copy(CODEMETA, folder / "codemeta.json")
    (folder / "spectra.csv").write_text("energy,counts\n1,10\n2,20\n")
    (folder / "notes.md").write_text("# Notes\nmeasured twice\n")
    return folder


def finished_job(server: JupyterServer, answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 202, answer.text
    job = server.wait_job(answer.json()["job"])
    assert job["state"] == "done", job
    result: dict[str, Any] = job["result"]
    return result


def test_prefill_from_the_codemeta_beside_the_files(logged_in: JupyterServer, paper: Path) -> None:
    answer = logged_in.api("POST", "publish/prefill", json={"paths": ["paper/spectra.csv"]}).json()
    assert answer["source"] == "paper/codemeta.json"
    metadata = answer["metadata"]
    assert metadata["title"] == "hepflow - reproducible analysis steps for collider data"
    assert metadata["creators"][0] == {"name": "Doe, Jane", "affiliation": "CERN", "orcid": "0000-0002-1825-0097"}
    assert metadata["license"] == "apache-2.0" and metadata["version"] == "1.0.0"
    assert "Reproducibility" in metadata["keywords"]
    (logged_in.root / "lone.txt").write_text("no codemeta here\n")
    bare = logged_in.api("POST", "publish/prefill", json={"paths": ["lone.txt"]}).json()
    assert bare["source"] is None
    assert bare["metadata"]["title"] == "" and bare["metadata"]["description"] == "Files: lone.txt."


def test_bad_metadata_is_400_with_every_field(logged_in: JupyterServer, paper: Path) -> None:
    metadata = {"title": "", "creators": [{"name": "Doe, Jane", "orcid": "1234"}], "upload_type": "spreadsheet"}
    answer = logged_in.api("POST", "publish/deposit", json={"paths": ["paper/spectra.csv"], "metadata": metadata})
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"] == "InvalidMetadata"
    fields = {item["field"] for item in body["fields"]}
    assert {"metadata.title", "metadata.upload_type"} <= fields
    assert any(field.startswith("metadata.creators.0") for field in fields), fields


def test_deposit_and_publish_gives_a_doi(logged_in: JupyterServer, paper: Path, vre: VreServer) -> None:
    metadata = logged_in.api("POST", "publish/prefill", json={"paths": ["paper/spectra.csv"]}).json()["metadata"]
    metadata["upload_type"] = "dataset"
    body = {"paths": ["paper/spectra.csv", "paper/notes.md"], "metadata": metadata, "publish": True}
    result = finished_job(logged_in, logged_in.api("POST", "publish/deposit", json=body))
    assert result["doi"].startswith("10.5072/") and result["doi_url"] == f"https://doi.org/{result['doi']}"
    assert result["record_url"] == f"{vre.url}/zenodo/records/{result['id']}"
    record = httpx.get(f"{vre.url}/zenodo/api/records/{result['id']}").json()
    assert sorted(f["key"] for f in record["files"]) == ["notes.md", "spectra.csv"]
    spectra = next(f for f in record["files"] if f["key"] == "spectra.csv")
    expected = hashlib.md5((paper / "spectra.csv").read_bytes()).hexdigest()  # noqa: S324
    assert spectra["checksum"] == f"md5:{expected}"


def test_a_draft_published_later(logged_in: JupyterServer, paper: Path) -> None:
    metadata = {"title": "Spectra draft", "creators": [{"name": "Doe, Jane"}], "description": "Spectra."}
    body = {"paths": ["paper/spectra.csv"], "metadata": metadata, "publish": False}
    draft = finished_job(logged_in, logged_in.api("POST", "publish/deposit", json=body))
    assert draft["doi"] is None and draft["deposit_url"].endswith(f"/deposit/{draft['id']}")
    done = logged_in.api("POST", f"publish/deposit/{draft['id']}/publish")
    assert done.status_code == 200, done.text
    assert done.json()["doi"].startswith("10.5072/") and done.json()["id"] == draft["id"]


def test_publish_a_finished_run(logged_in: JupyterServer) -> None:
    shutil.copytree(DATA / "workflows" / "serial-hello", logged_in.root / "hello")
    submitted = finished_job(logged_in, logged_in.api("POST", "workflows", json={"path": "hello/reana.yaml"}))
    workflow = submitted["workflow"]
    deadline = time.monotonic() + 60
    while logged_in.api("GET", f"workflows/{workflow}").json()["status"] != "finished":
        assert time.monotonic() < deadline
        time.sleep(0.3)
    body = {"workflow": workflow, "metadata": {"title": "Hello, published"}}
    result = finished_job(logged_in, logged_in.api("POST", "publish/run", json=body))
    assert result["doi"].startswith("10.5072/")
    found = logged_in.api("GET", "publish/records", params={"q": "Hello, published"}).json()
    item = next(i for i in found["items"] if i["id"] == result["id"])
    assert item["title"] == "Hello, published"
    assert sorted(f["key"] for f in item["files"]) == ["README.md", "codemeta.json", f"{workflow}.crate.zip"]


def test_search_records_and_import_one(logged_in: JupyterServer, paper: Path) -> None:
    metadata = {"title": "Spectra to import", "creators": [{"name": "Doe, Jane"}], "description": "Twice measured."}
    body = {"paths": ["paper/spectra.csv", "paper/notes.md"], "metadata": metadata, "publish": True}
    published = finished_job(logged_in, logged_in.api("POST", "publish/deposit", json=body))
    found = logged_in.api("GET", "publish/records", params={"q": "Spectra to import"}).json()
    item = next(i for i in found["items"] if i["id"] == published["id"])
    assert item["doi_url"] and item["record_url"] and item["creators"][0]["name"] == "Doe, Jane"
    result = finished_job(logged_in, logged_in.api("POST", f"publish/records/{item['id']}/import", json={}))
    assert sorted(result["paths"]) == [f"records/{item['id']}/notes.md", f"records/{item['id']}/spectra.csv"]
    assert (logged_in.root / f"records/{item['id']}/spectra.csv").read_bytes() == (paper / "spectra.csv").read_bytes()
    escape = logged_in.api("POST", f"publish/records/{item['id']}/import", json={"path": "../x"})
    assert escape.status_code == 400 and escape.json()["error"] == "PathOutsideRoot"


def test_communities_are_listed_for_the_record_filter(logged_in: JupyterServer, vre: VreServer) -> None:
    token = create_token(str(vre.home), "demo")
    for slug, title in (("muon-physics", "Muon physics"), ("open-data", "Open data")):
        body = {"slug": slug, "metadata": {"title": title}}
        headers = {"Authorization": f"Bearer {token}"}
        created = httpx.post(f"{vre.url}/zenodo/api/communities", json=body, headers=headers)
        assert created.status_code == 201, created.text
    listed = logged_in.api("GET", "publish/communities").json()["items"]
    assert {"id": "muon-physics", "title": "Muon physics"} in listed
    assert {"id": "open-data", "title": "Open data"} in listed
    assert logged_in.api("GET", "publish/communities", params={"q": "muon"}).json()["items"] == [
        {"id": "muon-physics", "title": "Muon physics"}
    ]
