"""The Data Lake panel's routes against the embedded lake of a real `vre up --demo`."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import httpx

from tests.support.jupyter_server import JupyterServer
from tests.support.vre_server import VreServer

DATASET = "user.demo:dimuon-2012"


def test_scopes(logged_in: JupyterServer) -> None:
    assert "user.demo" in logged_in.api("GET", "data/scopes").json()["scopes"]


def test_search_with_wildcard_filter_and_type(logged_in: JupyterServer) -> None:
    found = logged_in.api(
        "GET", "data/search", params={"q": "user.demo:dimuon_run*", "type": "file", "filters": "run_number>=2"}
    ).json()
    assert sorted(item["did"] for item in found["items"]) == ["user.demo:dimuon_run2.csv", "user.demo:dimuon_run3.csv"]
    assert all(item["type"] == "file" and item["bytes"] > 0 for item in found["items"])
    assert found["elapsed_ms"] < 1000
    datasets = logged_in.api("GET", "data/search", params={"q": "dimuon*", "type": "dataset"}).json()["items"]
    assert [item["did"] for item in datasets] == [DATASET]
    assert datasets[0]["scope"] == "user.demo" and datasets[0]["name"] == "dimuon-2012"


def test_search_refuses_an_unknown_type(logged_in: JupyterServer) -> None:
    answer = logged_in.api("GET", "data/search", params={"q": "*", "type": "table"})
    assert answer.status_code == 400 and answer.json()["fields"][0]["field"] == "type"


def test_did_details(logged_in: JupyterServer) -> None:
    did = logged_in.api("GET", "data/did", params={"did": DATASET}).json()
    assert did["type"] == "dataset" and len(did["content"]) == 3
    assert all(replica["rses"].get("ARCHIVE") == "AVAILABLE" for replica in did["replicas"])
    assert [rule["rse_expression"] for rule in did["rules"]] == ["ARCHIVE"]
    missing = logged_in.api("GET", "data/did", params={"did": "user.demo:nothing-here"})
    assert missing.status_code == 404 and missing.json()["error"] == "DataIdentifierNotFound"


def test_make_available_brings_the_dataset_to_local(logged_in: JupyterServer) -> None:
    started = time.perf_counter()
    before = logged_in.api("POST", "data/availability", json={"dids": [DATASET]}).json()["items"][DATASET]
    assert time.perf_counter() - started < 1
    assert (before["state"], before["files"], before["available_files"]) == ("not_available", 3, 0)
    assert logged_in.api("GET", "data/paths", params={"did": DATASET}).json() == {
        "did": DATASET,
        "state": "not_available",
        "paths": [],
    }
    made = logged_in.api("POST", "data/make-available", json={"did": DATASET, "lifetime": None}).json()
    assert made["rule_id"] and made["availability"]["state"] in ("replicating", "available")
    deadline = time.monotonic() + 30
    state = made["availability"]
    while state["state"] != "available" and time.monotonic() < deadline:
        time.sleep(0.2)
        state = logged_in.api("POST", "data/availability", json={"dids": [DATASET]}).json()["items"][DATASET]
    assert state["state"] == "available", state
    assert state["available_files"] == 3 and state["rule_id"] == made["rule_id"]
    paths = logged_in.api("GET", "data/paths", params={"did": DATASET}).json()
    assert paths["state"] == "available" and len(paths["paths"]) == 3
    assert all(Path(path).is_file() and "/rse/LOCAL/" in path for path in paths["paths"])
    again = logged_in.api("POST", "data/make-available", json={"did": DATASET}).json()
    assert again["rule_id"] == made["rule_id"]


def test_download_lands_under_data_with_the_lake_s_content(logged_in: JupyterServer, vre: VreServer) -> None:
    answer = logged_in.api("POST", "data/download", json={"did": DATASET})
    assert answer.status_code == 202
    job = logged_in.wait_job(answer.json()["job"])
    assert job["state"] == "done", job
    assert job["unit"] == "bytes" and job["done"] == job["total"] > 0
    assert sorted(job["result"]["paths"]) == [f"data/user.demo/dimuon-2012/dimuon_run{n}.csv" for n in (1, 2, 3)]
    archive = vre.home / "rse" / "ARCHIVE"
    for relative in job["result"]["paths"]:
        local = logged_in.root / relative
        original = next(archive.rglob(local.name))
        assert hashlib.md5(local.read_bytes()).digest() == hashlib.md5(original.read_bytes()).digest()  # noqa: S324


def test_upload_registers_files_in_a_dataset(logged_in: JupyterServer) -> None:
    folder = logged_in.root / "mine"
    folder.mkdir(exist_ok=True)
    (folder / "a.txt").write_text("alpha\n")
    (folder / "b.txt").write_text("beta\n")
    answer = logged_in.api(
        "POST", "data/upload", json={"paths": ["mine/a.txt", "mine/b.txt"], "scope": "user.demo", "dataset": "mine"}
    )
    assert answer.status_code == 202, answer.text
    job = logged_in.wait_job(answer.json()["job"])
    assert job["state"] == "done", job
    assert job["result"]["dids"] == ["user.demo:mine", "user.demo:a.txt", "user.demo:b.txt"]
    assert job["done"] == job["total"] == len("alpha\nbeta\n")
    state = logged_in.api("POST", "data/availability", json={"dids": ["user.demo:mine"]}).json()["items"]
    assert state["user.demo:mine"]["state"] == "available"


def test_paths_escaping_the_root_are_refused(logged_in: JupyterServer) -> None:
    for given in ("../x", "/etc/passwd", "mine/../../x"):
        answer = logged_in.api("POST", "data/upload", json={"paths": [given], "scope": "user.demo"})
        assert answer.status_code == 400, given
        assert answer.json()["error"] == "PathOutsideRoot"
    (logged_in.root / "outside").symlink_to("/tmp")
    answer = logged_in.api("POST", "data/download", json={"did": DATASET, "path": "outside/x"})
    assert answer.status_code == 400 and "symbolic link" in answer.json()["message"]


def test_unknown_job_is_404(logged_in: JupyterServer) -> None:
    answer = httpx.get(f"{logged_in.url}/openvre/api/jobs/abc", headers={"Authorization": f"token {logged_in.token}"})
    assert answer.status_code == 404 and answer.json()["error"] == "JobNotFound"
