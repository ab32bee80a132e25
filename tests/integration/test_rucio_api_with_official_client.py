"""The official rucio-clients 41.5.1 CLI against openvre's embedded data lake."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.rucio_server import rucio_client_env
from tests.support.vre_server import VreServer, start_vre

PASSWORD = "admin-password-for-rucio"


@pytest.fixture(scope="module")
def openvre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VreServer]:
    server = start_vre(tmp_path_factory.mktemp("vre") / "home", "--no-demo", env={"OPENVRE_ADMIN_PASSWORD": PASSWORD})
    yield server
    server.stop()


@pytest.fixture
def admin_env(openvre: VreServer, tmp_path: Path) -> dict[str, str]:
    return rucio_client_env(f"{openvre.url}/rucio", "admin", "admin", PASSWORD, tmp_path / "client")


def rucio(env: dict[str, str], *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["rucio", *args], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == expect, f"rucio {' '.join(args)} → {result.returncode}\n{result.stdout}{result.stderr}"
    return result


def test_whoami(admin_env: dict[str, str]) -> None:
    out = rucio(admin_env, "whoami").stdout
    assert any(
        line.split(":")[0].strip() == "account" and line.split(":")[1].strip() == "admin" for line in out.splitlines()
    )


def test_ping(admin_env: dict[str, str]) -> None:
    assert "41.5.1" in rucio(admin_env, "ping").stdout


def test_scope_add_and_list(admin_env: dict[str, str]) -> None:
    rucio(admin_env, "scope", "add", "user.admin", "--account", "admin")
    assert "user.admin" in rucio(admin_env, "scope", "list").stdout.split()
    # The 41.5.1 CLI logs the error and still exits 0; the message shows the client raised Duplicate.
    duplicate = rucio(admin_env, "scope", "add", "user.admin", "--account", "admin")
    assert "An object with the same identifier already exists." in duplicate.stderr
    assert "Scope 'user.admin' already exists!" in duplicate.stderr


def test_wrong_password_is_cannot_authenticate(openvre: VreServer, tmp_path: Path) -> None:
    env = rucio_client_env(f"{openvre.url}/rucio", "admin", "admin", "wrong-password", tmp_path / "c")
    result = rucio(env, "whoami", expect=1)
    assert "Cannot authenticate to account admin with given credentials" in result.stderr
