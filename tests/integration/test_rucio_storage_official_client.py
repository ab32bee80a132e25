"""The official rucio-clients 41.5.1 CLI storing and fetching real bytes through `vre up`.

RSEs and quotas are set up with the CLI itself, then files go up with `rucio upload` (the whole
register → rule → write → verify → AVAILABLE sequence) and come back with `rucio download`, whose
adler32 check must pass; bytes changed on the RSE behind the catalog's back must make it fail.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from openvre.datalake import rules
from openvre.datalake.lfn2pfn import hash_path
from openvre.db import Database
from tests.support.rucio_server import POSIX_DOMAINS, RucioServer, rucio_client_env
from tests.support.vre_server import VreServer, start_vre

PASSWORD = "admin-password-for-rucio-storage"
SCOPE = "user.admin"


@pytest.fixture(scope="module")
def openvre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VreServer]:
    server = start_vre(tmp_path_factory.mktemp("vre") / "home", "--no-demo", env={"OPENVRE_ADMIN_PASSWORD": PASSWORD})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def env(openvre: VreServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return rucio_client_env(f"{openvre.url}/rucio", "admin", "admin", PASSWORD, tmp_path_factory.mktemp("client"))


@pytest.fixture(scope="module")
def site_a(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SITE_A in a local directory, with unlimited quota and the user scope, all set up by the CLI."""
    root = tmp_path_factory.mktemp("storage") / "SITE_A"
    # The 41.5.1 CLI prints its click group instead of the name: "Added new deterministic RSE: <Group rse>".
    assert "Added new deterministic RSE" in rucio(env, "rse", "add", "SITE_A").stdout
    rucio(
        env,
        *("rse", "protocol", "add", "SITE_A", "--hostname", "localhost", "--scheme", "file"),
        *("--prefix", f"{root}/", "--impl", "rucio.rse.protocols.posix.Default"),
        *("--domain-json", json.dumps(POSIX_DOMAINS)),
    )
    rucio(env, "account", "limit", "set", "admin", "--rse", "SITE_A", "--bytes", "infinity")
    rucio(env, "scope", "add", SCOPE, "--account", "admin")
    return root


def rucio(
    env: dict[str, str], *args: str, expect: int | None = 0, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["rucio", *args], env=env, capture_output=True, text=True, timeout=120, check=False, cwd=cwd
    )
    if expect is not None:
        assert result.returncode == expect, (
            f"rucio {' '.join(args)} → {result.returncode}\n{result.stdout}{result.stderr}"
        )
    return result


def did_rules(server: VreServer, name: str) -> list[rules.Rule]:
    database = Database(f"sqlite:///{server.home / 'openvre.db'}")
    try:
        with database.transaction() as session:
            return rules.list_did_rules(session, SCOPE, name)
    finally:
        database.dispose()


def upload(env: dict[str, str], tmp_path: Path, name: str, content: bytes) -> Path:
    source = tmp_path / "upload" / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_bytes(content)
    rucio(env, "upload", "--rse", "SITE_A", "--scope", SCOPE, str(source))
    return source


def test_rse_list_and_show(env: dict[str, str], site_a: Path) -> None:
    assert "SITE_A" in rucio(env, "rse", "list").stdout.split()
    shown = rucio(env, "rse", "show", "SITE_A").stdout
    for expected in ("lfn2pfn_algorithm", "hash", f"{site_a}/", "rucio.rse.protocols.posix.Default", "SITE_A"):
        assert expected in shown
    usage = rucio(env, "account", "limit", "list", "admin").stdout
    assert "SITE_A" in usage


def test_upload_list_and_download_byte_identical(
    openvre: VreServer, env: dict[str, str], site_a: Path, tmp_path: Path
) -> None:
    content = os.urandom(300_000)
    upload(env, tmp_path, "measurements.bin", content)
    stored = site_a / hash_path(SCOPE, "measurements.bin")
    assert stored.read_bytes() == content, "the client wrote the bytes where openvre's PFN says they are"
    assert not list(site_a.rglob("*.rucio.upload")), "no half-written file is left on the RSE"

    listed = rucio(env, "replica", "list", "file", f"{SCOPE}:measurements.bin").stdout
    assert f"SITE_A: file://localhost{stored}" in listed

    target = tmp_path / "download"
    rucio(env, "download", "--dir", str(target), f"{SCOPE}:measurements.bin")
    assert (target / SCOPE / "measurements.bin").read_bytes() == content

    # The upload's rule turned OK when the client marked the replica AVAILABLE (asked of the catalog
    # directly: this test is about storage, `rucio rule list` belongs to the rules tests).
    [rule] = did_rules(openvre, "measurements.bin")
    assert (rule.state, rule.locks_ok_cnt, rule.rse_expression) == ("OK", 1, "SITE_A")


def test_download_of_changed_bytes_fails_the_checksum(env: dict[str, str], site_a: Path, tmp_path: Path) -> None:
    content = os.urandom(50_000)
    upload(env, tmp_path, "fragile.bin", content)
    stored = site_a / hash_path(SCOPE, "fragile.bin")
    stored.write_bytes(content[:-1] + bytes([content[-1] ^ 0xFF]))  # same size, one byte differs
    target = tmp_path / "download"
    result = rucio(env, "download", "--dir", str(target), f"{SCOPE}:fragile.bin", expect=None)
    output = result.stdout + result.stderr
    # The 41.5.1 CLI logs the failure and still exits 0; the log shows its adler32 check refused the bytes.
    assert f"Checksum validation failed for file: {SCOPE}:fragile.bin" in output, output
    assert "None of the requested files have been downloaded" in output, output
    assert not (target / SCOPE / "fragile.bin").exists(), "a file failing its checksum is not kept"


def test_uploading_the_same_file_again_is_refused(env: dict[str, str], site_a: Path, tmp_path: Path) -> None:
    content = b"twice\n"
    source = upload(env, tmp_path, "twice.txt", content)
    again = rucio(env, "upload", "--rse", "SITE_A", "--scope", SCOPE, str(source), expect=None)
    output = again.stdout + again.stderr
    assert "File already exists on RSE. Skipping upload" in output, output
    assert "None of the given files have been uploaded" in output, output


@pytest.mark.rucio_server
def test_replica_listing_matches_a_real_rucio_server(
    real_rucio: RucioServer, env: dict[str, str], site_a: Path, tmp_path: Path
) -> None:
    """The same file uploaded to both: identical paths under the RSE root, identical JSON and metalink."""
    name, content = "oracle.dat", os.urandom(10_000)
    rucio(env, "scope", "add", real_rucio.scope, "--account", "admin")
    source = tmp_path / "up" / name
    source.parent.mkdir()
    source.write_bytes(content)
    for client_env in (env, real_rucio.client_env(tmp_path / "real-client")):
        rucio(client_env, "upload", "--rse", "SITE_A", "--scope", real_rucio.scope, str(source))
    did = {"scope": real_rucio.scope, "name": name}
    body = json.dumps({"dids": [did], "all_states": False, "resolve_parents": True, "ignore_availability": False})
    prefixes = {real_rucio.url: f"{real_rucio.rses['SITE_A']}/", f"{env_url(env)}": f"{site_a}/"}
    answers = {}
    for url, (username, password) in {
        real_rucio.url: (real_rucio.username, real_rucio.password),
        env_url(env): ("admin", PASSWORD),
    }.items():
        token = httpx.get(
            f"{url}/auth/userpass", headers={"X-Rucio-Username": username, "X-Rucio-Password": password}
        ).headers["X-Rucio-Auth-Token"]
        headers = {"X-Rucio-Auth-Token": token}
        listed = httpx.post(f"{url}/replicas/list", content=body, headers=headers)
        metalink = httpx.post(
            f"{url}/replicas/list", content=body, headers=headers | {"Accept": "application/metalink4+xml"}
        )
        answers[url] = (
            normalise(listed.text, prefixes[url]),
            listed.headers["content-type"],
            normalise(metalink.text, prefixes[url]),
            metalink.headers["content-type"],
        )
    real, ours = answers.values()
    assert ours == real


def env_url(env: dict[str, str]) -> str:
    config = Path(env["RUCIO_CONFIG"]).read_text()
    return next(line.split("=", 1)[1].strip() for line in config.splitlines() if line.startswith("rucio_host"))


def normalise(text: str, prefix: str) -> str:
    """Server-specific parts out: the RSE root directory and the RSE's id."""
    return re.sub(r'"rse_id": "[0-9a-f]{32}"', '"rse_id": "<id>"', text.replace(prefix, "<root>/"))
