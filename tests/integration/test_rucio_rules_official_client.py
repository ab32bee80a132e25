"""Replication rules through the official rucio CLI and Python client, against `vre up --demo`.

The demo dataset lives on ARCHIVE; a rule to LOCAL makes the transfer agent inside `vre up` copy it,
and the official client sees the rule go from REPLICATING to OK.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.rucio_server import rucio_client_env
from tests.support.vre_server import VRE, VreServer, start_vre

PASSWORD = "admin-password-for-rules"
DATASET = "user.demo:dimuon-2012"


@pytest.fixture(scope="module")
def openvre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VreServer]:
    server = start_vre(tmp_path_factory.mktemp("vre") / "home", env={"OPENVRE_ADMIN_PASSWORD": PASSWORD})
    yield server
    server.stop()


@pytest.fixture(scope="module")
def env(openvre: VreServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return rucio_client_env(f"{openvre.url}/rucio", "admin", "admin", PASSWORD, tmp_path_factory.mktemp("client"))


def rucio(env: dict[str, str], *args: str, expect: int = 0) -> str:
    result = subprocess.run(["rucio", *args], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == expect, f"rucio {' '.join(args)} → {result.returncode}\n{result.stdout}{result.stderr}"
    return result.stdout + result.stderr


def python_client(env: dict[str, str], body: str) -> object:
    """Run code with the official Python client (its own venv) and return what it printed as JSON."""
    script = "import json\nfrom rucio.client import Client\nclient = Client()\n" + textwrap.dedent(body)
    result = subprocess.run(["python", "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_rule_add_show_list_remove(env: dict[str, str]) -> None:
    rule_id = rucio(env, "rule", "add", DATASET, "--copies", "1", "--rses", "LOCAL").split()[-1]
    assert len(rule_id) == 32
    deadline = time.monotonic() + 30
    shown = rucio(env, "rule", "show", rule_id)
    while "OK" not in shown.split("State:")[-1].split("\n")[0] and time.monotonic() < deadline:
        time.sleep(0.2)
        shown = rucio(env, "rule", "show", rule_id)
    assert "LOCAL" in shown and "OK" in shown.split("State:")[-1].split("\n")[0], shown
    listed = rucio(env, "rule", "list", "--did", DATASET)
    assert rule_id in listed and "OK[3/0/0]" in listed
    rucio(env, "rule", "remove", rule_id)
    # The client raised RuleNotFound: this is that class's message.
    assert "No replication rule found." in rucio(env, "rule", "show", rule_id, expect=1)


def test_the_calls_the_rucio_jupyterlab_extension_makes(env: dict[str, str]) -> None:
    found = python_client(
        env,
        """
        scope, name = "user.demo", "dimuon-2012"
        out = {
            "scopes": client.list_scopes(),
            "dids": sorted(d["name"] for d in client.list_dids(scope, [{"name": "dimuon*"}], did_type="all",
                                                               long=True)),
            "run2": list(client.list_dids(scope, [{"run_number": "2"}], did_type="file")),
            "meta": client.get_metadata(scope, name)["did_type"],
            "files": sorted(f["name"] for f in client.list_files(scope, name)),
            "parents": [p["name"] for p in client.list_parent_dids(scope, "dimuon_run1.csv")],
            "replicas": sorted(list(r["rses"])[0] for r in client.list_replicas([{"scope": scope, "name": name}])),
            "rules_before": [r["rse_expression"] for r in client.list_did_rules(scope, name)],
            "new_rule": client.add_replication_rule([{"scope": scope, "name": name}], 1, "type=LOCAL", lifetime=3600),
            "rules_after": sorted(r["rse_expression"] for r in client.list_did_rules(scope, name)),
            "local_rses": [r["rse"] for r in client.list_rses("type=LOCAL")],
        }
        from rucio.common.exception import DataIdentifierNotFound, DuplicateRule
        try:
            client.add_replication_rule([{"scope": scope, "name": name}], 1, "type=LOCAL", lifetime=3600)
        except DuplicateRule:
            out["duplicate"] = "DuplicateRule"
        try:
            client.get_metadata(scope, "no-such-thing")
        except DataIdentifierNotFound:
            out["missing"] = "DataIdentifierNotFound"
        print(json.dumps(out))
        """,
    )
    assert isinstance(found, dict)
    assert "user.demo" in found["scopes"]
    assert found["dids"] == ["dimuon-2012", "dimuon_run1.csv", "dimuon_run2.csv", "dimuon_run3.csv"]
    assert found["run2"] == ["dimuon_run2.csv"]
    assert found["meta"] == "DATASET"
    assert found["files"] == ["dimuon_run1.csv", "dimuon_run2.csv", "dimuon_run3.csv"]
    assert found["parents"] == ["dimuon-2012"]
    assert found["replicas"] == ["ARCHIVE", "ARCHIVE", "ARCHIVE"]
    assert found["rules_before"] == ["ARCHIVE"]
    assert len(found["new_rule"]) == 1 and len(found["new_rule"][0]) == 32
    assert found["rules_after"] == ["ARCHIVE", "type=LOCAL"]
    assert found["local_rses"] == ["LOCAL"]
    assert found["duplicate"] == "DuplicateRule"
    assert found["missing"] == "DataIdentifierNotFound"


def test_non_owner_cannot_remove_anothers_rule(openvre: VreServer, env: dict[str, str], tmp_path: Path) -> None:
    demo_rules = python_client(
        env, 'print(json.dumps([r["id"] for r in client.list_did_rules("user.demo", "dimuon-2012")]))'
    )
    assert isinstance(demo_rules, list) and demo_rules
    subprocess.run(
        [str(VRE), "user", "add", "mallory", "--password-stdin", "--home", str(openvre.home)],
        input="mallory-password\n",
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": str(Path(__file__).parents[2] / ".venv" / "bin")},
    )
    mallory = rucio_client_env(f"{openvre.url}/rucio", "mallory", "mallory", "mallory-password", tmp_path / "m")
    out = rucio(mallory, "rule", "remove", str(demo_rules[0]), expect=2)
    # AccessDenied's own message, then ours naming the account and the action.
    assert "Access to the requested resource denied." in out and "mallory can not delete rule" in out
