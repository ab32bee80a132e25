"""kill -9 `vre up` while a run is running, start it again: the run is failed with the reason, never stuck
"running", and a restart of it runs to the end in the same workspace."""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

from openvre.clients.reana import ReanaClient
from openvre.workflows.scheduler import CRASH_REASON
from openvre.workflows.submit import submit_run
from tests.support.vre_server import VreServer, create_token, start_vre

HELLO = Path(__file__).resolve().parents[1] / "data" / "workflows" / "serial-hello"
ENV = {"OPENVRE_ADMIN_PASSWORD": "crash-test-password"}


def _client(server: VreServer, token: str) -> ReanaClient:
    return ReanaClient(f"{server.url}/reana", token=token)


def _wait(client: ReanaClient, run: str, status: str, timeout: float = 30) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while True:
        found = client.get_workflow_status(run)
        if found["status"] == status:
            return found
        assert time.monotonic() < deadline, f"{run} stayed {found['status']}"
        time.sleep(0.1)


def test_kill_9_mid_run_then_restart(tmp_path: Path) -> None:
    home, analysis = tmp_path / "home", Path(shutil.copytree(HELLO, tmp_path / "analysis"))
    first = start_vre(home, "--no-demo", env=ENV)
    token = create_token(str(home), "admin")
    with _client(first, token) as client:
        list(submit_run(client, analysis / "reana.yaml", name="crash", parameters={"sleeptime": "60"}))
        _wait(client, "crash.1", "running")
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=10)

    second = start_vre(home, "--no-demo", env=ENV)
    try:
        with _client(second, token) as client:
            failed = _wait(client, "crash.1", "failed")
            assert failed["logs"] == CRASH_REASON
            client.restart_workflow("crash.1", parameters={"sleeptime": "0"})
            _wait(client, "crash.1.1", "finished")
            saved = client.download_file("crash.1.1", "results/out.txt", tmp_path)
        assert saved.read_text() == "Hello, World!\n"
    finally:
        assert second.stop() == 0
