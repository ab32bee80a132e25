"""openvre's Zenodo client against the repository in-process: round trips, md5 checks both ways, errors as ours."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from openvre.clients.zenodo import ZenodoClient
from openvre.errors import InvalidInput, InvalidToken
from openvre.repository.errors import CorruptedFile, DepositionNotFound, InvalidMetadata, RecordNotFound
from openvre.settings import Settings, load_settings

BASE = "http://testserver/zenodo"
METADATA: dict[str, Any] = {
    "title": "Muon spectra",
    "upload_type": "dataset",
    "description": "Calibrated spectra",
    "creators": [{"name": "Doe, Jane", "affiliation": "CERN"}],
}


@pytest.fixture
def zenodo(app_client: TestClient, alice_token: str) -> ZenodoClient:
    # Absolute URLs: the one in-process client reaches the repository mounted at /zenodo.
    return ZenodoClient(BASE, token=alice_token, http=app_client)


def test_publish_then_read_and_download_verified(zenodo: ZenodoClient, tmp_path: Path) -> None:
    data = tmp_path / "spectra.csv"
    data.write_bytes(b"energy,count\n1.0,42\n" * 50_000)
    draft = zenodo.create_deposition(METADATA)
    sent: list[int] = []
    stored = zenodo.upload_file(draft, data, progress=sent.append)
    assert stored["checksum"] == "md5:" + hashlib.md5(data.read_bytes(), usedforsecurity=False).hexdigest()
    assert sum(sent) == data.stat().st_size
    published = zenodo.publish_deposition(draft["id"])
    assert published["doi"] == f"10.5072/openvre.{draft['id']}"
    assert published["links"]["record_html"] == f"{BASE}/records/{draft['id']}"

    found = zenodo.search_records(f'doi:"{published["doi"]}"')["hits"]["hits"]
    assert [hit["id"] for hit in found] == [draft["id"]]
    record = ZenodoClient(BASE, http=zenodo._http).get_record(draft["id"])  # records need no token
    saved = zenodo.download_file(record["files"][0], tmp_path / "out")
    assert saved.read_bytes() == data.read_bytes()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["spectra.csv"]

    draft2 = zenodo.new_version(draft["id"])
    assert draft2["id"] != draft["id"] and draft2["state"] == "unsubmitted"


def test_a_download_whose_md5_differs_is_not_kept(zenodo: ZenodoClient, tmp_path: Path) -> None:
    data = tmp_path / "a.txt"
    data.write_text("hello\n")
    draft = zenodo.create_deposition(METADATA)
    zenodo.upload_file(draft, data)
    record_id = zenodo.publish_deposition(draft["id"])["id"]
    entry = zenodo.get_record(record_id)["files"][0]
    with pytest.raises(CorruptedFile, match="download it again"):
        zenodo.download_file({**entry, "checksum": "md5:" + "0" * 32}, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_an_upload_the_server_stored_differently_is_refused(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        return httpx.Response(201, json={"key": "a.txt", "checksum": "md5:" + "f" * 32})

    client = ZenodoClient("http://zenodo.test", token="t", transport=httpx.MockTransport(handler))
    data = tmp_path / "a.txt"
    data.write_text("hello\n")
    with pytest.raises(CorruptedFile, match="damaged on the way; publish again"):
        client.upload_file({"links": {"bucket": "http://zenodo.test/api/files/b"}}, data)


def test_zenodo_errors_become_openvre_errors(zenodo: ZenodoClient, app_client: TestClient) -> None:
    bad = {**METADATA, "upload_type": "film", "creators": [{"name": "Doe", "orcid": "0000-0002-1825-0098"}]}
    with pytest.raises(InvalidMetadata) as caught:
        zenodo.create_deposition(bad)
    assert {problem.field for problem in caught.value.problems} == {
        "metadata.upload_type",
        "metadata.creators.0.orcid",
    }
    assert "metadata.upload_type" in caught.value.message and "metadata.creators.0.orcid" in caught.value.message
    with pytest.raises(DepositionNotFound):
        zenodo.get_deposition(9999)
    with pytest.raises(RecordNotFound):
        zenodo.get_record(9999)
    draft = zenodo.create_deposition(METADATA)
    with pytest.raises(InvalidInput, match="folder separator") as refused:
        zenodo._request("PUT", f"{draft['links']['bucket']}/a%5Cb", content=b"x")
    assert not isinstance(refused.value, InvalidMetadata)
    with pytest.raises(InvalidToken, match="deposit:write"):
        ZenodoClient(BASE, token="vre_wrong", http=app_client).create_deposition()


def test_base_url_may_name_the_site_or_its_api() -> None:
    assert ZenodoClient("https://sandbox.zenodo.org/api/").api_url == "https://sandbox.zenodo.org/api"
    assert ZenodoClient("http://127.0.0.1:8000/zenodo").api_url == "http://127.0.0.1:8000/zenodo/api"


def test_from_settings_points_at_the_embedded_repository_or_the_configured_one(settings: Settings) -> None:
    embedded = ZenodoClient.from_settings(settings)
    assert embedded.api_url == "http://127.0.0.1:8000/zenodo/api" and embedded._token is None
    remote = load_settings(home=settings.home, repository={"url": "https://sandbox.zenodo.org/api", "token": "zt"})
    client = ZenodoClient.from_settings(remote)
    assert (client.api_url, client._token) == ("https://sandbox.zenodo.org/api", "zt")
