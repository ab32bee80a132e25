"""The JupyterLab ``vre up`` starts beside the portal, as a child process it owns.

    lab = LabProcess.plan(settings, openvre_host="127.0.0.1", openvre_port=8000)
    lab.start()          # returns at once; JupyterLab answers a few seconds later
    lab.info.url         # http://127.0.0.1:<port>/  (bound to 127.0.0.1 only)
    lab.stop()           # SIGTERM to its process group, SIGKILL after a grace period

Why a separate process and not the Jupyter server inside uvicorn: Jupyter Server runs its own Tornado
loop and kernels, and a crash or a heavy notebook must not take the data lake and the scheduler down.

The lab gets its own random token (through ``JUPYTER_TOKEN``, so it never shows in ``ps``), is bound to
127.0.0.1, and finds the embedded services through ``OPENVRE_HOME``/``OPENVRE_HOST``/``OPENVRE_PORT``
(read by the ``openvre.jupyter`` server extension and, through the environment kernels inherit, by
``openvre.data`` in notebooks). It must not outlive ``vre up``: besides the explicit :meth:`stop`, the
process is started through this file's ``__main__``, which asks Linux to send it SIGTERM when its
parent dies (``PR_SET_PDEATHSIG``) before it becomes JupyterLab with ``exec``, so even a ``vre up`` killed
with SIGKILL leaves no orphan.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from openvre.settings import Settings

LOG_NAME = "jupyterlab.log"
STOP_GRACE_SECONDS = 10.0
_PR_SET_PDEATHSIG = 1
# The news prompt ("Would you like to get notified about official Jupyter news?") covers the panels
# and fetches from the internet; JupyterLab asks while this setting is "none".
_SETTING_OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}


@dataclass(frozen=True)
class LabInfo:
    """What the portal needs to send a user into the lab: where it is and its Jupyter token."""

    url: str
    token: str
    root_dir: Path

    def api(self, path: str) -> str:
        return f"{self.url.rstrip('/')}/{path.lstrip('/')}"


class LabProcess:
    """One JupyterLab child process: planned (port, token) before it starts, so the URL is known early."""

    def __init__(self, settings: Settings, info: LabInfo, openvre_host: str, openvre_port: int) -> None:
        self.settings = settings
        self.info = info
        self.openvre_host = openvre_host
        self.openvre_port = openvre_port
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def plan(cls, settings: Settings, *, openvre_host: str, openvre_port: int, port: int | None = None) -> LabProcess:
        """Choose the port (``port``, else ``settings.lab_port``, else a free one) and a fresh token.

        ``openvre_host``/``openvre_port`` are where this machine reaches `vre up` (not a proxy's public
        URL): the lab's server extension and kernels call the embedded services there.
        """
        chosen = port or settings.lab_port or _free_port()
        info = LabInfo(f"http://127.0.0.1:{chosen}/", secrets.token_urlsafe(32), settings.lab_root)
        return cls(settings, info, openvre_host, openvre_port)

    @property
    def log_path(self) -> Path:
        return self.settings.home / "logs" / LOG_NAME

    def start(self) -> None:
        """Start JupyterLab in its own process group, its output appended to ``logs/jupyterlab.log``."""
        self.info.root_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"--- vre up starts JupyterLab at {self.info.url} ({time.ctime()})\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                # This file as a script (-P: its folder not on sys.path), not `-m`: the launcher needs
                # nothing of the server extension's package, JupyterLab loads that itself.
                [sys.executable, "-P", __file__, str(os.getpid()), *self.arguments()],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.environment(),
                cwd=self.info.root_dir,
                start_new_session=True,
            )

    def arguments(self) -> list[str]:
        """Jupyter's command line, without the token (that goes through the environment)."""
        port = self.info.url.rstrip("/").rsplit(":", 1)[1]
        return [
            "--no-browser",
            "--allow-root",  # containers and CI run as root; the lab is only on 127.0.0.1 with a token
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",  # the portal already told users this port
            f"--ServerApp.root_dir={self.info.root_dir}",
            # The layout (open panels, tabs) belongs to this openvre home, not to every lab of the user's account.
            f"--LabApp.workspaces_dir={self.settings.home / 'jupyter-workspaces'}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            # Voilà loads every federated extension into dashboards; openvre's panels don't belong there.
            '--VoilaConfiguration.extension_denylist=["openvre"]',
        ]

    def environment(self) -> dict[str, str]:
        config_dir = self._write_lab_config()
        existing = os.environ.get("JUPYTER_CONFIG_PATH")
        return {
            **os.environ,
            "JUPYTER_TOKEN": self.info.token,
            "JUPYTER_CONFIG_PATH": os.pathsep.join(p for p in (str(config_dir), existing) if p),
            "OPENVRE_HOME": str(self.settings.home),
            "OPENVRE_HOST": self.openvre_host,
            "OPENVRE_PORT": str(self.openvre_port),
        }

    def _write_lab_config(self) -> Path:
        """A Jupyter config directory of openvre's own, so no user or environment file is touched."""
        config_dir = self.settings.home / "jupyter-config"
        labconfig = config_dir / "labconfig"
        labconfig.mkdir(parents=True, exist_ok=True)
        (labconfig / "default_setting_overrides.json").write_text(json.dumps(_SETTING_OVERRIDES, indent=2) + "\n")
        return config_dir

    def wait_ready(self, timeout: float = 60) -> bool:
        """Whether the lab answered its status API within ``timeout`` seconds (False if it exited)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                answer = httpx.get(self.info.api("api/status"), headers=self.auth_header(), timeout=2)
                if answer.status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        return False

    def auth_header(self) -> dict[str, str]:
        return {"Authorization": f"token {self.info.token}"}

    def exit_code(self) -> int | None:
        """The lab's exit code once it has exited, None while it runs (or before it starts)."""
        return self.process.poll() if self.process is not None else None

    def terminate(self) -> None:
        """Ask the lab to shut down (SIGTERM to its group) without waiting, so it stops alongside the portal."""
        if self.process is not None and self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> int | None:
        """SIGTERM the lab's process group (Jupyter then shuts its kernels down), SIGKILL after ``grace``."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            self.terminate()
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait()
        _signal_group(process.pid, signal.SIGKILL)  # helpers the lab left behind in its group
        return process.returncode


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(pgid, sig)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _become_lab(parent: int, arguments: list[str]) -> None:
    """Die with ``vre up`` (Linux: PR_SET_PDEATHSIG), then turn into JupyterLab with ``exec``."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # vre up died before the request above took effect
        sys.exit(1)
    os.execv(sys.executable, [sys.executable, "-m", "jupyterlab", *arguments])  # noqa: S606 - no shell wanted


if __name__ == "__main__":
    _become_lab(int(sys.argv[1]), sys.argv[2:])
