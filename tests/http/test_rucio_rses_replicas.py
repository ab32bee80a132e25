"""The Rucio REST endpoints for RSEs, account limits and replicas, in-process, checked against the wire contract."""

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from openvre.datalake import limits, protocols, scopes
from openvre.datalake.lfn2pfn import hash_path
from openvre.db import Database

NDJSON = "application/x-json-stream"
METALINK_NS = "{urn:ietf:params:xml:ns:metalink}"
FILE = {
    "scope": "user.alice",
    "name": "file1.dat",
    "bytes": 11,
    "adler32": "1a0b045d",
    "md5": "5eb63bbbe01eeed093cb22bb8f5acdc3",
    "meta": {"guid": "8f6b6e3c2b9f4f4b9a8e2a8c7d6e5f40"},
}


def auth(token: str) -> dict[str, str]:
    return {"X-Rucio-Auth-Token": token}


def send(client: TestClient, method: str, path: str, token: str | None, body: Any = None, **headers: str) -> Response:
    """As the official client sends: JSON text with no Content-Type header."""
    all_headers = {**(auth(token) if token else {}), **headers}
    content = json.dumps(body) if body is not None else None
    return client.request(method, f"/rucio{path}", content=content, headers=all_headers)


def lines(response: Response) -> list[Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == NDJSON
    return [json.loads(line) for line in response.text.splitlines() if line]


def assert_rucio_error(response: Response, status: int, name: str, message: str = "") -> None:
    assert response.status_code == status, response.text
    assert response.headers["ExceptionClass"] == name
    assert message in response.json()["ExceptionMessage"]


@pytest.fixture
def site(app_client: TestClient, app_database: Database, admin_token: str, tmp_path: Path) -> Path:
    """SITE_A in a local directory, added through the API as `rucio rse add` and `rse protocol add` do."""
    root = tmp_path / "SITE_A"
    assert send(app_client, "POST", "/rses/SITE_A", admin_token, {"deterministic": True}).status_code == 201
    protocol = {
        "hostname": "localhost",
        "scheme": "file",
        "port": None,
        "impl": "rucio.rse.protocols.posix.Default",
        "prefix": f"{root}/",
        "domains": protocols.POSIX_DOMAINS,
    }
    assert send(app_client, "POST", "/rses/SITE_A/protocols/file", admin_token, protocol).status_code == 201
    return root


@pytest.fixture
def alice_lake(app_database: Database, alice: str, site: Path) -> str:
    with app_database.transaction() as session:
        scopes.add_scope(session, "user.alice", alice)
        limits.set_local_account_limit(session, alice, "SITE_A", limits.UNLIMITED)
    return alice


def test_rse_add_list_and_show(app_client: TestClient, admin_token: str, site: Path) -> None:
    rows = {row["rse"]: row for row in lines(send(app_client, "GET", "/rses/", admin_token))}
    row = rows["SITE_A"]  # next to LOCAL, the storage every embedded lake has
    assert row["rse"] == "SITE_A" and row["availability"] == 7 and row["vo"] == "def"
    assert row["created_at"].endswith(" UTC") and row["deleted"] is False
    info = send(app_client, "GET", "/rses/SITE_A", admin_token)
    assert info.headers["content-type"] == "application/json"
    body = info.json()
    assert (body["rse"], body["lfn2pfn_algorithm"], body["availability_write"]) == ("SITE_A", "hash", True)
    assert body["protocols"][0] | {"domains": None} == {
        "scheme": "file",
        "hostname": "localhost",
        "port": 0,
        "prefix": f"{site}/",
        "impl": "rucio.rse.protocols.posix.Default",
        "domains": None,
        "extended_attributes": None,
    }
    assert send(app_client, "GET", "/rses/SITE_A/protocols", admin_token).json() == body["protocols"]
    assert send(app_client, "GET", "/rses/SITE_A/attr/", admin_token).json() == {"SITE_A": True}
    [usage] = lines(send(app_client, "GET", "/rses/SITE_A/usage", admin_token))
    assert (usage["source"], usage["used"], usage["free"], usage["total"], usage["files"]) == ("rucio", 0, None, 0, 0)
    assert send(app_client, "GET", "/rses/SITE_A/limits", admin_token).json() == {}


def test_rse_errors(app_client: TestClient, admin_token: str, alice_token: str, site: Path) -> None:
    assert_rucio_error(send(app_client, "POST", "/rses/SITE_A", admin_token, {}), 409, "Duplicate")
    assert_rucio_error(send(app_client, "POST", "/rses/SITE_B", alice_token, {}), 403, "AccessDenied", "administrator")
    assert_rucio_error(send(app_client, "GET", "/rses/NOPE", admin_token), 404, "RSENotFound", "'NOPE'")
    assert_rucio_error(send(app_client, "POST", "/rses/bad-name", admin_token, {}), 400, "InvalidObject", "uppercase")
    send(app_client, "POST", "/rses/SITE_B", admin_token, {})
    none = send(app_client, "GET", "/rses/SITE_B/protocols", admin_token)
    assert_rucio_error(none, 404, "RSEProtocolNotSupported", "rucio rse protocol add SITE_B")
    again = send(app_client, "POST", "/rses/SITE_A/protocols/file", admin_token, {"prefix": "/x", "impl": "x.Y"})
    assert_rucio_error(again, 409, "Duplicate", "already registered")


@pytest.mark.parametrize(
    ("path", "names"),
    [
        ("/rses/?expression=SITE_A", ["SITE_A"]),
        ("/rses?expression=SITE_A", ["SITE_A"]),
        ("/rses/?expression=%2A", ["LOCAL", "SITE_A"]),
        ("/rses/?expression=%2A%5CLOCAL", ["SITE_A"]),
    ],
)
def test_expression_lists_names_only(
    app_client: TestClient, admin_token: str, site: Path, path: str, names: list[str]
) -> None:
    assert lines(send(app_client, "GET", path, admin_token)) == [{"rse": name} for name in names]


@pytest.mark.parametrize("expression", ["istape%3Dtrue", "NOPE", "a%7C%7Cb"])
def test_expression_selecting_nothing_is_400(
    app_client: TestClient, admin_token: str, site: Path, expression: str
) -> None:
    response = send(app_client, "GET", f"/rses/?expression={expression}", admin_token)
    assert_rucio_error(response, 400, "InvalidRSEExpression")


def test_attributes_and_availability(app_client: TestClient, admin_token: str, alice_token: str, site: Path) -> None:
    assert send(app_client, "POST", "/rses/SITE_A/attr/tier", admin_token, {"value": 1}).status_code == 201
    assert lines(send(app_client, "GET", "/rses/?expression=tier%3D1", admin_token)) == [{"rse": "SITE_A"}]
    assert send(app_client, "DELETE", "/rses/SITE_A/attr/tier", admin_token).status_code == 200
    assert send(app_client, "GET", "/rses/SITE_A/attr/", admin_token).json() == {"SITE_A": True}
    assert_rucio_error(send(app_client, "POST", "/rses/SITE_A/attr/x", alice_token, {"value": 1}), 403, "AccessDenied")
    assert send(app_client, "PUT", "/rses/SITE_A", admin_token, {"availability_write": False}).status_code == 201
    body = send(app_client, "GET", "/rses/SITE_A", admin_token).json()
    assert (body["availability_write"], body["availability"]) == (False, 5)
    assert send(app_client, "PUT", "/rses/SITE_A", admin_token, {"availability": 7}).status_code == 201
    assert send(app_client, "GET", "/rses/SITE_A", admin_token).json()["availability_write"] is True


def test_account_limits_and_usage(app_client: TestClient, admin_token: str, alice_token: str, site: Path) -> None:
    assert (
        send(app_client, "POST", "/accounts/admin/limits/local/SITE_A", admin_token, {"bytes": -1}).status_code == 201
    )
    response = send(app_client, "GET", "/accounts/admin/limits/local", admin_token)
    assert response.headers["content-type"] == "application/json"
    assert '"SITE_A": Infinity' in response.text
    assert json.loads(response.text)["SITE_A"] == math.inf
    [usage] = [
        entry
        for entry in lines(send(app_client, "GET", "/accounts/admin/usage/local", admin_token))
        if entry["rse"] == "SITE_A"
    ]
    assert usage == {
        "rse_id": usage["rse_id"],
        "rse": "SITE_A",
        "bytes": 0,
        "files": 0,
        "bytes_limit": math.inf,
        "bytes_remaining": math.inf,
    }
    assert lines(send(app_client, "GET", "/accounts/admin/usage/local/SITE_A", admin_token)) == [usage]
    assert lines(send(app_client, "GET", "/accounts/admin/usage/global", admin_token)) == []
    send(app_client, "POST", "/accounts/admin/limits/local/SITE_A", admin_token, {"bytes": 10_000_000_000})
    assert send(app_client, "GET", "/accounts/admin/limits/local/SITE_A", admin_token).text == '{"SITE_A": 10000000000}'
    assert send(app_client, "DELETE", "/accounts/admin/limits/local/SITE_A", admin_token).status_code == 200
    assert send(app_client, "GET", "/accounts/admin/limits/local/SITE_A", admin_token).json() == {"SITE_A": None}


def test_account_limit_errors(app_client: TestClient, admin_token: str, alice_token: str, site: Path) -> None:
    denied = send(app_client, "POST", "/accounts/alice/limits/local/SITE_A", alice_token, {"bytes": -1})
    assert_rucio_error(denied, 403, "AccessDenied")
    unknown = send(app_client, "POST", "/accounts/nobody/limits/local/SITE_A", admin_token, {"bytes": 1})
    assert_rucio_error(unknown, 404, "AccountNotFound")
    bad = send(app_client, "POST", "/accounts/admin/limits/local/SITE_A", admin_token, {"bytes": "10GB"})
    assert_rucio_error(bad, 400, "InvalidObject", "-1 for none")


def test_upload_sequence_over_http(app_client: TestClient, alice_token: str, alice_lake: str, site: Path) -> None:
    """Steps 6, 7 and 10 of `rucio upload`: register COPYING, add the rule, mark AVAILABLE."""
    body = {"rse": "SITE_A", "files": [{**FILE, "state": "C"}], "ignore_availability": True}
    added = send(app_client, "POST", "/replicas", alice_token, body)
    assert (added.status_code, added.text) == (201, "Created")
    rule = {"dids": [{"scope": "user.alice", "name": "file1.dat"}], "copies": 1, "rse_expression": "SITE_A"}
    [rule_id] = send(app_client, "POST", "/rules/", alice_token, rule | {"grouping": "DATASET"}).json()
    assert send(app_client, "GET", f"/rules/{rule_id}", alice_token).json()["state"] == "REPLICATING"
    [copying] = lines(
        send(app_client, "POST", "/replicas/list", alice_token, {"dids": [rule["dids"][0]], "all_states": True})
    )
    assert copying["states"] == {"SITE_A": "COPYING"}
    done = send(app_client, "PUT", "/replicas", alice_token, {"rse": "SITE_A", "files": [{**FILE, "state": "A"}]})
    assert done.status_code == 200
    assert send(app_client, "GET", f"/rules/{rule_id}", alice_token).json()["state"] == "OK"
    [usage] = lines(send(app_client, "GET", "/accounts/alice/usage/local/SITE_A", alice_token))
    assert (usage["bytes"], usage["files"]) == (11, 1)


def test_replica_listing_json(app_client: TestClient, alice_token: str, alice_lake: str, site: Path) -> None:
    send(app_client, "POST", "/replicas", alice_token, {"rse": "SITE_A", "files": [FILE]})
    pfn = f"file://localhost{site}/{hash_path('user.alice', 'file1.dat')}"
    dids = [{"scope": "user.alice", "name": "file1.dat"}, {"scope": "user.alice", "name": "missing"}]
    [replica] = lines(send(app_client, "POST", "/replicas/list", alice_token, {"dids": dids, "resolve_parents": True}))
    assert replica == {
        "scope": "user.alice",
        "name": "file1.dat",
        "bytes": 11,
        "md5": FILE["md5"],
        "adler32": "1a0b045d",
        "pfns": {
            pfn: {
                "rse_id": replica["pfns"][pfn]["rse_id"],
                "rse": "SITE_A",
                "type": "DISK",
                "volatile": False,
                "domain": "wan",
                "priority": 1,
                "client_extract": False,
            }
        },
        "rses": {"SITE_A": [pfn]},
        "states": {"SITE_A": "AVAILABLE"},
        "parents": [],
    }
    assert lines(send(app_client, "GET", "/replicas/user.alice/file1.dat", alice_token)) == [
        {key: value for key, value in replica.items() if key != "parents"}
    ]
    assert lines(send(app_client, "POST", "/replicas/list", alice_token, {"dids": dids[1:]})) == []


def test_replica_listing_metalink(app_client: TestClient, alice_token: str, alice_lake: str, site: Path) -> None:
    send(app_client, "POST", "/replicas", alice_token, {"rse": "SITE_A", "files": [FILE]})
    body = {"dids": [{"scope": "user.alice", "name": "file1.dat"}], "resolve_parents": True, "all_states": False}
    response = send(app_client, "POST", "/replicas/list", alice_token, body, Accept="application/metalink4+xml")
    assert response.status_code == 200 and response.headers["content-type"] == "application/metalink4+xml"
    [file] = ET.fromstring(response.text).findall(f"{METALINK_NS}file")  # noqa: S314 (our own server's answer)
    assert file.get("name") == "file1.dat"
    assert file.findtext(f"{METALINK_NS}identity") == "user.alice:file1.dat"
    hashes = {element.get("type"): element.text for element in file.findall(f"{METALINK_NS}hash")}
    assert hashes == {"adler32": "1a0b045d", "md5": FILE["md5"]}
    assert file.findtext(f"{METALINK_NS}size") == "11"
    [url] = file.findall(f"{METALINK_NS}url")
    assert url.attrib == {"location": "SITE_A", "domain": "wan", "priority": "1", "client_extract": "false"}
    assert url.text == f"file://localhost{site}/{hash_path('user.alice', 'file1.dat')}"


def test_replica_errors(app_client: TestClient, admin_token: str, alice_token: str, alice_lake: str) -> None:
    with_admin_scope = {"rse": "SITE_A", "files": [{**FILE, "scope": "user.admin"}]}
    assert_rucio_error(send(app_client, "POST", "/replicas", alice_token, with_admin_scope), 404, "ScopeNotFound")
    send(app_client, "POST", "/accounts/admin/scopes/user.admin", admin_token)
    assert_rucio_error(send(app_client, "POST", "/replicas", alice_token, with_admin_scope), 403, "AccessDenied")
    send(app_client, "POST", "/replicas", alice_token, {"rse": "SITE_A", "files": [FILE]})
    duplicate = send(app_client, "POST", "/replicas", alice_token, {"rse": "SITE_A", "files": [FILE]})
    assert_rucio_error(duplicate, 409, "Duplicate", "already exists on RSE SITE_A")
    changed = {"rse": "SITE_A", "files": [{**FILE, "name": "file1.dat", "adler32": "00000001"}]}
    assert_rucio_error(send(app_client, "POST", "/replicas", alice_token, changed), 409, "ChecksumMismatch")
    missing = {"rse": "SITE_A", "files": [{**FILE, "name": "nope", "state": "A"}]}
    assert_rucio_error(send(app_client, "PUT", "/replicas", alice_token, missing), 404, "ReplicaNotFound")
    assert_rucio_error(send(app_client, "POST", "/replicas", alice_token, {"rse": "SITE_A"}), 400, "InvalidObject")
    bad_state = {"rse": "SITE_A", "files": [{**FILE, "state": "Z"}]}
    assert_rucio_error(
        send(app_client, "PUT", "/replicas", alice_token, bad_state), 400, "InvalidObject", "AVAILABLE (A)"
    )


def test_traces_need_no_token(app_client: TestClient) -> None:
    response = app_client.post("/rucio/traces/", content=json.dumps({"eventType": "upload"}))
    assert response.status_code == 201
