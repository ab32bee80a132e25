"""`vre run` and `vre runs` as a user runs them, against a real `vre up`, in a copy of the hello analysis."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.vre_server import VRE, VreServer, create_token, start_vre

HELLO = Path(__file__).resolve().parents[1] / "data" / "workflows" / "serial-hello"


@dataclass
class Vre:
    env: dict[str, str]
    cwd: Path

    def __call__(self, *args: str, expect: int = 0) -> str:
        result = subprocess.run(
            [str(VRE), *args], env=self.env, cwd=self.cwd, capture_output=True, text=True, timeout=120, check=False
        )
        output = result.stdout + result.stderr
        assert result.returncode == expect, f"vre {' '.join(args)} → {result.returncode}\n{output}"
        return output


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VreServer]:
    running = start_vre(tmp_path_factory.mktemp("vre") / "home", "--no-demo", env={"OPENVRE_ADMIN_PASSWORD": "x" * 20})
    yield running
    running.stop()


@pytest.fixture
def vre(server: VreServer, tmp_path: Path) -> Vre:
    home = str(server.home)
    token = create_token(home, "admin")
    environment = {
        **os.environ,
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "OPENVRE_HOME": home,
        "OPENVRE_PORT": server.url.rsplit(":", 1)[1],
        "OPENVRE_TOKEN": token,
    }
    return Vre(environment, Path(shutil.copytree(HELLO, tmp_path / "analysis")))


def test_run_follow_then_inspect_download_restart_and_diff(vre: Vre) -> None:
    output = vre("run", "reana.yaml", "-w", "hello", "-p", "greeting=Hi", "--follow")
    assert "ok create hello.1" in " ".join(output.split())
    assert "hello.1 finished" in output and "2/2 steps" in output
    listed = vre("runs", "list", "--status", "finished")
    assert "hello.1" in listed and "finished" in listed
    assert "2/2 steps" in vre("runs", "status", "hello.1")
    logs = vre("runs", "logs", "hello.1", "--step", "shout")
    assert "step shout (finished)" in logs and "step greet" not in logs
    assert "results/out.txt" in vre("runs", "ls", "hello.1", "results/*")
    vre("runs", "download", "hello.1", "-o", "out")
    assert (vre.cwd / "out" / "out.txt").read_text() == "Hi, World!\n"
    assert "hello.1.1 is queued" in vre("runs", "restart", "hello.1", "-p", "greeting=Hey", "-o", "TARGET=greet")
    deadline = time.monotonic() + 30
    while "finished" not in vre("runs", "status", "hello.1.1"):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    diff = vre("runs", "diff", "hello.1", "hello.1.1")
    assert '-    "greeting": "Hi",' in diff and '+    "greeting": "Hey",' in diff
    assert "hello.1.1 deleted" in vre("runs", "delete", "hello.1.1")


def test_stop_and_a_failed_follow_exits_1(vre: Vre) -> None:
    vre("run", "-w", "sleeper", "-p", "sleeptime=60")
    deadline = time.monotonic() + 30
    while "running" not in vre("runs", "status", "sleeper.1"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert "sleeper.1 is stopped" in vre("runs", "stop", "sleeper.1")
    (vre.cwd / "data" / "name.txt").write_text("")
    spec = (vre.cwd / "reana.yaml").read_text().replace("tr a-z A-Z", "exit 3; tr a-z A-Z")
    (vre.cwd / "failing.yaml").write_text(spec)
    failed = vre("run", "failing.yaml", "-w", "failing", "--follow", expect=1)
    assert "failing.1 failed" in failed


def test_helpful_errors(vre: Vre) -> None:
    assert "does not exist" in vre("runs", "status", "nothing", expect=1)
    (vre.cwd / "data" / "name.txt").unlink()
    missing = vre("run", "-w", "hello", expect=1)
    assert "data/name.txt" in missing
    assert "is not NAME=VALUE" in vre("run", "-w", "x", "-p", "oops", expect=1)
    no_token = {**vre.env, "OPENVRE_TOKEN": ""}
    assert "vre login" in Vre(no_token, vre.cwd)("runs", "list", expect=1)


def test_export_writes_a_workflow_run_crate(vre: Vre) -> None:
    vre("run", "reana.yaml", "-w", "crate", "-p", "greeting=Salut", "--follow")
    output = vre("runs", "export", "crate.1", "--dir", "exported")
    crate = vre.cwd / "exported" / "crate.1.crate.zip"
    assert str(crate.name) in output and (vre.cwd / "exported" / "README.md").exists()
    with zipfile.ZipFile(crate) as archive:
        graph = json.loads(archive.read("ro-crate-metadata.json"))["@graph"]
        assert archive.read("workspace/results/out.txt").decode() == "Salut, World!\n"
    root = next(entity for entity in graph if entity.get("@id") == "./")
    assert "https://w3id.org/ro/wfrun/workflow/0.5" in json.dumps(root["conformsTo"])
    assert any(entity.get("@type") == "CreateAction" for entity in graph)
    assert "workflow nope.1 does not exist" in vre("runs", "export", "nope.1", expect=1)
