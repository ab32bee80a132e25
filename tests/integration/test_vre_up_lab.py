"""`vre up` with its JupyterLab, as a user starts it: the lab, the portal's "Open JupyterLab", stopping.

One `vre up` (with the lab) serves the module; the tests that stop a server start their own.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_core.paths import jupyter_runtime_dir

from tests.support.vre_server import VRE, VreServer, start_vre

ADMIN_PASSWORD = "lab-admin-password-1234"
ENV = {"OPENVRE_ADMIN_PASSWORD": ADMIN_PASSWORD}
API_TOKEN = re.compile(r"vre_[A-Za-z0-9_-]{20,}")  # a whole secret; pages show only its first characters


def lab_processes(server: VreServer) -> list[int]:
    """JupyterLab processes serving this server's lab port (however they were started)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"jupyterlab" in command and f"--ServerApp.port={server.lab_port}".encode() in command:
            found.append(int(pid))
    return found


def lab_token(server: VreServer) -> str:
    """The lab's Jupyter token, read as its owner can: from the process environment."""
    (pid,) = lab_processes(server)
    environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return next(item.split(b"=", 1)[1].decode() for item in environment if item.startswith(b"JUPYTER_TOKEN="))


def wait_gone(pids: list[int], timeout: float = 20) -> list[int]:
    deadline = time.monotonic() + timeout
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if Path(f"/proc/{pid}").exists() and not _zombie(pid)]
        time.sleep(0.1)
    return alive


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


def portal_login(client: httpx.Client, username: str, password: str) -> None:
    form = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf is not None
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf.group(1)})
    assert answer.status_code == 303, answer.text


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VreServer]:
    home = tmp_path_factory.mktemp("lab") / "home"
    server = start_vre(home, "--demo", env=ENV, lab=True)
    yield server
    server.stop()


def test_the_lab_answers_on_localhost_with_its_own_token_only(server: VreServer) -> None:
    assert server.lab_url is not None
    assert httpx.get(f"{server.lab_url}/api/status").status_code in (401, 403)
    assert httpx.get(f"{server.lab_url}/api/status", params={"token": "wrong"}).status_code in (401, 403)
    headers = {"Authorization": f"token {lab_token(server)}"}
    assert httpx.get(f"{server.lab_url}/api/status", headers=headers).status_code == 200
    extensions = httpx.get(f"{server.lab_url}/lab/api/extensions", headers=headers)
    assert extensions.status_code == 200
    notification = httpx.get(
        f"{server.lab_url}/lab/api/settings/@jupyterlab/apputils-extension:notification", headers=headers
    )
    # Overridden default: JupyterLab asks about news (a prompt over the panels) only while it is "none".
    assert notification.json()["schema"]["properties"]["fetchNews"]["default"] == "false"
    listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, check=True).stdout
    assert f"127.0.0.1:{server.lab_port} " in listening
    assert f"0.0.0.0:{server.lab_port} " not in listening and f"*:{server.lab_port} " not in listening


def test_health_and_vre_status_say_the_lab_answers_without_giving_its_token(server: VreServer) -> None:
    health = httpx.get(f"{server.url}/health")
    assert health.json()["workspace"] == {"status": "ok", "open_url": f"{server.url}/lab", "hint": None}
    assert lab_token(server) not in health.text and str(server.lab_port) not in health.text
    status = subprocess.run(
        [str(VRE), "status", "--url", server.url], capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}
    )
    assert status.returncode == 0, status.stderr
    assert f"JupyterLab workspace ok: open {server.url}/lab" in status.stdout


def test_the_lab_keeps_its_layout_in_the_openvre_home(server: VreServer) -> None:
    """Two openvre homes (or a user's other labs) never restore each other's panels."""
    headers = {"Authorization": f"token {lab_token(server)}"}
    layout = {"data": {"layout-restorer:data": {}}, "metadata": {"id": "openvre-layout-test"}}
    saved = httpx.put(f"{server.lab_url}/lab/api/workspaces/openvre-layout-test", json=layout, headers=headers)
    assert saved.status_code == 204, saved.text
    kept = list((server.home / "jupyter-workspaces").glob("openvre-layout-test*.jupyterlab-workspace"))
    assert len(kept) == 1
    assert not list((Path.home() / ".jupyter" / "lab" / "workspaces").glob("openvre-layout-test*"))


def test_the_banner_shows_the_lab_and_its_log(server: VreServer) -> None:
    output = server.output()
    assert f"JupyterLab  {server.lab_url}/lab" in output
    assert f"{server.url}/lab" in output
    log = server.home / "logs" / "jupyterlab.log"
    assert "Jupyter Server" in log.read_text()
    assert lab_token(server) not in output


def test_the_lab_serves_the_lab_folder_with_the_demo_analysis(server: VreServer) -> None:
    headers = {"Authorization": f"token {lab_token(server)}"}
    listing = httpx.get(f"{server.lab_url}/api/contents/dimuon", headers=headers).json()
    names = {item["name"] for item in listing["content"]}
    assert {"analysis.ipynb", "reana.yaml", "codemeta.json", "README.md", "code", "data"} <= names


def test_kernels_of_notebooks_know_their_notebook_and_the_services(server: VreServer) -> None:
    """Jupyter Server's session names the notebook in JPY_SESSION_NAME: the kernel extension relies on it."""
    headers = {"Authorization": f"token {lab_token(server)}"}
    session = httpx.post(
        f"{server.lab_url}/api/sessions",
        headers=headers,
        json={
            "path": "dimuon/analysis.ipynb",
            "name": "analysis.ipynb",
            "type": "notebook",
            "kernel": {"name": "python3"},
        },
    )
    assert session.status_code == 201, session.text
    kernel_id = session.json()["kernel"]["id"]
    connection = Path(jupyter_runtime_dir()) / f"kernel-{kernel_id}.json"
    client = BlockingKernelClient(connection_file=str(connection))
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        lines: list[str] = []
        client.execute_interactive(
            "import os; print(os.environ['JPY_SESSION_NAME'], os.environ['OPENVRE_PORT']); print(repr(dimuon))",
            output_hook=lambda m: lines.append(m["content"].get("text", "")),
            timeout=60,
        )
        first, second = "".join(lines).splitlines()[:2]
        root = server.home / "lab"
        assert first == f"{root / 'dimuon' / 'analysis.ipynb'} {server.url.rsplit(':', 1)[1]}"
        # No token in this lab yet (nobody opened it from the portal): the placeholder says why.
        assert "user.demo:dimuon-2012" in second
    finally:
        client.stop_channels()
        httpx.delete(f"{server.lab_url}/api/sessions/{session.json()['id']}", headers=headers)


def test_open_jupyterlab_from_the_portal_logs_the_user_in_there(server: VreServer) -> None:
    with httpx.Client(base_url=server.url) as browser:
        assert browser.get("/lab").headers["location"] == "/login?next=/lab"
        portal_login(browser, "admin", ADMIN_PASSWORD)
        home = browser.get("/")
        assert 'id="open-lab"' in home.text and "not in this build yet" not in home.text
        answer = browser.get("/lab")
        assert answer.status_code == 303, answer.text
        token = lab_token(server)
        assert answer.headers["location"] == f"{server.lab_url}/lab?token={token}"
        profile = browser.get("/profile")
        assert "jupyterlab" in profile.text  # the token exists, listed by name and prefix only
        for sent in (answer.text, str(answer.headers), profile.text, browser.get("/").text):
            assert not API_TOKEN.search(sent), "an openvre token secret reached the browser"
    session = httpx.get(f"{server.lab_url}/openvre/api/session", headers={"Authorization": f"token {token}"})
    if session.status_code == 404:
        pytest.skip("the openvre.jupyter server extension is not enabled in this environment (make install)")
    assert session.status_code == 200
    assert session.json()["logged_in"] is True and session.json()["account"] == "admin"
    # Jupyter's own token in the URL logs the browser into the lab (it answers with its cookie).
    with httpx.Client() as lab_browser:
        entered = lab_browser.get(f"{server.lab_url}/lab", params={"token": token})
        assert entered.status_code == 200
        assert lab_browser.get(f"{server.lab_url}/api/status").status_code == 200


def test_sigterm_to_vre_up_stops_the_lab_too(tmp_path: Path) -> None:
    server = start_vre(tmp_path / "home", "--no-demo", env=ENV, lab=True)
    pids = lab_processes(server)
    assert len(pids) == 1
    assert server.stop() == 0
    assert wait_gone(pids) == []
    assert "openvre stopped" in server.output()


def test_a_killed_vre_up_leaves_no_lab_behind(tmp_path: Path) -> None:
    server = start_vre(tmp_path / "home", "--no-demo", env=ENV, lab=True)
    pids = lab_processes(server)
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=10)
    assert wait_gone(pids) == [], "JupyterLab outlived a killed vre up"


def test_no_lab_starts_none_and_the_portal_says_how_to_start_it(tmp_path: Path) -> None:
    server = start_vre(tmp_path / "home", "--no-demo", env=ENV)
    try:
        assert "not started (--no-lab)" in server.output()
        assert not (server.home / "logs" / "jupyterlab.log").exists()
        with httpx.Client(base_url=server.url) as browser:
            portal_login(browser, "admin", ADMIN_PASSWORD)
            assert "--no-lab" in browser.get("/").text
            page = browser.get("/lab")
            assert page.status_code == 503
            assert "JupyterLab is not running" in page.text and "vre up" in page.text
        assert httpx.get(f"{server.url}/health").json()["workspace"]["status"] == "off"
    finally:
        server.stop()


def test_lab_dir_sets_the_lab_root(tmp_path: Path) -> None:
    lab_dir = tmp_path / "my-lab"
    server = start_vre(tmp_path / "home", "--demo", "--lab-dir", str(lab_dir), env=ENV, lab=True)
    try:
        headers = {"Authorization": f"token {lab_token(server)}"}
        root = httpx.get(f"{server.lab_url}/api/contents", headers=headers).json()
        assert [item["name"] for item in root["content"]] == ["dimuon"]
        assert (lab_dir / "dimuon" / "analysis.ipynb").is_file()
        assert json.loads((lab_dir / "dimuon" / "codemeta.json").read_text())["name"]
    finally:
        server.stop()


def test_a_lab_that_cannot_start_is_reported_and_the_portal_keeps_running(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        # The later --lab wins over start_vre's --no-lab: a lab on a port something else holds.
        server = start_vre(tmp_path / "home", "--no-demo", "--lab", "--lab-port", str(taken), env=ENV)
        try:
            deadline = time.monotonic() + 60
            while "JupyterLab exited" not in server.output() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert "JupyterLab exited with code" in server.output() and "jupyterlab.log" in server.output()
            assert httpx.get(f"{server.url}/health").status_code == 200
            assert "already in use" in (server.home / "logs" / "jupyterlab.log").read_text()
        finally:
            assert server.stop() == 0
