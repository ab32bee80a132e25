"""The catalog through the official rucio-clients 41.5.1: the `rucio did ...` CLI and the Python client calls
the Rucio JupyterLab extension makes, against `vre up`.

Files cannot be uploaded by this slice alone, so the tests register file DIDs straight into the server's
SQLite database (WAL lets a second connection write while `vre up` runs), as replica registration would.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from openvre.datalake import dids
from openvre.db import Database
from tests.support.rucio_server import rucio_client_env
from tests.support.vre_server import VreServer, start_vre

PASSWORD = "admin-password-for-rucio"
S = "user.admin"
FILES = {"raw/run1.dat": 100, "raw/run2.dat": 200, "Calib.dat": 50}


@pytest.fixture(scope="module")
def openvre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VreServer]:
    server = start_vre(tmp_path_factory.mktemp("vre") / "home", "--no-demo", env={"OPENVRE_ADMIN_PASSWORD": PASSWORD})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def env(openvre: VreServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The CLI's environment, with scope user.admin and the files of FILES in the catalog."""
    environment = rucio_client_env(f"{openvre.url}/rucio", "admin", "admin", PASSWORD, tmp_path_factory.mktemp("c"))
    rucio(environment, "scope", "add", S, "--account", "admin")
    database = Database(f"sqlite:///{openvre.home}/openvre.db")
    with database.transaction() as session:
        new = [dids.NewFile(S, name, size, f"{size:08x}", guid=f"{size:032x}") for name, size in FILES.items()]
        dids.add_files(session, new, "admin")
    database.dispose()
    return environment


def rucio(env: dict[str, str], *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["rucio", *args], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == expect, f"rucio {' '.join(args)} → {result.returncode}\n{result.stdout}{result.stderr}"
    return result


def listed(env: dict[str, str], *args: str) -> list[tuple[str, str]]:
    """The (SCOPE:NAME, TYPE) rows of the CLI's table output."""
    rows = []
    for line in rucio(env, *args).stdout.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("|") and len(cells) == 2 and cells[0] != "SCOPE:NAME":
            rows.append((cells[0], cells[1]))
    return rows


def shown(env: dict[str, str], *args: str) -> dict[str, str]:
    """The `key: value` lines of `did show` and `did metadata list`."""
    pairs = (line.split(":", 1) for line in rucio(env, *args).stdout.splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def python_client(env: dict[str, str], script: str) -> Any:
    """Run ``script`` (which sets ``result``) with rucio.client.Client in the clients venv; return the result."""
    program = f"import json\nfrom rucio.client import Client\nclient = Client()\n{script}\nprint(json.dumps(result))"
    python = Path(env["PATH"].split(":")[0]) / "python"
    completed = subprocess.run([str(python), "-c", program], env=env, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_datasets_and_containers_with_content(env: dict[str, str]) -> None:
    assert f"Added {S}:run" in rucio(env, "did", "add", "--type", "dataset", f"{S}:run").stdout
    rucio(env, "did", "add", "--type", "container", f"{S}:runs")
    rucio(env, "did", "content", "add", "--to-did", f"{S}:run", f"{S}:raw/run1.dat", f"{S}:raw/run2.dat")
    rucio(env, "did", "content", "add", "--to-did", f"{S}:runs", f"{S}:run")

    assert listed(env, "did", "content", "list", f"{S}:run") == [
        (f"{S}:raw/run1.dat", "FILE"),
        (f"{S}:raw/run2.dat", "FILE"),
    ]
    assert listed(env, "did", "content", "list", f"{S}:runs") == [(f"{S}:run", "DATASET")]
    container = shown(env, "did", "show", f"{S}:runs")
    assert (container["type"], container["length"], container["bytes"], container["open"]) == (
        "CONTAINER",
        "2",
        "300",
        "True",
    )
    file = shown(env, "did", "show", f"{S}:raw/run1.dat")
    assert (file["type"], file["bytes"], file["adler32"], file["length"]) == ("FILE", "100", "00000064", "1")


def test_content_errors_are_rucios_exceptions(env: dict[str, str]) -> None:
    rucio(env, "did", "add", "--type", "dataset", f"{S}:once")
    rucio(env, "did", "content", "add", "--to-did", f"{S}:once", f"{S}:Calib.dat")
    again = rucio(env, "did", "content", "add", "--to-did", f"{S}:once", f"{S}:Calib.dat", expect=1)
    assert "The file already exists." in again.stderr and "already attached" in again.stderr
    missing = rucio(env, "did", "show", f"{S}:nope", expect=1)
    assert "Data identifier 'user.admin:nope' not found" in missing.stderr
    duplicate = rucio(env, "did", "add", "--type", "dataset", f"{S}:once", expect=1)
    assert "Data Identifier Already Exists." in duplicate.stderr


def test_close_detach_and_reopen(env: dict[str, str]) -> None:
    rucio(env, "did", "add", "--type", "dataset", f"{S}:closing")
    rucio(env, "did", "content", "add", "--to-did", f"{S}:closing", f"{S}:Calib.dat")
    assert "has been closed" in rucio(env, "did", "update", "--close", f"{S}:closing").stdout
    assert shown(env, "did", "show", f"{S}:closing")["open"] == "False"
    closed = rucio(env, "did", "content", "add", "--to-did", f"{S}:closing", f"{S}:raw/run1.dat", expect=1)
    assert "is closed" in closed.stderr
    rucio(env, "did", "content", "remove", "--from-did", f"{S}:closing", f"{S}:Calib.dat")
    assert listed(env, "did", "content", "list", f"{S}:closing") == []
    assert "has been reopened" in rucio(env, "did", "update", "--open", f"{S}:closing").stdout  # admin may


def test_metadata_set_list_and_unset(env: dict[str, str]) -> None:
    rucio(env, "did", "add", "--type", "dataset", f"{S}:described")
    rucio(env, "did", "metadata", "set", f"{S}:described", "--key", "project", "--value", "demo")
    rucio(env, "did", "metadata", "set", f"{S}:described", "--key", "quality", "--value", "good")
    meta = shown(env, "did", "metadata", "list", f"{S}:described")
    assert (meta["project"], meta["quality"], meta["did_type"], meta["is_open"]) == ("demo", "good", "DATASET", "True")
    assert {"guid", "created_at", "phys_group", "run_number"} <= meta.keys()  # Rucio's DID_COLUMN view
    rucio(env, "did", "metadata", "unset", f"{S}:described", "--key", "quality")
    assert "quality" not in shown(env, "did", "metadata", "list", f"{S}:described")
    refused = rucio(env, "did", "metadata", "set", f"{S}:described", "--key", "bytes", "--value", "1", expect=1)
    assert (
        "Provided metadata is considered invalid." in refused.stderr
        and "'bytes' is kept by the catalog" in refused.stderr
    )


def test_did_list_types_wildcards_and_filters(env: dict[str, str]) -> None:
    rucio(env, "did", "add", "--type", "dataset", f"{S}:search-a")
    rucio(env, "did", "add", "--type", "dataset", f"{S}:search-b")
    rucio(env, "did", "content", "add", "--to-did", f"{S}:search-a", f"{S}:raw/run2.dat")
    rucio(env, "did", "metadata", "set", f"{S}:search-b", "--key", "run_number", "--value", "7")

    everything = listed(env, "did", "list", f"{S}:*", "--filter", "type=all")
    assert (f"{S}:raw/run1.dat", "FILE") in everything and (f"{S}:search-a", "DATASET") in everything
    assert [kind for _, kind in everything] == sorted(
        (kind for _, kind in everything), key=["CONTAINER", "DATASET", "FILE"].index
    )
    assert all(kind != "FILE" for _, kind in listed(env, "did", "list", f"{S}:*"))  # collections by default
    assert listed(env, "did", "list", f"{S}:search-*") == [(f"{S}:search-a", "DATASET"), (f"{S}:search-b", "DATASET")]
    assert listed(env, "did", "list", f"{S}:raw/*", "--filter", "type=file") == [
        (f"{S}:raw/run1.dat", "FILE"),
        (f"{S}:raw/run2.dat", "FILE"),
    ]
    assert listed(env, "did", "list", f"{S}:c*", "--filter", "type=file") == []  # wildcards are case-sensitive
    assert listed(env, "did", "list", f"{S}:C*", "--filter", "type=file") == [(f"{S}:Calib.dat", "FILE")]
    nonempty = listed(env, "did", "list", f"{S}:search-*", "--filter", "type=all,length>0")
    assert nonempty == [(f"{S}:search-a", "DATASET")]
    assert listed(env, "did", "list", f"{S}:*", "--filter", "run_number>5") == [(f"{S}:search-b", "DATASET")]
    assert listed(env, "did", "list", f"{S}:*", "--filter", "type=file,bytes>=200") == [(f"{S}:raw/run2.dat", "FILE")]


def test_python_client_calls_of_the_jupyterlab_extension(env: dict[str, str]) -> None:
    rucio(env, "did", "add", "--type", "dataset", f"{S}:lab")
    rucio(env, "did", "content", "add", "--to-did", f"{S}:lab", f"{S}:raw/run1.dat", f"{S}:Calib.dat")
    rucio(env, "did", "metadata", "set", f"{S}:lab", "--key", "project", "--value", "notebook")
    result = python_client(
        env,
        f"""
result = {{
    "scopes": client.list_scopes(),
    "search": list(client.list_dids("{S}", [{{"name": "l*", "project": "notebook"}}], did_type="all", long=True)),
    "meta": client.get_metadata("{S}", "lab")["project"],
    "files": list(client.list_files("{S}", "lab")),
    "parents": list(client.list_parent_dids("{S}", "Calib.dat")),
}}
""",
    )
    assert isinstance(result, dict)
    parents = result.pop("parents")  # other tests attach Calib.dat elsewhere too
    assert {"scope": S, "name": "lab", "type": "DATASET"} in parents
    assert result == {
        "scopes": [S],
        "search": [{"scope": S, "name": "lab", "did_type": "DATASET", "bytes": 150, "length": 2}],
        "meta": "notebook",
        "files": [
            {"scope": S, "name": "Calib.dat", "bytes": 50, "adler32": "00000032", "guid": f"{50:032X}", "events": None},
            {
                "scope": S,
                "name": "raw/run1.dat",
                "bytes": 100,
                "adler32": "00000064",
                "guid": f"{100:032X}",
                "events": None,
            },
        ],
    }


def test_the_extensions_direct_http_calls(env: dict[str, str], openvre: VreServer) -> None:
    """The extension calls some endpoints with plain requests: only the token header, no filters, no plugin."""
    login = httpx.get(
        f"{openvre.url}/rucio/auth/userpass",
        headers={
            "X-Rucio-Account": "admin",
            "X-Rucio-Username": "admin",
            "X-Rucio-Password": PASSWORD,
            "X-Rucio-AppID": "jupyterlab",
        },
    )
    token = {"X-Rucio-Auth-Token": login.headers["X-Rucio-Auth-Token"]}
    search = httpx.get(
        f"{openvre.url}/rucio/dids/{S}/dids/search",
        params={"type": "file", "long": "1", "name": "raw/*"},
        headers=token,
    )
    assert search.headers["content-type"] == "application/x-json-stream"
    assert [json.loads(line)["name"] for line in search.text.splitlines()] == ["raw/run1.dat", "raw/run2.dat"]
    meta = httpx.get(f"{openvre.url}/rucio/dids/{S}/raw%2Frun1.dat/meta", headers=token)
    assert meta.status_code == 200 and meta.json()["bytes"] == 100
