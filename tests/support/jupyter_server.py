"""Start a real Jupyter server with openvre's extension, pointed at a running ``vre up``, and call its API.

    server = start_jupyter(root, vre_home=vre.home, vre_url=vre.url)
    server.api("GET", "session").json()      # http://127.0.0.1:<port>/openvre/api/session, Jupyter's token
    server.stop()

The server is a subprocess as a user runs it (``jupyter server`` from this venv), so tests see the
extension exactly as JupyterLab does: loaded by Jupyter, behind Jupyter's token authentication.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.vre_server import free_port

JUPYTER = Path(sys.executable).with_name("jupyter")


@dataclass
class JupyterServer:
    url: str
    token: str
    root: Path
    process: subprocess.Popen[str]
    log: Path
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(
            base_url=f"{self.url}/openvre/api/", headers={"Authorization": f"token {self.token}"}, timeout=60
        )

    def api(self, method: str, route: str, **kwargs: Any) -> httpx.Response:
        """Call a workspace route (relative to ``openvre/api/``) with Jupyter's token."""
        return self.http.request(method, route, **kwargs)

    def wait_job(self, job_id: str, timeout: float = 120) -> dict[str, Any]:
        """Poll ``jobs/<id>`` until it is done or failed; the last answer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job: dict[str, Any] = self.api("GET", f"jobs/{job_id}").json()
            if job["state"] != "running":
                return job
            time.sleep(0.2)
        raise TimeoutError(f"job {job_id} still running after {timeout} s")

    def output(self) -> str:
        return self.log.read_text()

    def stop(self, timeout: float = 20) -> int:
        self.http.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=timeout)


def start_jupyter(
    root: Path, *, vre_home: Path, vre_url: str, env: dict[str, str] | None = None, timeout: float = 60
) -> JupyterServer:
    """A Jupyter server whose root is ``root``, with openvre's settings pointing at ``vre_url``."""
    root.mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    host, _, vre_port = vre_url.removeprefix("http://").rpartition(":")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("OPENVRE_", "JUPYTER"))}
    environment.update(OPENVRE_HOME=str(vre_home), OPENVRE_HOST=host, OPENVRE_PORT=vre_port, **(env or {}))
    log = root.parent / f"jupyter-{port}.log"
    command = [
        str(JUPYTER),
        "server",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--allow-root",
        f"--IdentityProvider.token={token}",
        "--ServerApp.jpserver_extensions=openvre.jupyter=True",
        f"--ServerApp.root_dir={root}",
    ]
    with log.open("w") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, env=environment
        )
    server = JupyterServer(f"http://127.0.0.1:{port}", token, root, process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter server exited with {process.returncode}:\n{server.output()}")
        try:
            if _extension_answers(server.api("GET", "jobs/0")):
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.stop()
    raise TimeoutError(f"jupyter server did not answer within {timeout} s:\n{server.output()}")


def _extension_answers(response: httpx.Response) -> bool:
    """openvre's routes are up when an unknown job gets their JSON 404 (Jupyter's own 404 is a page)."""
    try:
        return response.status_code == 404 and response.json().get("error") == "JobNotFound"
    except ValueError:
        return False
