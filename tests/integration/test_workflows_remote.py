"""`vre run` and `vre runs` against a remote REANA-compatible endpoint: a second openvre stands in for REANA."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.vre_server import VRE, VreServer, create_token, start_vre

HELLO = Path(__file__).resolve().parents[1] / "data" / "workflows" / "serial-hello"


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VreServer]:
    running = start_vre(
        tmp_path_factory.mktemp("remote") / "home", "--no-demo", env={"OPENVRE_ADMIN_PASSWORD": "r" * 20}
    )
    yield running
    running.stop()


def test_the_cli_runs_on_the_configured_remote_workflows_service(remote: VreServer, tmp_path: Path) -> None:
    token = create_token(str(remote.home), "admin")
    local_home = tmp_path / "laptop"  # this machine's own openvre: its workflows service is the remote one
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OPENVRE_")},
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "OPENVRE_HOME": str(local_home),
        "OPENVRE_WORKFLOWS__URL": f"{remote.url}/reana",
        "OPENVRE_WORKFLOWS__TOKEN": token,
    }
    analysis = Path(shutil.copytree(HELLO, tmp_path / "analysis"))

    def vre(*args: str) -> str:
        result = subprocess.run(
            [str(VRE), *args], env=env, cwd=analysis, capture_output=True, text=True, timeout=120, check=False
        )
        assert result.returncode == 0, f"vre {' '.join(args)}\n{result.stdout}{result.stderr}"
        return result.stdout

    assert "hello.1 finished" in vre("run", "reana.yaml", "-w", "hello", "-p", "greeting=Remote", "--follow")
    assert "hello.1" in vre("runs", "list")
    vre("runs", "download", "hello.1", "results/out.txt", "-o", "got")
    assert (analysis / "got" / "out.txt").read_text() == "Remote, World!\n"
    # The run lives on the remote server, not in this machine's HOME.
    listed = httpx.get(f"{remote.url}/reana/api/workflows", params={"access_token": token}).json()
    assert [item["name"] for item in listed["items"]] == ["hello.1"]
    assert not (local_home / "workspaces").exists()
