"""A step reads the data lake with the official rucio CLI (resources.rucio), and outputs go back as DIDs."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.rucio_server import CLIENT_REQUIREMENTS, ensure_venv
from tests.support.vre_server import VRE, VreServer, create_token, start_vre

WORKFLOW = Path(__file__).resolve().parents[1] / "data" / "workflows" / "rucio-inputs"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VreServer]:
    # The steps run as local processes: the official rucio CLI must be on their PATH, as in its image.
    rucio_bin = ensure_venv("rucio-clients", CLIENT_REQUIREMENTS)
    path = f"{rucio_bin}{os.pathsep}{os.environ['PATH']}"
    running = start_vre(tmp_path_factory.mktemp("vre") / "home", env={"OPENVRE_ADMIN_PASSWORD": "x" * 20, "PATH": path})
    yield running
    running.stop()


def test_a_step_downloads_a_did_and_outputs_are_registered(server: VreServer, tmp_path: Path) -> None:
    home = str(server.home)
    token = create_token(home, "demo")
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "OPENVRE_HOME": home,
        "OPENVRE_PORT": server.url.rsplit(":", 1)[1],
        "OPENVRE_TOKEN": token,
    }
    analysis = Path(shutil.copytree(WORKFLOW, tmp_path / "analysis"))

    def vre(*args: str) -> str:
        result = subprocess.run(
            [str(VRE), *args], env=env, cwd=analysis, capture_output=True, text=True, timeout=180, check=False
        )
        assert result.returncode == 0, f"vre {' '.join(args)}\n{result.stdout}{result.stderr}"
        return result.stdout + result.stderr

    output = vre("run", "reana.yaml", "-w", "lines", "--register-outputs", "user.demo")
    assert "lines.1 finished" in output
    assert "outputs registered as user.demo:lines.1.outputs on LOCAL" in output
    logs = vre("runs", "logs", "lines.1")
    assert "workflow.resources.rucio: steps get RUCIO_CONFIG" in logs
    shown = vre("data", "show", "user.demo:lines.1.outputs")
    assert "user.demo:lines.txt" in shown
    vre("data", "download", "user.demo:lines.txt", "--dir", "fetched")
    assert (analysis / "fetched" / "user.demo" / "lines.txt").read_text().strip() == "2001"
