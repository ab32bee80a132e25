"""The Workflows panel's routes: validate, run a serial reana.yaml from the root, follow it, fetch results."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.jupyter_server import JupyterServer

HELLO = Path(__file__).resolve().parents[1] / "data" / "workflows" / "serial-hello"
INVALID = """\
version: 0.9.0
inputs:
  parameters:
    greeting: Hello
workflow:
  type: serial
  specification:
    steps:
      - environment: docker.io/library/python:3.12-slim
        commands: echo ${greeting}
        memory: lots
"""


@pytest.fixture(scope="module")
def hello(logged_in: JupyterServer) -> str:
    shutil.copytree(HELLO, logged_in.root / "hello")
    return "hello/reana.yaml"


def wait_status(server: JupyterServer, workflow: str, wanted: set[str], timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        details: dict[str, Any] = server.api("GET", f"workflows/{workflow}").json()
        if details["status"] in wanted:
            return details
        time.sleep(0.3)
    raise AssertionError(f"{workflow} is still {details['status']}")


def submitted(server: JupyterServer, body: dict[str, Any]) -> str:
    answer = server.api("POST", "workflows", json=body)
    assert answer.status_code == 202, answer.text
    job = server.wait_job(answer.json()["job"])
    assert job["state"] == "done", job
    assert job["unit"] == "steps" and job["done"] == job["total"]
    workflow: str = job["result"]["workflow"]
    return workflow


def test_validate_lists_problems_with_lines(logged_in: JupyterServer) -> None:
    (logged_in.root / "broken").mkdir()
    (logged_in.root / "broken" / "reana.yaml").write_text(INVALID)
    answer = logged_in.api("POST", "workflows/validate", json={"path": "broken/reana.yaml"}).json()
    assert answer["valid"] is False
    errors = [p for p in answer["problems"] if p["severity"] == "error"]
    assert errors and all(p["line"] and p["fix"] for p in errors)
    assert {p["line"] for p in errors} & {10, 11}
    refused = logged_in.api("POST", "workflows", json={"path": "broken/reana.yaml"})
    assert refused.status_code == 422
    assert refused.json()["error"] == "InvalidWorkflowSpec"
    assert refused.json()["problems"][0]["line"] in (10, 11)


def test_validate_a_good_spec(logged_in: JupyterServer, hello: str) -> None:
    answer = logged_in.api("POST", "workflows/validate", json={"path": hello}).json()
    assert answer["valid"] is True and answer["workflow_type"] == "serial"


def test_run_follow_logs_graph_and_download(logged_in: JupyterServer, hello: str) -> None:
    workflow = submitted(logged_in, {"path": hello, "name": "hello", "parameters": {"greeting": "Hi"}})
    assert workflow == "hello.1"
    details = wait_status(logged_in, workflow, {"finished", "failed"})
    assert details["status"] == "finished", details
    assert (details["name"], details["run_number"], details["workflow_type"]) == ("hello", "1", "serial")
    assert details["progress"] == {"finished": 2, "total": 2}
    assert details["graph"] == {
        "nodes": [
            {"id": "greet", "label": "greet", "status": "finished"},
            {"id": "shout", "label": "shout", "status": "finished"},
        ],
        "edges": [["greet", "shout"]],
    }
    logs = logged_in.api("GET", f"workflows/{workflow}/logs").json()
    assert [step["name"] for step in logs["steps"]] == ["greet", "shout"]
    files = {f["name"]: f for f in logged_in.api("GET", f"workflows/{workflow}/files").json()["files"]}
    assert files["results/out.txt"]["size"] > 0
    listed = logged_in.api("GET", "workflows", params={"search": "hello", "status": "finished"}).json()
    assert [item["workflow"] for item in listed["items"]] == ["hello.1"] and listed["total"] == 1
    job = logged_in.wait_job(logged_in.api("POST", f"workflows/{workflow}/download", json={}).json()["job"])
    assert job["state"] == "done", job
    assert sorted(job["result"]["paths"]) == ["results/hello.1/results/loud.txt", "results/hello.1/results/out.txt"]
    name = (HELLO / "data" / "name.txt").read_text().strip()
    assert (logged_in.root / "results/hello.1/results/out.txt").read_text().strip() == f"Hi, {name}!"


def test_restart_stop_and_delete(logged_in: JupyterServer, hello: str) -> None:
    wait_status(logged_in, "hello.1", {"finished"})
    restarted = logged_in.api("POST", "workflows/hello.1/restart")
    assert restarted.status_code == 200, restarted.text
    assert restarted.json()["workflow"] == "hello.1.1"
    assert wait_status(logged_in, "hello.1.1", {"finished", "failed"})["status"] == "finished"
    slow = submitted(logged_in, {"path": hello, "name": "slow", "parameters": {"sleeptime": 60}})
    wait_status(logged_in, slow, {"running"})
    stopped = logged_in.api("POST", f"workflows/{slow}/stop")
    assert stopped.status_code == 200, stopped.text
    assert wait_status(logged_in, slow, {"stopped"})["status"] == "stopped"
    assert logged_in.api("DELETE", f"workflows/{slow}").json() == {"deleted": slow}
    assert slow not in [i["workflow"] for i in logged_in.api("GET", "workflows").json()["items"]]
    missing = logged_in.api("GET", "workflows/nothing.9")
    assert missing.status_code == 404 and missing.json()["error"] == "WorkflowNotFound"


def test_a_cwl_run_s_graph_comes_from_its_workflow_file(logged_in: JupyterServer) -> None:
    shutil.copytree(HELLO.parent / "cwl", logged_in.root / "cwl")
    workflow = submitted(logged_in, {"path": "cwl/reana.yaml", "name": "greetings"})
    details = wait_status(logged_in, workflow, {"finished", "failed"}, timeout=120)
    assert details["workflow_type"] == "cwl"
    assert [node["id"] for node in details["graph"]["nodes"]] == ["greet", "count"]
    assert details["graph"]["edges"] == [["greet", "count"]]
    if details["status"] == "finished":
        assert {node["status"] for node in details["graph"]["nodes"]} == {"finished"}
    chosen = logged_in.api("POST", f"workflows/{workflow}/download", json={"files": ["workflow"], "path": "mine"})
    job = logged_in.wait_job(chosen.json()["job"])
    assert job["state"] == "done", job
    assert sorted(job["result"]["paths"]) == ["mine/workflow/hello.cwl", "mine/workflow/job.yml"]


def test_the_list_pages_oldest_or_newest_first(logged_in: JupyterServer, hello: str) -> None:
    runs = [submitted(logged_in, {"path": hello, "name": "paged"}) for _ in range(3)]
    for workflow in runs:
        wait_status(logged_in, workflow, {"finished", "failed"})

    def page(sort: str, number: int) -> list[str]:
        params = {"search": "paged", "sort": sort, "page": str(number), "size": "2"}
        answer = logged_in.api("GET", "workflows", params=params).json()
        assert answer["total"] == 3
        return [item["workflow"] for item in answer["items"]]

    assert page("asc", 1) + page("asc", 2) == ["paged.1", "paged.2", "paged.3"] == runs
    assert page("desc", 1) + page("desc", 2) == ["paged.3", "paged.2", "paged.1"]
    refused = logged_in.api("GET", "workflows", params={"sort": "sideways"})
    assert refused.status_code == 400 and refused.json()["fields"][0]["field"] == "sort"
