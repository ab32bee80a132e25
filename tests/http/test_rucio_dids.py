"""The Rucio DID endpoints in-process, checked against the wire contract the official client relies on."""

import json
from typing import Any
from urllib.parse import quote_plus, urlencode

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from openvre import identity
from openvre.datalake import dids, scopes
from openvre.datalake.dids import NewFile
from openvre.db import Database
from tests.conftest import make_token

JSON = "application/json"
NDJSON = "application/x-json-stream"
S = "user.alice"


def send(client: TestClient, method: str, path: str, token: str, body: Any = None, **params: str) -> Response:
    """As the official client sends: JSON text without a Content-Type header, the token in X-Rucio-Auth-Token."""
    content = json.dumps(body) if body is not None else None
    query = f"?{urlencode(params)}" if params else ""
    response: Response = client.request(
        method, f"/rucio{path}{query}", content=content, headers={"X-Rucio-Auth-Token": token}
    )
    return response


def did_path(scope: str, name: str, suffix: str = "") -> str:
    """The client's URL for a DID: quote_plus, so '/' in a name travels as %2F."""
    return f"/dids/{quote_plus(scope)}/{quote_plus(name)}{suffix}"


def lines(response: Response) -> list[Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == NDJSON
    return [json.loads(line) for line in response.text.splitlines() if line]


def one(response: Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == JSON
    return response.json()


def assert_created(response: Response) -> None:
    assert response.status_code == 201, response.text
    assert response.text == "Created"


def assert_rucio_error(response: Response, status: int, name: str, message: str = "") -> None:
    assert response.status_code == status, response.text
    assert response.headers["ExceptionClass"] == name
    assert message in response.json()["ExceptionMessage"], response.json()


@pytest.fixture
def lake(app_client: TestClient, app_database: Database, alice: str) -> TestClient:
    """user.alice owned by alice, with files a and raw/b (names with '/' must survive the URL)."""
    with app_database.transaction() as session:
        scopes.add_scope(session, S, alice)
        dids.add_files(
            session,
            [NewFile(S, "a", 10, "0000000a", guid="11" * 16), NewFile(S, "raw/b", 20, "00000014")],
            alice,
        )
    return app_client


@pytest.fixture
def bob_token(app_database: Database) -> str:
    with app_database.transaction() as session:
        identity.create_account(session, identity.NewAccount("bob", "bob-password-for-tests"))
    return make_token(app_database, "bob")


def make_dataset(client: TestClient, token: str, name: str, *children: str, **extra: Any) -> None:
    assert_created(send(client, "POST", did_path(S, name), token, {"type": "DATASET", **extra}))
    if children:
        body = {"dids": [{"scope": S, "name": child} for child in children]}
        assert_created(send(client, "POST", did_path(S, name, "/dids"), token, body))


# --- creating and showing ------------------------------------------------------------------------


def test_add_did_then_show_it(lake: TestClient, alice_token: str) -> None:
    body = {"type": "DATASET", "statuses": {"monotonic": False}}
    assert_created(send(lake, "POST", did_path(S, "data/2026"), alice_token, body))
    shown = one(send(lake, "GET", did_path(S, "data/2026"), alice_token, dynamic_depth="DATASET"))
    assert shown == {
        "scope": S,
        "name": "data/2026",
        "type": "DATASET",
        "account": "alice",
        "open": True,
        "monotonic": False,
        "expired_at": None,
        "length": 0,
        "bytes": 0,
    }


def test_a_file_shows_rucios_file_fields(lake: TestClient, alice_token: str) -> None:
    shown = one(send(lake, "GET", did_path(S, "raw/b"), alice_token, dynamic_depth="FILE"))
    assert shown == {
        "scope": S,
        "name": "raw/b",
        "type": "FILE",
        "account": "alice",
        "bytes": 20,
        "length": 1,
        "md5": None,
        "adler32": "00000014",
    }


def test_add_did_with_meta_content_and_lifetime(lake: TestClient, alice_token: str) -> None:
    body = {"type": "DATASET", "meta": {"project": "demo"}, "dids": [{"scope": S, "name": "a"}], "lifetime": 60}
    assert_created(send(lake, "POST", did_path(S, "ds"), alice_token, body))
    shown = one(send(lake, "GET", did_path(S, "ds"), alice_token))
    assert (shown["length"], shown["bytes"]) == (1, 10)
    assert shown["expired_at"].endswith(" UTC")  # RFC 1123, which the client turns into a datetime
    assert one(send(lake, "GET", did_path(S, "ds", "/meta"), alice_token))["project"] == "demo"


def test_add_did_errors(lake: TestClient, alice_token: str, bob_token: str) -> None:
    make_dataset(lake, alice_token, "ds")
    assert_rucio_error(
        send(lake, "POST", did_path(S, "ds"), alice_token, {"type": "DATASET"}), 409, "DataIdentifierAlreadyExists"
    )
    assert_rucio_error(
        send(lake, "POST", did_path("user.nobody", "ds"), alice_token, {"type": "DATASET"}), 404, "ScopeNotFound"
    )
    assert_rucio_error(
        send(lake, "POST", did_path(S, "x"), bob_token, {"type": "DATASET"}), 403, "AccessDenied", "Account bob can not"
    )
    assert_rucio_error(send(lake, "POST", did_path(S, "x"), alice_token, {"type": "FILE"}), 409, "UnsupportedOperation")
    assert_rucio_error(send(lake, "POST", did_path(S, "x"), alice_token, {}), 400, "InvalidObject", "type")
    assert_rucio_error(send(lake, "POST", did_path(S, "x"), alice_token, "not json at all"), 400, "InvalidObject")


def test_bulk_add_dids(lake: TestClient, alice_token: str) -> None:
    body = [{"scope": S, "name": "c1", "type": "CONTAINER"}, {"scope": S, "name": "d1", "type": "DATASET"}]
    assert_created(send(lake, "POST", "/dids", alice_token, body))
    assert one(send(lake, "GET", did_path(S, "c1"), alice_token))["type"] == "CONTAINER"


def test_rules_in_add_did_go_to_the_rule_engine(lake: TestClient, alice_token: str) -> None:
    # No RSE matches, so the rule engine refuses, and the DID is not created either: one transaction.
    body = {
        "type": "DATASET",
        "rules": [
            {"account": "alice", "copies": 1, "rse_expression": "NOWHERE", "grouping": "DATASET", "lifetime": None}
        ],
    }
    response = send(lake, "POST", did_path(S, "with-rule"), alice_token, body)
    assert_rucio_error(response, 400, "InvalidRSEExpression")
    assert_rucio_error(send(lake, "GET", did_path(S, "with-rule"), alice_token), 404, "DataIdentifierNotFound")


def test_unknown_did_is_404_data_identifier_not_found(lake: TestClient, alice_token: str) -> None:
    for suffix in ("", "/meta", "/dids", "/files"):
        response = send(lake, "GET", did_path(S, "nope", suffix), alice_token)
        assert_rucio_error(response, 404, "DataIdentifierNotFound", "Data identifier 'user.alice:nope' not found")


def test_requests_need_a_token(lake: TestClient) -> None:
    response = lake.get(f"/rucio{did_path(S, 'a')}")
    assert_rucio_error(response, 401, "CannotAuthenticate", "Token must be set")


# --- content ---------------------------------------------------------------------------------------


def test_attach_list_and_detach(lake: TestClient, alice_token: str) -> None:
    make_dataset(lake, alice_token, "ds", "a", "raw/b")
    content = lines(send(lake, "GET", did_path(S, "ds", "/dids"), alice_token))
    assert content == [
        {"scope": S, "name": "a", "type": "FILE", "bytes": 10, "adler32": "0000000a", "md5": None},
        {"scope": S, "name": "raw/b", "type": "FILE", "bytes": 20, "adler32": "00000014", "md5": None},
    ]
    body = {"dids": [{"scope": S, "name": "raw/b"}]}
    response = send(lake, "DELETE", did_path(S, "ds", "/dids"), alice_token, body)
    assert response.status_code == 200, response.text
    assert [row["name"] for row in lines(send(lake, "GET", did_path(S, "ds", "/dids"), alice_token))] == ["a"]


def test_attach_errors_are_rucios(lake: TestClient, alice_token: str, bob_token: str) -> None:
    make_dataset(lake, alice_token, "ds", "a")
    attach = did_path(S, "ds", "/dids")
    assert_rucio_error(
        send(lake, "POST", attach, alice_token, {"dids": [{"scope": S, "name": "a"}]}), 409, "FileAlreadyExists"
    )
    assert_rucio_error(
        send(lake, "POST", attach, alice_token, {"dids": [{"scope": S, "name": "nope"}]}),
        404,
        "DataIdentifierNotFound",
        "Data identifier 'user.alice:nope' not found",
    )
    assert_rucio_error(
        send(lake, "POST", attach, bob_token, {"dids": [{"scope": S, "name": "raw/b"}]}), 403, "AccessDenied"
    )
    assert_rucio_error(
        send(lake, "POST", did_path("user.nobody", "x", "/dids"), alice_token, {"dids": []}),
        404,
        "DataIdentifierNotFound",
    )


def test_files_and_parents(lake: TestClient, alice_token: str) -> None:
    make_dataset(lake, alice_token, "ds", "a", "raw/b")
    assert_created(send(lake, "POST", did_path(S, "cont"), alice_token, {"type": "CONTAINER"}))
    assert_created(
        send(lake, "POST", did_path(S, "cont", "/dids"), alice_token, {"dids": [{"scope": S, "name": "ds"}]})
    )
    files = lines(send(lake, "GET", did_path(S, "cont", "/files"), alice_token))
    assert files == [
        {"scope": S, "name": "a", "bytes": 10, "adler32": "0000000a", "guid": "11" * 16, "events": None},
        {"scope": S, "name": "raw/b", "bytes": 20, "adler32": "00000014", "guid": None, "events": None},
    ]
    long_files = lines(send(lake, "GET", did_path(S, "cont", "/files"), alice_token, long="True"))
    assert all(row["lumiblocknr"] is None for row in long_files)
    assert lines(send(lake, "GET", did_path(S, "raw/b", "/parents"), alice_token)) == [
        {"scope": S, "name": "ds", "type": "DATASET"}
    ]
    assert lines(send(lake, "GET", did_path(S, "nope", "/parents"), alice_token)) == []


def test_close_and_reopen(lake: TestClient, alice_token: str, admin_token: str) -> None:
    make_dataset(lake, alice_token, "ds", "a")
    status = did_path(S, "ds", "/status")
    assert send(lake, "PUT", status, alice_token, {"open": False}).status_code == 200
    assert one(send(lake, "GET", did_path(S, "ds"), alice_token))["open"] is False
    attach = send(lake, "POST", did_path(S, "ds", "/dids"), alice_token, {"dids": [{"scope": S, "name": "raw/b"}]})
    assert_rucio_error(attach, 409, "UnsupportedOperation", "is closed")
    assert_rucio_error(send(lake, "PUT", status, alice_token, {"open": True}), 403, "AccessDenied")
    assert send(lake, "PUT", status, admin_token, {"open": True}).status_code == 200
    assert_rucio_error(send(lake, "PUT", status, alice_token, {"frozen": True}), 400, "InvalidObject")


# --- metadata --------------------------------------------------------------------------------------


def test_metadata_set_get_delete(lake: TestClient, alice_token: str) -> None:
    make_dataset(lake, alice_token, "ds")
    # `rucio did metadata set --key run_number --value 12` sends the value as text.
    assert_created(
        send(lake, "POST", did_path(S, "ds", "/meta/run_number"), alice_token, {"value": "12", "recursive": False})
    )
    assert_created(send(lake, "POST", did_path(S, "ds", "/meta"), alice_token, {"meta": {"quality": "good"}}))
    meta = one(send(lake, "GET", did_path(S, "ds", "/meta"), alice_token, plugin="DID_COLUMN"))
    assert (meta["run_number"], meta["quality"], meta["did_type"], meta["is_open"]) == (12, "good", "DATASET", True)
    assert meta["created_at"].endswith(" UTC")
    assert one(send(lake, "GET", did_path(S, "ds", "/meta"), alice_token)) == meta  # the extension sends no plugin
    assert send(lake, "DELETE", did_path(S, "ds", "/meta"), alice_token, key="quality").status_code == 200
    assert "quality" not in one(send(lake, "GET", did_path(S, "ds", "/meta"), alice_token))


def test_metadata_errors(lake: TestClient, alice_token: str, bob_token: str) -> None:
    meta = did_path(S, "a", "/meta")
    assert_rucio_error(send(lake, "POST", meta + "/adler32", alice_token, {"value": "x"}), 400, "InvalidMetadata")
    assert_rucio_error(send(lake, "POST", meta + "/k", bob_token, {"value": "x"}), 403, "AccessDenied")
    assert_rucio_error(send(lake, "GET", meta, alice_token, plugin="MONGO"), 400, "InvalidObject", "DID_COLUMN")
    assert_rucio_error(send(lake, "DELETE", meta, alice_token, key="missing"), 404, "KeyNotFound", "no metadata key")


# --- search ----------------------------------------------------------------------------------------


def search(client: TestClient, token: str, scope: str = S, **params: str) -> list[Any]:
    return lines(send(client, "GET", f"/dids/{scope}/dids/search", token, **params))


def test_search_as_the_cli_sends_it(lake: TestClient, alice_token: str) -> None:
    make_dataset(lake, alice_token, "ds", "a")
    # `rucio did list 'user.alice:*' --filter type=all`
    found = search(
        lake, alice_token, type="collection", filters="[{'type': 'all', 'name': '*'}]", long="True", recursive="False"
    )
    assert found == [
        {"scope": S, "name": "ds", "did_type": "DATASET", "bytes": 10, "length": 1},
        {"scope": S, "name": "a", "did_type": "FILE", "bytes": 10, "length": None},
        {"scope": S, "name": "raw/b", "did_type": "FILE", "bytes": 20, "length": None},
    ]
    assert search(lake, alice_token, filters="[{'name': '*'}]") == ["ds"]  # short form: bare names
    assert search(lake, alice_token, type="all", filters="[{'name': 'raw*', 'bytes.gt': '15'}]") == ["raw/b"]
    assert search(lake, alice_token, scope="user.nobody", type="all") == []


def test_search_without_filters_reads_other_query_values(lake: TestClient, alice_token: str) -> None:
    # The JupyterLab extension sends type=..&long=1&name=.. and no filters.
    found = search(lake, alice_token, type="file", long="1", name="r*")
    assert [row["name"] for row in found] == ["raw/b"]


def test_search_errors(lake: TestClient, alice_token: str) -> None:
    path = f"/dids/{S}/dids/search"
    assert_rucio_error(send(lake, "GET", path, alice_token, type="bogus"), 409, "UnsupportedOperation", "valid types")
    assert_rucio_error(send(lake, "GET", path, alice_token, filters="[{'length': 'x'}]"), 400, "InvalidObject")
    assert_rucio_error(send(lake, "GET", path, alice_token, long="maybe"), 400, "InvalidObject", "long='maybe'")


def test_names_with_slashes_and_sub_resource_words(lake: TestClient, alice_token: str) -> None:
    """'/' arrives decoded, so routing must still tell a DID from its sub-resources."""
    for name in ("meta/run1", "dids/x", "files", "x/parents/y", "2026/rules.txt"):
        make_dataset(lake, alice_token, name, "a")
        assert one(send(lake, "GET", did_path(S, name), alice_token))["name"] == name
        assert one(send(lake, "GET", did_path(S, name, "/meta"), alice_token))["name"] == name
        assert lines(send(lake, "GET", did_path(S, name, "/dids"), alice_token))[0]["name"] == "a"
    # The rules router's sub-resource is not swallowed by the plain DID route.
    assert lines(send(lake, "GET", did_path(S, "meta/run1", "/rules"), alice_token)) == []
