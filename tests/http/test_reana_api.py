"""The REANA REST API under /reana, in-process, against the shapes reana-client 0.9.6 reads."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from openvre import identity
from openvre.db import Database
from tests.conftest import USER_PASSWORD, make_token

HELLO = Path(__file__).resolve().parents[1] / "data" / "workflows" / "serial-hello"
API = "/reana/api"


class Reana:
    """The app seen as reana-client sees it: the token as ``?access_token=``."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client, self.token = client, token

    def request(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        params = {"access_token": self.token, **kwargs.pop("params", {})}
        response = self.client.request(method, API + path, params=params, **kwargs)
        assert response.status_code == expect, response.text
        return response.json() if response.headers.get("content-type") == "application/json" else response

    def create(self, name: str = "hello", spec: dict[str, Any] | None = None) -> str:
        body = self.request("POST", "/workflows", 201, params={"workflow_name": name}, json=spec or hello_spec())
        created: str = body["workflow_name"]
        self.upload(created, "/data/name.txt", b"World\n")
        return created

    def upload(self, workflow: str, name: str, content: bytes, expect: int = 200) -> Any:
        headers = {"Content-Type": "application/octet-stream"}
        path = f"/workflows/{workflow}/workspace"
        return self.request("POST", path, expect, params={"file_name": name}, content=content, headers=headers)

    def start(self, workflow: str, expect: int = 200, **body: Any) -> Any:
        body.setdefault("input_parameters", {})
        body.setdefault("operational_options", {})
        return self.request("POST", f"/workflows/{workflow}/start", expect, json=body)

    def wait(self, workflow: str, *statuses: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            status: dict[str, Any] = self.request("GET", f"/workflows/{workflow}/status")
            if status["status"] in statuses:
                return status
            assert time.monotonic() < deadline, f"{workflow} stayed {status['status']}"
            time.sleep(0.05)


def hello_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((HELLO / "reana.yaml").read_text())
    return spec


@pytest.fixture
def reana(app_client: TestClient, alice_token: str) -> Reana:
    return Reana(app_client, alice_token)


@pytest.fixture
def finished(reana: Reana) -> str:
    name = reana.create()
    reana.start(name, input_parameters={"greeting": "Hi"})
    reana.wait(name, "finished")
    return name


# -- server and caller ------------------------------------------------------------------------------
def test_you_info_and_ping(reana: Reana, app_client: TestClient) -> None:
    you = reana.request("GET", "/you")
    assert you["email"] == "alice@example.org" and you["full_name"] == "Alice"
    assert "REANA 0.9 API" in you["reana_server_version"]
    info = reana.request("GET", "/info")
    assert info["compute_backends"]["value"] == ["kubernetes"]
    assert info["workspaces_available"]["value"] == [info["default_workspace"]["value"]]
    assert app_client.get(f"{API}/ping").json() == {"message": "OK", "status": "200"}


def test_a_bad_token_is_403_and_no_token_401_with_reana_messages(app_client: TestClient, alice_token: str) -> None:
    bad = app_client.get(f"{API}/you", params={"access_token": "vre_nope"})
    assert bad.status_code == 403 and bad.json()["message"].startswith("Token is not valid")
    assert "REANA_ACCESS_TOKEN" in bad.json()["message"]
    missing = app_client.get(f"{API}/workflows")
    assert missing.status_code == 401 and "REANA_ACCESS_TOKEN" in missing.json()["message"]
    bearer = app_client.get(f"{API}/you", headers={"Authorization": f"Bearer {alice_token}"})
    assert bearer.status_code == 200


def test_unknown_paths_answer_in_reanas_format(reana: Reana) -> None:
    assert reana.request("GET", "/nothing", 404)["message"].startswith("no REANA endpoint")


# -- create and upload ------------------------------------------------------------------------------
def test_create_numbers_runs_and_uploads_strip_the_leading_slash(reana: Reana) -> None:
    assert reana.create() == "hello.1"
    assert reana.create() == "hello.2"
    created = reana.request("POST", "/workflows", 201, json=hello_spec())
    assert created["workflow_name"] == "workflow.1"
    assert reana.upload("hello.1", "/code/run.sh", b"echo hi\n") == {
        "message": "code/run.sh has been successfully uploaded."
    }
    names = [item["name"] for item in reana.request("GET", "/workflows/hello.1/workspace")["items"]]
    assert names == ["code/run.sh", "data/name.txt"]


def test_create_refuses_an_invalid_spec_naming_every_problem(reana: Reana) -> None:
    spec = hello_spec()
    for step in spec["workflow"]["specification"]["steps"]:
        del step["environment"]
    message = reana.request("POST", "/workflows", 400, params={"workflow_name": "bad"}, json=spec)["message"]
    assert message.startswith("reana.yaml has 2 problems:")
    assert "steps.0.environment" in message and "steps.1.environment" in message
    elsewhere = hello_spec()
    elsewhere["workflow"]["specification"]["steps"][1]["compute_backend"] = "slurmcern"
    message = reana.request("POST", "/workflows", 400, params={"workflow_name": "bad"}, json=elsewhere)["message"]
    assert "slurmcern" in message and "kubernetes" in message
    dotted = reana.request("POST", "/workflows", 400, params={"workflow_name": "my.run"}, json=hello_spec())
    assert "no '.'" in dotted["message"]


@pytest.mark.parametrize("name", ["../escape.txt", "/../escape.txt", "data/../../escape.txt", ".openvre/logs/x.log"])
def test_uploads_cannot_leave_the_workspace(reana: Reana, name: str) -> None:
    workflow = reana.create()
    message = reana.upload(workflow, name, b"x", expect=400)["message"]
    assert "refusing path" in message


# -- run, status, logs ------------------------------------------------------------------------------
def test_a_started_run_finishes_with_progress_parameters_and_logs(reana: Reana, finished: str) -> None:
    status = reana.request("GET", f"/workflows/{finished}/status")
    assert status["name"] == "hello.1" and status["user"] == "alice"
    progress = status["progress"]
    assert progress["total"]["total"] == 2 and progress["finished"]["total"] == 2
    assert len(progress["finished"]["job_ids"]) == 2
    assert progress["run_started_at"] and progress["run_finished_at"] and progress["run_stopped_at"] is None
    assert time.strptime(status["created"], "%Y-%m-%dT%H:%M:%S")  # the format reana-client parses
    parameters = reana.request("GET", f"/workflows/{finished}/parameters")
    assert parameters == {
        "id": status["id"],
        "name": "hello.1",
        "type": "serial",
        "parameters": {"greeting": "Hi", "sleeptime": 0},
    }
    specification = reana.request("GET", "/workflows/hello/specification")
    assert specification["specification"]["inputs"]["files"] == ["data/name.txt"]
    body = reana.request("GET", f"/workflows/{finished}/logs", params={"page": 1})
    logs = json.loads(body["logs"])
    assert set(logs) == {"workflow_logs", "job_logs", "engine_specific"}
    jobs = sorted(logs["job_logs"].values(), key=lambda job: job["job_name"])
    assert [job["job_name"] for job in jobs] == ["greet", "shout"]
    assert set(jobs[0]) == {
        "workflow_uuid",
        "job_name",
        "compute_backend",
        "backend_job_id",
        "docker_img",
        "cmd",
        "status",
        "logs",
        "started_at",
        "finished_at",
    }
    only_shout = json.loads(reana.request("GET", f"/workflows/{finished}/logs", content=b'["shout"]')["logs"])
    assert [job["job_name"] for job in only_shout["job_logs"].values()] == ["shout"]


def test_starting_twice_is_409_with_the_fix(reana: Reana, finished: str) -> None:
    assert "reana-client restart" in reana.start(finished, expect=409)["message"]


def test_other_users_do_not_see_alices_workflows(
    reana: Reana, finished: str, app_client: TestClient, app_database: Database
) -> None:
    with app_database.transaction() as session:
        identity.create_account(session, identity.NewAccount("bob", USER_PASSWORD, "bob@example.org", "Bob"))
    bob = Reana(app_client, make_token(app_database, "bob"))
    assert bob.request("GET", "/workflows")["items"] == []
    assert "does not exist" in bob.request("GET", f"/workflows/{finished}/status", 404)["message"]
    alice_id = reana.request("GET", f"/workflows/{finished}/status")["id"]
    bob.request("GET", f"/workflows/{alice_id}/workspace/results/out.txt", 404)


# -- workspace --------------------------------------------------------------------------------------
def test_ls_download_and_rm(reana: Reana, finished: str) -> None:
    listing = reana.request("GET", f"/workflows/{finished}/workspace", params={"page": 1, "size": 2})
    assert listing["total"] == 3 and [item["name"] for item in listing["items"]] == [
        "data/name.txt",
        "results/loud.txt",
    ]
    assert set(listing["items"][0]) == {"name", "size", "last-modified"}
    globbed = reana.request("GET", f"/workflows/{finished}/workspace", params={"file_name": "results/*"})
    assert [item["name"] for item in globbed["items"]] == ["results/loud.txt", "results/out.txt"]
    one = reana.request("GET", f"/workflows/{finished}/workspace/results/out.txt")
    assert one.content == b"Hi, World!\n" and 'filename="out.txt"' in one.headers["content-disposition"]
    for path, zip_name in (("results", "results.zip"), ("results/*.txt", "download.zip")):
        archive = reana.request("GET", f"/workflows/{finished}/workspace/{path}")
        assert (
            archive.headers["content-type"] == "application/zip" and zip_name in archive.headers["content-disposition"]
        )
        assert sorted(zipfile.ZipFile(io.BytesIO(archive.content)).namelist()) == [
            "results/loud.txt",
            "results/out.txt",
        ]
    reana.request("GET", f"/workflows/{finished}/workspace/results/nothing.txt", 404)
    reana.request("GET", f"/workflows/{finished}/workspace/..%2F..%2Fetc%2Fpasswd", 400)
    deleted = reana.request("DELETE", f"/workflows/{finished}/workspace/results%2Fout.txt")
    assert deleted == {"deleted": {"results/out.txt": {"size": 11}}, "failed": {}}
    assert reana.request("DELETE", f"/workflows/{finished}/workspace/nothing") == {"deleted": {}, "failed": {}}


# -- list -------------------------------------------------------------------------------------------
def test_list_filters_by_csv_status_and_search_and_pages(reana: Reana, finished: str) -> None:
    reana.create("other")
    listed = reana.request("GET", "/workflows", params={"type": "batch", "status": "created,running,finished"})
    assert [item["name"] for item in listed["items"]] == ["other.1", "hello.1"] and listed["total"] == 2
    item = listed["items"][1]
    assert item["size"] == {"raw": -1, "human_readable": ""} and "total" not in item["progress"]
    created = reana.request("GET", "/workflows", params={"status": "created"})
    assert [item["name"] for item in created["items"]] == ["other.1"]
    searched = reana.request("GET", "/workflows", params={"search": json.dumps({"name": ["hell"]})})
    assert [item["name"] for item in searched["items"]] == ["hello.1"]
    paged = reana.request("GET", "/workflows", params={"page": 2, "size": 1, "include_progress": "true"})
    assert paged["total"] == 2 and paged["items"][0]["progress"]["finished"]["total"] == 2
    sized = reana.request(
        "GET", "/workflows", params={"include_workspace_size": "true", "search": '{"name": ["hello"]}'}
    )
    assert sized["items"][0]["size"]["raw"] > 0
    assert "unknown status" in reana.request("GET", "/workflows", 400, params={"status": "done"})["message"]


# -- restart, stop, delete, diff --------------------------------------------------------------------
def test_restart_answers_name_and_run_number_as_reana_client_reads_them(reana: Reana, finished: str) -> None:
    spec = hello_spec()
    spec["inputs"]["parameters"]["greeting"] = "Hey"
    answer = reana.start(finished, restart=True, reana_specification=spec, operational_options={"TARGET": "greet"})
    assert (answer["workflow_name"], answer["run_number"]) == ("hello", "1.1")
    status = reana.wait("hello.1.1", "finished")
    assert status["progress"]["total"]["total"] == 1  # TARGET ran the first step only
    out = reana.request("GET", "/workflows/hello.1.1/workspace/results/out.txt")
    assert out.content == b"Hi, World!\n"  # the -p given to hello.1 is kept; the new spec's default is not used


def test_stop_a_running_run(reana: Reana) -> None:
    name = reana.create()
    reana.start(name, input_parameters={"sleeptime": "60"})
    reana.wait(name, "running")
    answer = reana.request("PUT", f"/workflows/{name}/status", params={"status": "stop"}, json={"force_stop": True})
    assert answer["status"] == "stopped"
    assert reana.request("GET", f"/workflows/{name}/status")["progress"]["run_stopped_at"]


def test_delete_hides_the_run_from_the_default_list(reana: Reana, finished: str) -> None:
    answer = reana.request(
        "PUT", f"/workflows/{finished}/status", params={"status": "deleted"}, json={"all_runs": False}
    )
    assert answer["status"] == "deleted"
    default = reana.request("GET", "/workflows", params={"status": "created,running,finished,failed,stopped"})
    assert default["items"] == []
    everything = reana.request("GET", "/workflows", params={"status": "created,finished,deleted"})
    assert [item["status"] for item in everything["items"]] == ["deleted"]
    assert "status=stop" in reana.request("PUT", "/workflows/hello/status", 400, params={"status": "paused"})["message"]


def test_diff_of_two_runs(reana: Reana, finished: str) -> None:
    second = reana.create()
    reana.start(second, input_parameters={"greeting": "Bye"})
    reana.wait(second, "finished")
    diff = reana.request("GET", f"/workflows/{finished}/diff/{second}", params={"brief": "false", "context_lines": "1"})
    specification = json.loads(diff["reana_specification"])
    assert '-    "greeting": "Hi",' in specification["inputs"]
    listing = json.loads(diff["workspace_listing"])
    assert "-Hi, World!" in listing and "+Bye, World!" in listing


def test_uploads_and_downloads_also_answer_without_the_reana_prefix(reana: Reana, app_client: TestClient) -> None:
    """reana-client joins REANA_SERVER_URL and these two paths with urljoin, which drops /reana."""
    workflow = reana.create()
    params = {"access_token": reana.token, "file_name": "/notes.txt"}
    headers = {"Content-Type": "application/octet-stream"}
    uploaded = app_client.post(f"/api/workflows/{workflow}/workspace", params=params, content=b"n", headers=headers)
    assert uploaded.json() == {"message": "notes.txt has been successfully uploaded."}
    downloaded = app_client.get(f"/api/workflows/{workflow}/workspace/notes.txt", params={"access_token": reana.token})
    assert downloaded.content == b"n"
    refused = app_client.get(f"/api/workflows/{workflow}/workspace/notes.txt", params={"access_token": "vre_bad"})
    assert refused.status_code == 403 and refused.json()["message"].startswith("Token is not valid")
