"""Real Zenodo clients against openvre's repository over HTTP, and the repository's reliability promises.

openscm-zenodo 0.5.0 and eossr 2.3.1 run unmodified in their own venv (.venvs/zenodo-clients), each
driving a whole publishing cycle (scripts in ``zenodo_clients/``) against the server of
:mod:`tests.support.zenodo_server` (``vre up``'s application with the repository at ``/zenodo``).
The reliability tests talk HTTP directly: an upload cut off mid-body, a file damaged on disk.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.rucio_server import ensure_venv
from tests.support.vre_server import VreServer
from tests.support.zenodo_server import create_user, start_zenodo_server

SCRIPTS = Path(__file__).with_name("zenodo_clients")
CLIENTS = ("openscm-zenodo==0.5.0", "eossr==2.3.1")
METADATA = {
    "title": "Muon spectra",
    "upload_type": "dataset",
    "description": "Calibrated spectra",
    "creators": [{"name": "Doe, Jane", "affiliation": "CERN"}],
    "version": "1.0",
}
CODEMETA = {
    "@context": "https://doi.org/10.5063/schema/codemeta-2.0",
    "@type": "SoftwareSourceCode",
    "name": "Spectrum fitter",
    "description": "Fits muon spectra",
    "softwareVersion": "v1.0",
    "license": "https://spdx.org/licenses/MIT",
    "author": [
        {
            "@type": "Person",
            "@id": "https://orcid.org/0000-0002-1825-0097",
            "givenName": "Jane",
            "familyName": "Doe",
            "affiliation": {"@type": "Organization", "name": "CERN"},
        }
    ],
    "maintainer": {"@type": "Person", "givenName": "Jane", "familyName": "Doe"},
    "readme": "https://example.org/fitter/README.md",
    "codeRepository": "https://example.org/fitter.git",
    "datePublished": "2024-05-01",
    "keywords": ["spectra", "fitting"],
}


@pytest.fixture(scope="module")
def clients_python() -> Path:
    return ensure_venv("zenodo-clients", CLIENTS) / "python"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VreServer]:
    running = start_zenodo_server(tmp_path_factory.mktemp("zenodo") / "home")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def tokens(server: VreServer) -> dict[str, str]:
    return {name: create_user(server.home, name) for name in ("alice", "bob")}


def run_client(python: Path, script: str, spec: dict[str, Any], cwd: Path) -> dict[str, Any]:
    result = subprocess.run(
        [str(python), str(SCRIPTS / script), json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        check=False,
    )
    assert result.returncode == 0, f"{script} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    seen: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return seen


def test_openscm_zenodo_publishes_and_makes_a_new_version(
    clients_python: Path, server: VreServer, tokens: dict[str, str], tmp_path: Path
) -> None:
    spectra, readme = tmp_path / "spectra.csv", tmp_path / "README.txt"
    spectra.write_text("energy,count\n1.0,42\n")
    readme.write_text("Muon spectra, calibrated.\n")
    spec = {
        "token": tokens["alice"],
        "other_token": tokens["bob"],
        "domain": f"{server.url}/zenodo",
        "files": [str(spectra), str(readme)],
        "metadata": METADATA,
    }
    seen = run_client(clients_python, "openscm_cycle.py", spec, tmp_path)
    recid = int(seen["latest"])
    assert seen["created"] == 201
    assert seen["reserved_doi"] == f"10.5072/openvre.{recid}"
    assert seen["bucket"].startswith(f"{server.url}/zenodo/api/files/")
    assert [upload[:2] for upload in seen["uploads"]] == [[201, "README.txt"], [201, "spectra.csv"]]
    bad_fields = {error["field"] for error in seen["bad_metadata"]["errors"]}
    assert seen["bad_metadata"]["status"] == 400 and bad_fields == {"metadata.upload_type", "metadata.creators"}
    assert (seen["metadata"], seen["publish"], seen["publish_again"]) == (200, 202, f"10.5072/openvre.{recid}")
    assert seen["bibtex"].startswith("@dataset{doe_") and f"doi       = {{10.5072/openvre.{recid}}}" in seen["bibtex"]
    assert seen["record"] == {
        "id": recid,
        "doi": f"10.5072/openvre.{recid}",
        "title": "Muon spectra",
        "files": ["README.txt", "spectra.csv"],
    }
    assert int(seen["concept"]) < recid
    new = seen["new_version"]
    assert seen["draft_found_again"] == new
    assert seen["new_files"] == ["spectra.csv"]
    assert (seen["new_publish"], seen["latest_after"], seen["new_record_version"]) == (202, new, "2.0")
    assert seen["other_users_draft"] == 404


def test_eossr_uploads_a_directory_searches_and_curates(
    clients_python: Path, server: VreServer, tokens: dict[str, str], tmp_path: Path
) -> None:
    httpx.post(
        f"{server.url}/zenodo/api/communities",
        json={"slug": "escape2020", "metadata": {"title": "ESCAPE 2020"}},
        params={"access_token": tokens["bob"]},
    ).raise_for_status()
    project = tmp_path / "fitter"
    project.mkdir()
    (project / "fit.py").write_text("print('fit')\n")
    (project / "README.md").write_text("# Spectrum fitter\n")
    spec = {
        "token": tokens["alice"],
        "curator_token": tokens["bob"],
        "api": f"{server.url}/zenodo/api/",
        "dir": str(project),
        "query": "spectrum fitter",
        "community": "escape2020",
        "codemeta": CODEMETA,
    }
    seen = run_client(clients_python, "eossr_cycle.py", spec, tmp_path)
    assert seen["converted"] == {
        "license": "mit",
        "creators": [{"name": "Jane Doe", "affiliation": "CERN", "orcid": "https://orcid.org/0000-0002-1825-0097"}],
    }
    first, second = seen["first"]["id"], seen["second"]
    assert seen["first"]["doi"] == f"10.5072/openvre.{first}" and seen["first"]["title"] == "Spectrum fitter"
    assert seen["first"]["files"] == [
        f"{server.url}/zenodo/api/records/{first}/files/{name}/content" for name in ("README.md", "fit.py")
    ]
    assert seen["search"] == [first]
    assert seen["versions"] == {str(second): "v2.0", str(first): "v1.0"}
    assert seen["last_version"] == second
    assert seen["pending"] == [str(second)]
    assert seen["in_community"] == [second]
    assert (seen["community"], seen["license"], seen["licenses"]) == ("escape2020", "MIT License", 50)
    stored = httpx.get(f"{server.url}/zenodo/api/records/{second}").json()
    assert stored["metadata"]["creators"][0]["orcid"] == "0000-0002-1825-0097"  # the URL came back bare


# --- reliability over HTTP ------------------------------------------------------------------------


def zenodo(server: VreServer, token: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{server.url}/zenodo{path}", params={"access_token": token}, timeout=30, **kwargs)


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_an_upload_cut_off_midway_leaves_nothing(server: VreServer, tokens: dict[str, str]) -> None:
    draft = zenodo(server, tokens["alice"], "POST", "/api/deposit/depositions", json={}).json()
    bucket = urlsplit(draft["links"]["bucket"]).path
    bucket_dir = server.home / "repository" / bucket.rsplit("/", 1)[-1]
    with socket.create_connection(("127.0.0.1", urlsplit(server.url).port or 80)) as connection:
        request = (
            f"PUT {bucket}/huge.bin?access_token={tokens['alice']} HTTP/1.1\r\n"
            f"Host: 127.0.0.1\r\nContent-Length: {50 * 1024 * 1024}\r\n\r\n"
        )
        connection.sendall(request.encode() + b"x" * (2 * 1024 * 1024))
        assert wait_for(lambda: [path.name for path in files_under(bucket_dir)] != []), "the upload never started"
        (part,) = files_under(bucket_dir)
        assert part.name.startswith(".upload-") and part.name.endswith(".part")
    assert wait_for(lambda: files_under(bucket_dir) == []), f"left behind: {files_under(bucket_dir)}"
    listing = zenodo(server, tokens["alice"], "GET", bucket.removeprefix("/zenodo"))
    assert listing.json()["contents"] == []


def wait_for(condition: Any, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_damaged_file_is_refused_never_served(server: VreServer, tokens: dict[str, str]) -> None:
    draft = zenodo(server, tokens["alice"], "POST", "/api/deposit/depositions", json={}).json()
    bucket = urlsplit(draft["links"]["bucket"]).path.removeprefix("/zenodo")
    stored = zenodo(server, tokens["alice"], "PUT", f"{bucket}/damaged.csv", content=b"a,b\n1,2\n" * 1000).json()
    own = f"/api/deposit/depositions/{draft['id']}"
    assert zenodo(server, tokens["alice"], "PUT", own, json={"metadata": METADATA}).status_code == 200
    assert zenodo(server, tokens["alice"], "POST", f"{own}/actions/publish").status_code == 202
    (blob,) = files_under(server.home / "repository" / bucket.rsplit("/", 1)[-1])
    assert blob.stat().st_size == stored["size"]
    blob.write_bytes(blob.read_bytes().replace(b"2", b"3"))
    response = httpx.get(f"{server.url}/zenodo/api/records/{draft['id']}/files/damaged.csv/content")
    assert response.status_code == 500
    assert "damaged.csv' is not served because its stored copy has md5" in response.json()["message"]
    assert b"a,b" not in response.content
