"""A real `vre up --demo` and a real Jupyter server with openvre's extension, started once per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.jupyter_server import JupyterServer, start_jupyter
from tests.support.vre_server import VreServer, start_vre


@pytest.fixture(scope="module")
def vre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VreServer]:
    home = tmp_path_factory.mktemp("vre") / "home"
    server = start_vre(home, "--demo", env={"OPENVRE_ADMIN_PASSWORD": "admin-password-for-lab"})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def demo_password(vre: VreServer) -> str:
    """The demo account's password, as `vre up` prints it once on first start."""
    return vre.demo_password()


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
