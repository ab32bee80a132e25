"""`vre data` and `openvre.data` pass the same tests against the embedded lake and a real Rucio 41.5.1.

Both backends speak the Rucio REST API; only the settings differ. On the real server no transfer
daemon runs (its transfer tool is a mock), so there `openvre.data.get` downloads into the cache
instead of making the data available on a local RSE.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.rucio_server import RucioServer
from tests.support.vre_server import VRE, create_token, start_vre


@dataclass
class Backend:
    name: str
    env: dict[str, str]
    upload_rse: str
    scope: str


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    home = tmp_path_factory.mktemp("embedded") / "home"
    server = start_vre(home, env={"OPENVRE_ADMIN_PASSWORD": "admin-password-data"})
    token = create_token(str(home), "demo")
    port = server.url.rsplit(":", 1)[1]
    yield Backend(
        "embedded", {"OPENVRE_HOME": str(home), "OPENVRE_PORT": port, "OPENVRE_TOKEN": token}, "ARCHIVE", "user.demo"
    )
    server.stop()


@pytest.fixture(scope="module")
def real(real_rucio: RucioServer, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    home = tmp_path_factory.mktemp("real-client")
    env = {
        "OPENVRE_HOME": str(home),
        "OPENVRE_DATALAKE__URL": real_rucio.url,
        "OPENVRE_DATALAKE__USERNAME": real_rucio.username,
        "OPENVRE_DATALAKE__PASSWORD": real_rucio.password,
        "OPENVRE_DATALAKE__ACCOUNT": real_rucio.account,
    }
    return Backend("real-rucio", env, sorted(real_rucio.rses)[0], real_rucio.scope)


@pytest.fixture(params=["embedded", pytest.param("real", marks=pytest.mark.rucio_server)])
def backend(request: pytest.FixtureRequest) -> Backend:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


def vre(backend: Backend, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OPENVRE_")}
    environment.update(backend.env, NO_COLOR="1", COLUMNS="250")
    result = subprocess.run(
        [str(VRE), *args], capture_output=True, text=True, env=environment, timeout=120, check=False
    )
    assert result.returncode == expect, f"vre {' '.join(args)} → {result.returncode}\n{result.stdout}{result.stderr}"
    return result


def make_files(folder: Path, prefix: str, count: int = 3) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"{prefix}-{index}.dat"
        path.write_bytes(os.urandom(50_000 + index))
        paths.append(path)
    return paths


def test_upload_search_show_download(backend: Backend, tmp_path: Path) -> None:
    prefix = f"up-{backend.name}"
    files = make_files(tmp_path / "src", prefix)
    dataset = f"{prefix}-ds"
    out = vre(
        backend,
        "data",
        "upload",
        *map(str, files),
        "--rse",
        backend.upload_rse,
        "--scope",
        backend.scope,
        "--dataset",
        dataset,
    ).stdout
    assert out.count(" ok upload ") == 3, out

    again = vre(backend, "data", "upload", str(files[0]), "--rse", backend.upload_rse, "--scope", backend.scope).stdout
    assert "notneeded" in again

    found = [
        json.loads(line)
        for line in vre(
            backend, "data", "search", f"{backend.scope}:{prefix}*", "--type", "all", "--json"
        ).stdout.splitlines()
    ]
    assert {d["name"] for d in found} == {dataset, *(p.name for p in files)}
    in_every_scope = vre(backend, "data", "search", f"{prefix}-ds*")
    assert f"{backend.scope}:{dataset}" in in_every_scope.stdout and "1 found" in in_every_scope.stderr

    shown = vre(backend, "data", "show", f"{backend.scope}:{dataset}").stdout
    assert all(f"{backend.scope}:{p.name}" in shown for p in files)

    dest = tmp_path / "dest"
    vre(backend, "data", "download", f"{backend.scope}:{dataset}", "--dir", str(dest))
    for path in files:
        assert (dest / dataset / path.name).read_bytes() == path.read_bytes()


def test_python_api_get_returns_verified_local_paths(backend: Backend, tmp_path: Path) -> None:
    [path] = make_files(tmp_path, f"api-{backend.name}", count=1)
    vre(backend, "data", "upload", str(path), "--rse", backend.upload_rse, "--scope", backend.scope)
    script = (
        "import openvre.data, sys\n"
        f"p = openvre.data.get('{backend.scope}:{path.name}', timeout=60)\n"
        "sys.stdout.write(str(p))\n"
    )
    result = subprocess.run(
        [str(VRE.with_name("python")), "-c", script],
        capture_output=True,
        text=True,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("OPENVRE_")}, **backend.env},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    local = Path(result.stdout.strip())
    assert local.read_bytes() == path.read_bytes()
    if backend.name == "embedded":
        assert "/rse/LOCAL/" in str(local)  # made available on LOCAL by a rule and the transfer agent


def test_unknown_did_is_a_clear_error(backend: Backend, tmp_path: Path) -> None:
    result = vre(backend, "data", "download", f"{backend.scope}:no-such-file", "--dir", str(tmp_path), expect=1)
    assert "not found" in result.stderr.lower()


def test_rses_add_rule_and_rules_on_the_embedded_lake(embedded: Backend) -> None:
    assert vre(embedded, "data", "rses").stdout.split() == ["ARCHIVE", "LOCAL"]
    assert vre(embedded, "data", "rses", "type=LOCAL").stdout.split() == ["LOCAL"]
    rule_id = vre(embedded, "data", "add-rule", "user.demo:dimuon_run3.csv", "--rses", "LOCAL").stdout.strip()
    assert len(rule_id) == 32
    again = vre(embedded, "data", "add-rule", "user.demo:dimuon_run3.csv", "--rses", "LOCAL").stdout.strip()
    assert again == rule_id  # asking twice reuses the rule: nothing to do is a success
    listed = vre(embedded, "data", "rules", "user.demo:dimuon_run3.csv").stdout
    assert rule_id in listed and "LOCAL" in listed
    mine = vre(embedded, "data", "rules").stdout
    assert rule_id in mine
    bad = vre(embedded, "data", "add-rule", "user.demo:dimuon_run3.csv", "--rses", "NO_SUCH", expect=1)
    assert "empty set" in bad.stderr
