"""A notebook's attached data in a real IPython kernel, against a real `vre up --demo`.

The kernel is started by jupyter_client's KernelManager from this venv's kernelspec, exactly as Jupyter
Server starts it for a notebook: ``JPY_SESSION_NAME`` names the notebook file, ``OPENVRE_*`` say where
the embedded services are. Nothing in the kernel is configured by hand: the extension must be loaded by
the startup file openvre installs into ``sys.prefix/etc/ipython/startup``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

from openvre.data import connect
from openvre.data._ops import availability, make_available
from openvre.db import Database
from openvre.identity import create_token
from openvre.settings import load_settings
from tests.support.vre_server import VreServer, start_vre

REPO = Path(__file__).resolve().parents[2]
STARTUP_FILE = "50-openvre.py"
DATASET = "user.demo:dimuon-2012"
RUN1 = "user.demo:dimuon_run1.csv"


@dataclass
class Cell:
    stdout: str
    stderr: str
    result: str
    error: dict[str, Any] | None


class Kernel:
    def __init__(self, manager: KernelManager, client: BlockingKernelClient) -> None:
        self.manager, self.client = manager, client

    def run(self, code: str) -> Cell:
        out: dict[str, list[str]] = {"stdout": [], "stderr": [], "result": []}
        error: dict[str, Any] = {}

        def hook(message: dict[str, Any]) -> None:
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                out[content["name"]].append(content["text"])
            elif kind in ("execute_result", "display_data"):
                out["result"].append(content["data"].get("text/plain", ""))
            elif kind == "error":
                error.update(content)

        self.client.execute_interactive(code, output_hook=hook, timeout=60)
        return Cell("".join(out["stdout"]), "".join(out["stderr"]), "".join(out["result"]), error or None)


def start_kernel(notebook: Path, env: dict[str, str]) -> Kernel:
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env={**os.environ, **env, "JPY_SESSION_NAME": str(notebook)}, cwd=str(notebook.parent))
    client = manager.blocking_client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return Kernel(manager, client)


def stop_kernel(kernel: Kernel) -> None:
    kernel.client.stop_channels()
    kernel.manager.shutdown_kernel(now=True)


def write_notebook(path: Path, attachments: list[dict[str, str]] | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(attachments, str):
        path.write_text(attachments)  # deliberately broken content
        return path
    notebook = {
        "cells": [],
        "metadata": {"openvre": {"attachments": attachments}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook))
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VreServer]:
    home = tmp_path_factory.mktemp("kernel") / "home"
    server = start_vre(home, "--demo")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def kernel_env(server: VreServer) -> dict[str, str]:
    """What a kernel started by the lab inherits: where openvre is, and the demo user's token."""
    database = Database(load_settings(home=server.home).database_url)
    with database.transaction() as session:
        token = create_token(session, "demo", "kernel test", timedelta(days=1)).secret
    database.dispose()
    port = server.url.rsplit(":", 1)[1]
    return {"OPENVRE_HOME": str(server.home), "OPENVRE_PORT": port, "OPENVRE_TOKEN": token}


def test_the_startup_file_openvre_installs_is_in_this_environment() -> None:
    installed = Path(sys.prefix) / "etc" / "ipython" / "startup" / STARTUP_FILE
    source = REPO / "jupyter-config" / "ipython" / "startup" / STARTUP_FILE
    assert installed.is_file(), f"{installed} is missing: reinstall openvre (make install)"
    assert installed.read_text() == source.read_text(), f"{installed} is stale: reinstall openvre (make install)"


def test_attached_data_is_a_placeholder_until_available_then_paths_without_restart(
    server: VreServer, kernel_env: dict[str, str], tmp_path: Path
) -> None:
    notebook = write_notebook(
        tmp_path / "work" / "analysis.ipynb",
        [
            {"did": DATASET, "variable": "dimuon", "type": "dataset"},
            {"did": RUN1, "variable": "run1", "type": "file"},
            {"did": "not a did", "variable": "ignored", "type": "file"},
        ],
    )
    kernel = start_kernel(notebook, kernel_env)
    try:
        shown = kernel.run("dimuon")
        assert shown.error is None, shown.error
        assert DATASET in shown.result and "not available" in shown.result
        assert "Make available" in shown.result and f"openvre.data.get('{DATASET}')" in shown.result

        for use in ("len(dimuon)", "dimuon[0]", "list(dimuon)", "open(dimuon)", "os.fspath(run1)", "run1.read_text()"):
            cell = kernel.run(f"import os; {use}")
            assert cell.error is not None, use
            assert cell.error["ename"] == "DataNotAvailable", (use, cell.error)
            assert DATASET in cell.error["evalue"] or RUN1 in cell.error["evalue"]
            assert "Make available" in cell.error["evalue"]
        assert kernel.run("ignored").error["ename"] == "NameError"  # type: ignore[index]
        assert "dimuon" in kernel.run("%who").stdout  # the user's variables, not hidden start-up names

        make_dataset_available(server, kernel_env["OPENVRE_TOKEN"])

        cell = kernel.run(
            "import csv\n"
            "rows = sum(1 for path in dimuon for _ in csv.DictReader(open(path)))\n"
            "print(type(dimuon).__name__, len(dimuon), rows, type(run1).__name__, run1.name)"
        )
        assert cell.error is None, cell.error
        assert cell.stdout.split() == ["list", "3", "6000", "PosixPath", "dimuon_run1.csv"]
    finally:
        stop_kernel(kernel)


def make_dataset_available(server: VreServer, token: str) -> None:
    """What "Make available" does: a rule to LOCAL; then wait for the transfer agent to copy the files."""
    settings = load_settings(home=server.home, port=int(server.url.rsplit(":", 1)[1]))
    with connect(settings, token=token) as lake:
        rule = make_available(lake, DATASET, "LOCAL")
        deadline = time.monotonic() + 60
        while not availability(lake, DATASET, "LOCAL", rule).complete:
            assert time.monotonic() < deadline, "the demo data set did not arrive on LOCAL within 60 s"
            time.sleep(0.2)
        assert availability(lake, RUN1, "LOCAL").complete


def test_inject_defines_paths_or_a_placeholder_as_the_front_end_asks(
    kernel_env: dict[str, str], tmp_path: Path
) -> None:
    notebook = write_notebook(tmp_path / "empty.ipynb", [])
    file = tmp_path / "dimuon_run2.csv"
    file.write_text("event,mass_gev,pt_gev\n1,91.2,20.0\n")
    kernel = start_kernel(notebook, {**kernel_env, "OPENVRE_PORT": "1"})  # no lake reachable: no re-check
    try:
        cell = kernel.run(
            "import openvre.jupyter.kernel as _ovre\n"
            f"_ovre.inject('one', 'user.demo:dimuon_run2.csv', [{str(file)!r}], 'available')\n"
            f"_ovre.inject('many', 'user.demo:dimuon-2012', [{str(file)!r}], 'available', did_type='dataset')\n"
            "_ovre.inject('later', 'user.demo:dimuon-2012', [], 'replicating', message='2/3 files on LOCAL')\n"
            "print(type(one).__name__, type(many).__name__, one.read_text().count(','))"
        )
        assert cell.error is None, cell.error
        assert cell.stdout.split() == ["PosixPath", "list", "4"]
        later = kernel.run("later")
        assert "being made available" in later.result and "2/3 files on LOCAL" in later.result
        error = kernel.run("later[0]").error
        assert error is not None and error["ename"] == "DataNotAvailable"
        bad = kernel.run("_ovre.inject('not a name', 'user.demo:x', [], 'available')").error
        assert bad is not None and bad["ename"] == "ValueError"
    finally:
        stop_kernel(kernel)


def test_notebooks_without_attachments_start_without_openvre_and_inject_loads_it(
    server: VreServer, kernel_env: dict[str, str], tmp_path: Path
) -> None:
    make_dataset_available(server, kernel_env["OPENVRE_TOKEN"])
    notebook = tmp_path / "plain.ipynb"
    notebook.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    kernel = start_kernel(notebook, kernel_env)
    try:
        assert kernel.run("import sys; print('openvre' in sys.modules)").stdout.strip() == "False"
        cell = kernel.run(
            "import openvre.jupyter.kernel as _ovre\n"
            "_ovre.inject('later', 'user.demo:dimuon-2012', [], 'not_available')\n"
            "print(get_ipython().extension_manager.loaded)"
        )
        assert "openvre.jupyter.kernel" in cell.stdout
        # Hooked: before the next cell the placeholder is checked against the lake, where the data is.
        assert kernel.run("print(len(later))").stdout.strip() == "3"
    finally:
        stop_kernel(kernel)


def test_a_kernel_without_a_token_says_how_to_get_one(kernel_env: dict[str, str], tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "a.ipynb", [{"did": DATASET, "variable": "dimuon", "type": "dataset"}])
    kernel = start_kernel(notebook, {**kernel_env, "OPENVRE_TOKEN": ""})
    try:
        shown = kernel.run("dimuon").result
        assert "could not be checked: not logged in" in shown and "restart the kernel" in shown
    finally:
        stop_kernel(kernel)


def test_a_broken_notebook_never_breaks_the_kernel_and_warns_once(kernel_env: dict[str, str], tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / "broken.ipynb", '{"metadata": {"openvre": {"attachments": [')
    kernel = start_kernel(notebook, kernel_env)
    try:
        first = kernel.run("print(1 + 1)")
        assert first.error is None and first.stdout.strip() == "2"
        assert "openvre:" in first.stderr and "attached data could not be set up" in first.stderr
        second = kernel.run("print(2 + 2)")
        assert second.stdout.strip() == "4" and second.stderr == ""
    finally:
        stop_kernel(kernel)


def test_the_demo_notebook_runs_on_its_attached_data(server: VreServer, kernel_env: dict[str, str]) -> None:
    """The demo workspace's analysis.ipynb, every code cell, once the data set is on LOCAL."""
    make_dataset_available(server, kernel_env["OPENVRE_TOKEN"])
    notebook = load_settings(home=server.home).lab_root / "dimuon" / "analysis.ipynb"
    kernel = start_kernel(notebook, kernel_env)
    try:
        cells = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
        outputs = []
        for cell in cells:
            ran = kernel.run("".join(cell["source"]))
            assert ran.error is None, ran.error
            outputs.append(ran.stdout + ran.result)
        text = "\n".join(outputs)
        assert "6000 events from 3 files" in text
        assert "most events between 90 and 92 GeV" in text
    finally:
        stop_kernel(kernel)
