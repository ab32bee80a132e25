"""Start ``vre up`` as a real subprocess, the way a user does, and stop it with SIGTERM.

Without ``lab=True`` the server is started with ``--no-lab``: most tests need no JupyterLab, and a
suite starting dozens of them would be slow. ``lab=True`` also waits until the lab answers.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

VRE = Path(sys.executable).with_name("vre")


@dataclass
class VreServer:
    url: str
    home: Path
    process: subprocess.Popen[str]
    log: Path
    lab_port: str | None = None

    @property
    def lab_url(self) -> str | None:
        """JupyterLab's base URL (no trailing slash) when started with ``lab=True``."""
        return f"http://127.0.0.1:{self.lab_port}" if self.lab_port else None

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def output(self) -> str:
        return self.log.read_text()

    def token(self, user: str = "admin") -> str:
        """A new API token for ``user`` of this server (``vre token create``, as an administrator makes one)."""
        return create_token(self.home, user)

    def demo_password(self, timeout: float = 10) -> str:
        """The demo account's password, which `vre up --demo` prints once, on the home's first start."""
        deadline = time.monotonic() + timeout
        while (match := DEMO_PASSWORD.search(self.output())) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"vre up printed no demo password:\n{self.output()}")
            time.sleep(0.1)
        return match.group(1)


DEMO_PASSWORD = re.compile(r"demo password\s+(\S+)")


def create_token(home: Path, user: str) -> str:
    """``vre token create --user USER --home HOME``: a token for scripts and clients, straight from the database."""
    made = subprocess.run(
        [str(VRE), "token", "create", "--user", user, "--home", str(home)], capture_output=True, text=True, check=False
    )
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_vre(
    home: Path,
    *extra_args: str,
    env: dict[str, str] | None = None,
    timeout: float = 30,
    lab: bool = False,
) -> VreServer:
    port = free_port()
    log = home.parent / f"vre-up-{port}.log"
    environment = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    lab_args = ["--lab-port", str(free_port())] if lab else ["--no-lab"]
    with log.open("w") as sink:
        process = subprocess.Popen(
            [str(VRE), "up", "--home", str(home), "--port", str(port), *lab_args, *extra_args],
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env=environment,
        )
    server = VreServer(f"http://127.0.0.1:{port}", home, process, log, lab_args[1] if lab else None)
    deadline = time.monotonic() + timeout
    _wait_for(server, f"{server.url}/health", deadline)
    if server.lab_url is not None:
        _wait_for(server, f"{server.lab_url}/api/status", deadline + LAB_START_SECONDS, (200, 401, 403))
    return server


LAB_START_SECONDS = 60


def _wait_for(server: VreServer, url: str, deadline: float, answers: tuple[int, ...] = (200,)) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"vre up exited with {server.process.returncode}:\n{server.output()}")
        try:
            if httpx.get(url, timeout=1).status_code in answers:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    server.stop()
    raise TimeoutError(f"{url} did not answer in time:\n{server.output()}")
