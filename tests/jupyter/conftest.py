"""A real `vre up --demo` and a real Jupyter server with openvre's extension, started once per module."""

from __future__ import annotations

import inspect
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.jupyter_server import JupyterServer, start_jupyter
from tests.support.vre_server import VRE, VreServer, start_vre

_DEMO_PASSWORD = re.compile(r"demo password\s+(\S+)")


def _no_lab_args() -> tuple[str, ...]:
    """``--no-lab`` when this `vre up` would start JupyterLab and start_vre does not already prevent it."""
    if "lab" in inspect.signature(start_vre).parameters:
        return ()
    help_text = subprocess.run([str(VRE), "up", "--help"], capture_output=True, text=True, check=False).stdout
    return ("--no-lab",) if "--no-lab" in help_text else ()


@pytest.fixture(scope="module")
def vre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VreServer]:
    home = tmp_path_factory.mktemp("vre") / "home"
    server = start_vre(home, "--demo", *_no_lab_args(), env={"OPENVRE_ADMIN_PASSWORD": "admin-password-for-lab"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def demo_password(vre: VreServer) -> str:
    """The demo account's password, as `vre up` prints it once on first start."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        match = _DEMO_PASSWORD.search(vre.output())
        if match:
            return match.group(1)
        time.sleep(0.1)
    raise AssertionError(f"vre up printed no demo password:\n{vre.output()}")


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lab") / "root"


@pytest.fixture(scope="module")
def jupyter(vre: VreServer, lab_root: Path) -> Iterator[JupyterServer]:
    server = start_jupyter(lab_root, vre_home=vre.home, vre_url=vre.url)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def logged_in(jupyter: JupyterServer, demo_password: str) -> JupyterServer:
    answer = jupyter.api("POST", "session", json={"username": "demo", "password": demo_password})
    assert answer.status_code == 200, answer.text
    return jupyter
