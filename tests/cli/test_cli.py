"""The `vre` command as a user runs it: real subprocesses, real server, real signals."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.vre_server import VRE, start_vre

ADMIN_PASSWORD = "admin-password-for-cli"


def vre(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [str(VRE), *args], capture_output=True, text=True, env=environment, input=stdin, timeout=60, check=False
    )


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    running = start_vre(tmp_path / "home", env={"OPENVRE_ADMIN_PASSWORD": ADMIN_PASSWORD})
    yield running
    running.stop()


def test_up_serves_health_and_status_reads_it(server) -> None:  # type: ignore[no-untyped-def]
    health = httpx.get(f"{server.url}/health").json()
    assert health["status"] == "ok"
    assert health["services"]["workflows"]["base_url"] == f"{server.url}/reana"
    status = vre("status", "--url", server.url)
    assert status.returncode == 0, status.stderr
    assert "openvre 0.1.0" in status.stdout and "sqlite ok" in status.stdout
    assert f"{server.url}/rucio" in status.stdout


def test_up_prints_the_urls_and_the_demo_password(server) -> None:  # type: ignore[no-untyped-def]
    output = server.output()
    assert f"Portal      {server.url}/" in output
    assert "demo password" in output
    assert ADMIN_PASSWORD not in output  # a password the admin chose is never echoed


def test_generated_admin_password_is_printed_once_and_works(tmp_path: Path) -> None:
    env = {"OPENVRE_ADMIN_PASSWORD": ""}
    first = start_vre(tmp_path / "home", "--no-demo", env=env)
    first.stop()
    line = next(line for line in first.output().splitlines() if "admin password" in line)
    password = line.split("admin password")[1].split()[0]
    second = start_vre(tmp_path / "home", "--no-demo", env=env)
    try:
        assert "admin password" not in second.output()
        page = httpx.get(f"{second.url}/login")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        response = httpx.post(
            f"{second.url}/login",
            cookies=page.cookies,
            data={"username": "admin", "password": password, "csrf_token": csrf},
        )
        assert response.status_code == 303
    finally:
        second.stop()


def test_sigterm_stops_the_server_cleanly(server) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    assert server.stop() == 0
    assert time.monotonic() - started < 5
    assert "openvre stopped" in server.output()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.url}/health", timeout=1)


def test_token_create_prints_only_the_token(server) -> None:  # type: ignore[no-untyped-def]
    result = vre("token", "create", "--user", "admin", "--name", "script", "--home", str(server.home))
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("vre_") and "\n" not in token
    assert "shown only now" in result.stderr
    whoami = httpx.get(f"{server.url}/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert whoami.json()["username"] == "admin"


def test_token_for_unknown_user_is_a_clear_error(tmp_path: Path) -> None:
    result = vre("token", "create", "--user", "nobody", "--home", str(tmp_path))
    assert result.returncode == 1
    assert "no account named 'nobody'" in result.stderr and "Traceback" not in result.stderr


def test_user_add_and_token_revoke(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    added = vre(
        "user",
        "add",
        "carol",
        "--email",
        "carol@example.org",
        "--password-stdin",
        "--home",
        home,
        stdin="carol-password\n",
    )
    assert added.returncode == 0, added.stderr
    assert "carol" in vre("user", "list", "--home", home).stdout
    vre("token", "create", "--user", "carol", "--home", home)
    listed = vre("token", "list", "--user", "carol", "--home", home)
    assert "active" in listed.stdout
    assert vre("token", "revoke", "--user", "carol", "1", "--home", home).returncode == 0
    assert "revoked" in vre("token", "list", "--user", "carol", "--home", home).stdout


@pytest.mark.parametrize(
    ("variable", "value"), [("OPENVRE_PORT", "not-a-port"), ("OPENVRE_DATABASE_URL", "oracle://db")]
)
def test_invalid_settings_stop_the_start_with_the_setting_named(tmp_path: Path, variable: str, value: str) -> None:
    result = vre("up", "--home", str(tmp_path), env={variable: value})
    assert result.returncode == 2
    assert variable in result.stderr and "Traceback" not in result.stderr


def test_port_in_use_is_a_clear_error(server) -> None:  # type: ignore[no-untyped-def]
    port = server.url.rsplit(":", 1)[1]
    result = vre("up", "--home", str(server.home), "--port", port)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_status_without_a_server_says_how_to_start_one(tmp_path: Path) -> None:
    result = vre("status", "--url", "http://127.0.0.1:9")
    assert result.returncode == 1
    assert "start one with `vre up`" in result.stderr


def test_vre_is_the_installed_console_script() -> None:
    assert Path(sys.executable).with_name("vre").exists()
    assert "Start the portal" in vre("--help").stdout or "up" in vre("--help").stdout


def test_worker_runs_the_transfer_agent_and_the_scheduler_and_stops_on_sigterm(tmp_path: Path) -> None:
    import signal as signals

    environment = {**os.environ, "NO_COLOR": "1", "OPENVRE_ADMIN_PASSWORD": ADMIN_PASSWORD}
    process = subprocess.Popen(
        [str(VRE), "worker", "--home", str(tmp_path / "home")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    assert "transfer agent, workflow scheduler" in first
    process.send_signal(signals.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert "openvre worker stopped" in process.stdout.read()
    process.stdout.close()
