"""Start ``vre up`` as a real subprocess, the way a user does, and stop it with SIGTERM."""

from __future__ import annotations

import os
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

    def stop(self, timeout: float = 10) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def output(self) -> str:
        return self.log.read_text()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_vre(home: Path, *extra_args: str, env: dict[str, str] | None = None, timeout: float = 30) -> VreServer:
    port = free_port()
    log = home.parent / f"vre-up-{port}.log"
    environment = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    with log.open("w") as sink:
        process = subprocess.Popen(
            [str(VRE), "up", "--home", str(home), "--port", str(port), *extra_args],
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env=environment,
        )
    server = VreServer(f"http://127.0.0.1:{port}", home, process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"vre up exited with {process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    server.stop()
    raise TimeoutError(f"vre up did not answer within {timeout} s:\n{server.output()}")
