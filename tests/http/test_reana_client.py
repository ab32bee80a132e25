"""openvre's own REANA client and submission against the app in-process: REANA's errors come back as ours."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from openvre.clients.reana import ReanaClient
from openvre.errors import InvalidToken
from openvre.workflows.errors import InvalidWorkflowSpec, RunStateError, WorkflowNotFound, WorkspaceFileNotFound
from openvre.workflows.submit import follow, load_submission, submit_run

HELLO = Path(__file__).resolve().parents[1] / "data" / "workflows" / "serial-hello"


@pytest.fixture
def analysis(tmp_path: Path) -> Path:
    return Path(shutil.copytree(HELLO, tmp_path / "analysis"))


@pytest.fixture
def client(app_client: TestClient, alice_token: str) -> ReanaClient:
    # TestClient is an httpx.Client running the app in-process; the REANA API lives under /reana.
    app_client.base_url = app_client.base_url.join("/reana")
    return ReanaClient(str(app_client.base_url), token=alice_token, http=app_client)


def test_submit_follow_and_download(client: ReanaClient, analysis: Path, tmp_path: Path) -> None:
    results = list(submit_run(client, analysis / "reana.yaml", name="hello", parameters={"greeting": "Hi"}))
    assert [(r.action, r.target, r.status) for r in results] == [
        ("create", "hello.1", "ok"),
        ("upload", "reana.yaml", "ok"),
        ("upload", "data/name.txt", "ok"),
        ("start", "hello.1", "ok"),
    ]
    statuses = list(follow(client, "hello.1", interval=0.05))
    assert statuses[-1]["status"] == "finished"
    saved = client.download_file("hello.1", "results/out.txt", tmp_path / "out")
    assert saved == tmp_path / "out" / "out.txt" and saved.read_text() == "Hi, World!\n"
    zipped = client.download_file("hello.1", "results", tmp_path / "out")
    assert zipped.name == "results.zip"
    logs = client.get_workflow_logs("hello.1", ["shout"])
    assert [job["job_name"] for job in logs["job_logs"].values()] == ["shout"]
    restarted = client.restart_workflow("hello.1", options={"TARGET": "greet"})
    assert f"{restarted['workflow_name']}.{restarted['run_number']}" == "hello.1.1"
    assert client.get_workflow_diff("hello.1", "hello.1.1")["workspace"] == ""  # one shared workspace


def test_reana_errors_become_openvre_errors(client: ReanaClient, analysis: Path, app_client: TestClient) -> None:
    with pytest.raises(WorkflowNotFound, match="does not exist"):
        client.get_workflow_status("nothing")
    broken = load_submission(analysis / "reana.yaml")
    del broken["workflow"]["specification"]["steps"][0]["environment"]
    with pytest.raises(InvalidWorkflowSpec, match="environment"):
        client.create_workflow(broken, "broken")
    client.create_workflow(load_submission(analysis / "reana.yaml"), "hello")
    with pytest.raises(RunStateError, match="nothing to stop"):
        client.stop_workflow("hello.1")
    with pytest.raises(WorkspaceFileNotFound, match="does not exist"):
        client.download_file("hello.1", "results/out.txt", analysis)
    with pytest.raises(InvalidToken, match="Token is not valid"):
        ReanaClient(str(app_client.base_url), token="vre_wrong", http=app_client).ping()


def test_a_local_spec_with_problems_is_refused_before_anything_is_sent(client: ReanaClient, analysis: Path) -> None:
    (analysis / "data" / "name.txt").unlink()
    with pytest.raises(InvalidWorkflowSpec, match=r"data/name\.txt"):
        list(submit_run(client, analysis / "reana.yaml", name="hello"))
    assert client.get_workflows()["total"] == 0
