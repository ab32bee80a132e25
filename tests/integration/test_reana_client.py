"""The official reana-client 0.9.6 (its own venv) against `vre up`'s embedded workflows service at /reana.

reana-client clashes with JupyterLab's dependencies, so it lives in .venvs/reana-client and runs as a
subprocess, exactly as a user runs it: REANA_SERVER_URL=<vre>/reana and an openvre token as
REANA_ACCESS_TOKEN, in a copy of tests/data/workflows/serial-hello.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.rucio_server import ensure_venv
from tests.support.vre_server import VreServer, start_vre

HELLO = Path(__file__).resolve().parents[1] / "data" / "workflows" / "serial-hello"
PASSWORD = "admin-password-for-reana"


@dataclass
class ReanaClient:
    """reana-client with its environment and a working directory holding the hello analysis."""

    bindir: Path
    env: dict[str, str]
    cwd: Path

    def __call__(self, *args: str, expect: int = 0) -> str:
        result = subprocess.run(
            [str(self.bindir / "reana-client"), *args],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        output = result.stdout + result.stderr
        assert result.returncode == expect, f"reana-client {' '.join(args)} → {result.returncode}\n{output}"
        return output

    def wait(self, workflow: str, status: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while True:
            output = self("status", "-w", workflow)
            if status in output.split():
                return output
            assert time.monotonic() < deadline, f"{workflow} never became {status}:\n{output}"
            time.sleep(0.5)


def started(output: str, workflow: str) -> bool:
    """What reana-client prints after a start: the status it then reads, which our fast scheduler may have moved on."""
    return re.search(rf"{re.escape(workflow)} (has been queued|is pending|is running|has finished)", output) is not None


def runs(listing: str) -> dict[tuple[str, str], str]:
    """``reana-client list``'s table as {(name, run number): status}."""
    rows = [line.split() for line in listing.splitlines()[1:] if line.strip()]
    return {(row[0], row[1]): row[-1] for row in rows}


@pytest.fixture(scope="module")
def reana_bin() -> Path:
    return ensure_venv("reana-client", ("reana-client==0.9.6",))


@pytest.fixture(scope="module")
def openvre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VreServer]:
    server = start_vre(tmp_path_factory.mktemp("vre") / "home", "--no-demo", env={"OPENVRE_ADMIN_PASSWORD": PASSWORD})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token(openvre: VreServer) -> str:
    return openvre.token("admin")


def _client(bindir: Path, openvre: VreServer, token: str, workdir: Path) -> ReanaClient:
    shutil.copytree(HELLO, workdir, dirs_exist_ok=True)
    env = {
        "PATH": f"{bindir}:{os.environ['PATH']}",
        "HOME": str(workdir),
        "REANA_SERVER_URL": f"{openvre.url}/reana",
        "REANA_ACCESS_TOKEN": token,
        "PYTHONWARNINGS": "ignore",
    }
    return ReanaClient(bindir, env, workdir)


@pytest.fixture
def reana(reana_bin: Path, openvre: VreServer, token: str, tmp_path: Path) -> ReanaClient:
    return _client(reana_bin, openvre, token, tmp_path / "analysis")


def test_ping_info_and_a_bad_token(reana: ReanaClient) -> None:
    pong = reana("ping")
    assert "Status: Connected" in pong and "Authenticated as: Administrator <" in pong
    assert "REANA 0.9 API" in pong
    assert "List of supported compute backends: kubernetes" in reana("info")
    reana.env["REANA_ACCESS_TOKEN"] = "vre_not-a-token"
    assert "ERROR: INVALID ACCESS TOKEN" in reana("ping", expect=1)


def test_validate_with_server_capabilities(reana: ReanaClient) -> None:
    output = reana("validate", "--server-capabilities")
    assert "Valid REANA specification file." in output
    assert "Workflow compute backends appear to be valid." in output


def test_create_upload_start_status_logs_ls_download_rm(reana: ReanaClient) -> None:
    assert "hello.1" in reana("create", "-w", "hello")
    uploaded = reana("upload", "-w", "hello.1")
    assert "data/name.txt was successfully uploaded." in uploaded
    assert started(reana("start", "-w", "hello.1", "-p", "greeting=Hi"), "hello.1")
    status = reana.wait("hello.1", "finished")
    assert "2/2" in status
    logs = reana("logs", "-w", "hello.1")
    assert "Step: greet" in logs and "Step: shout" in logs and "Workflow engine logs" in logs
    assert "Step: shout" not in reana("logs", "-w", "hello.1", "--filter", "step=greet")
    listing = reana("ls", "-w", "hello.1")
    assert "results/out.txt" in listing and "data/name.txt" in listing and "reana.yaml" in listing
    downloaded = reana("download", "-w", "hello.1", "-o", "out")
    assert "File out.txt downloaded to out." in downloaded
    assert (reana.cwd / "out" / "out.txt").read_text() == "Hi, World!\n"
    assert (reana.cwd / "out" / "loud.txt").read_text() == "HI, WORLD!\n"
    assert reana("download", "-w", "hello.1", "results/out.txt", "-o", "-").startswith("Hi, World!")
    removed = reana("rm", "-w", "hello.1", "results/loud.txt")
    assert "results/loud.txt was successfully deleted." in removed
    assert "did not match any existing file" in reana("rm", "-w", "hello.1", "results/loud.txt", expect=1)


def test_list_with_status_filters_and_name_filter(reana: ReanaClient) -> None:
    reana("create", "-w", "listed")
    assert runs(reana("list"))[("listed", "1")] == "created"
    assert ("listed", "1") not in runs(reana("list", "--filter", "status=finished"))
    assert ("listed", "1") in runs(reana("list", "--filter", "status=created", "--filter", "name=list"))
    assert runs(reana("list", "--filter", "name=nothing-like-it")) == {}
    progress = reana("list", "--include-progress", "--filter", "name=listed")
    assert "PROGRESS" in progress.splitlines()[0]


def test_restart_then_delete(reana: ReanaClient) -> None:
    reana("run", "-w", "again", "-p", "greeting=Hey")
    reana.wait("again.1", "finished")
    restarted = reana("restart", "-w", "again.1", "-o", "TARGET=greet")
    assert started(restarted, "again.1.1")
    reana.wait("again.1.1", "finished")
    assert "1/1" in reana("status", "-w", "again.1.1")
    assert "again.1.1 has been deleted" in reana("delete", "-w", "again.1.1")
    assert ("again", "1.1") not in runs(reana("list"))
    assert runs(reana("list", "--show-deleted-runs"))[("again", "1.1")] == "deleted"
    assert runs(reana("list"))[("again", "1")] == "finished"


def test_run_and_stop(reana: ReanaClient) -> None:
    output = reana("run", "-w", "sleeper", "-p", "sleeptime=60")
    assert "Creating a workflow..." in output and started(output, "sleeper.1")
    reana.wait("sleeper.1", "running")
    assert "sleeper.1 has been stopped" in reana("stop", "-w", "sleeper.1", "--force")
    assert "stopped" in reana("status", "-w", "sleeper.1").split()


def test_a_spec_the_server_refuses_shows_its_message(reana: ReanaClient) -> None:
    spec = (
        (reana.cwd / "reana.yaml")
        .read_text()
        .replace("        environment: docker.io/library/python:3.12-slim\n", "", 1)
    )
    (reana.cwd / "broken.yaml").write_text(spec)
    output = reana("create", "-w", "broken", "-f", "broken.yaml", "--skip-validation", expect=1)
    assert "Cannot create workflow broken" in output
    assert "workflow.specification.steps.0.environment" in output


def test_diff_of_two_runs(reana: ReanaClient) -> None:
    reana("run", "-w", "left", "-p", "greeting=Hi")
    reana("run", "-w", "right", "-p", "greeting=Bye")
    reana.wait("left.1", "finished")
    reana.wait("right.1", "finished")
    output = reana("diff", "left.1", "right.1")
    assert "Differences in workflow inputs" in output
    assert "Differences in workflow workspace" in output and "+Bye, World!" in output
