"""The official ``rucio`` CLI against a real Rucio server: proves the test harness before it judges openvre."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.rucio_server import RucioServer

pytestmark = pytest.mark.rucio_server


@pytest.fixture
def rucio_env(real_rucio: RucioServer, tmp_path: Path) -> dict[str, str]:
    return real_rucio.client_env(tmp_path / "client")


def rucio(env: dict[str, str], *args: str) -> str:
    """Run the official CLI and return its stdout; a failure shows what the CLI printed."""
    result = subprocess.run(["rucio", *args], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"rucio {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}"
    return result.stdout


def test_whoami_is_root(rucio_env: dict[str, str]) -> None:
    # The CLI prints "key : value" lines padded for alignment.
    lines = (line.split(":", 1) for line in rucio(rucio_env, "whoami").splitlines() if ":" in line)
    assert {key.strip(): value.strip() for key, value in lines}["account"] == "root"


def test_rse_list_shows_both_sites(rucio_env: dict[str, str], real_rucio: RucioServer) -> None:
    assert set(rucio(rucio_env, "rse", "list").split()) >= set(real_rucio.rses)


def test_scope_list_shows_user_scope(rucio_env: dict[str, str], real_rucio: RucioServer) -> None:
    assert real_rucio.scope in rucio(rucio_env, "scope", "list").split()


def test_upload_then_download_round_trips_bytes(
    rucio_env: dict[str, str], real_rucio: RucioServer, tmp_path: Path
) -> None:
    payload = os.urandom(4096)
    source = tmp_path / "upload" / "roundtrip.dat"
    source.parent.mkdir()
    source.write_bytes(payload)

    rucio(rucio_env, "upload", "--rse", "SITE_A", "--scope", real_rucio.scope, str(source))
    target = tmp_path / "download"
    rucio(rucio_env, "download", "--dir", str(target), f"{real_rucio.scope}:{source.name}")

    assert (target / real_rucio.scope / source.name).read_bytes() == payload
    stored = list(real_rucio.rses["SITE_A"].rglob(source.name))
    assert [path.read_bytes() for path in stored] == [payload]
