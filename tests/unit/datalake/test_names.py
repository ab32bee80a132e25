import sqlite3

import pytest

from openvre.datalake.errors import InvalidObject
from openvre.datalake.names import LIKE_ESCAPE, validate_name, validate_rse_name, validate_scope, wildcard_to_like


@pytest.mark.parametrize("scope", ["user.jdoe", "mc16_13TeV", "a", "x" * 25, "A-b.C_1", "...", "-"])
def test_valid_scopes(scope: str) -> None:
    assert validate_scope(scope) == scope


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ("", "empty"),
        ("x" * 26, "26 characters, at most 25"),
        ("user jdoe", r"character 5 \(' '\) is not allowed; a scope is 1 to 25 letters"),
        ("user/jdoe", r"character 5 \('/'\)"),
        ("user:jdoe", r"character 5 \(':'\)"),
        ("usér", r"character 3 \('é'\)"),
        ("user.jdoe\n", r"character 10 \('\\n'\)"),
        (".", "cannot be '.' or '..'"),
        ("..", "cannot be '.' or '..'"),
    ],
)
def test_invalid_scopes_say_what_is_allowed(scope: str, message: str) -> None:
    with pytest.raises(InvalidObject, match=message) as caught:
        validate_scope(scope)
    assert caught.value.field == "scope"


@pytest.mark.parametrize(
    "name", ["file.root", "/store/data/f.root", "a", "x" * 250, "A-b_c.d/e", "f..root", "a//b", "a/...", "1"]
)
def test_valid_names(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "empty"),
        ("x" * 251, "251 characters, at most 250"),
        (".hidden", r"starts with '\.'; a DID name is 1 to 250 letters"),
        ("-x", "starts with '-'"),
        ("_x", "starts with '_'"),
        ("a b", r"character 2 \(' '\) is not allowed"),
        ("scope:name", r"character 6 \(':'\)"),
        ("data*", r"character 5 \('\*'\)"),
        ("a\n", r"character 2 \('\\n'\)"),
        ("a/../b", "'.' and '..' cannot stand alone"),
        ("a/..", "'.' and '..' cannot stand alone"),
        ("a/./b", "'.' and '..' cannot stand alone"),
        ("a/.", "'.' and '..' cannot stand alone"),
    ],
)
def test_invalid_names_say_what_is_allowed(name: str, message: str) -> None:
    with pytest.raises(InvalidObject, match=message) as caught:
        validate_name(name)
    assert caught.value.field == "name"


@pytest.mark.parametrize("rse", ["CERN-PROD_DISK", "X1", "A", "SITE-A-B_C"])
def test_valid_rse_names(rse: str) -> None:
    assert validate_rse_name(rse) == rse


@pytest.mark.parametrize("rse", ["", "cern", "A__B", "-A", "A-", "A.B", "A B"])
def test_invalid_rse_names(rse: str) -> None:
    with pytest.raises(InvalidObject, match="uppercase letters and digits") as caught:
        validate_rse_name(rse)
    assert caught.value.field == "rse"


@pytest.mark.parametrize(
    ("pattern", "like"),
    [
        ("plain.root", "plain.root"),
        ("user.*", "user.%"),
        ("*_v1", "%\\_v1"),
        ("100%", "100\\%"),
        ("a\\b*", "a\\\\b%"),
        ("**", "%%"),
    ],
)
def test_wildcard_to_like(pattern: str, like: str) -> None:
    assert wildcard_to_like(pattern) == like


CORPUS = ["a%b", "a\\b", "file_v1", "fileXv1", "file_v12", "user.jdoe"]


@pytest.mark.parametrize(
    ("pattern", "matches"),
    [
        ("*", CORPUS),
        ("file_v1", ["file_v1"]),
        ("file_*", ["file_v1", "file_v12"]),
        ("*%*", ["a%b"]),
        ("a\\*", ["a\\b"]),
        ("user.*", ["user.jdoe"]),
        ("nothing*", []),
    ],
)
def test_like_patterns_match_only_what_the_wildcard_means(pattern: str, matches: list[str]) -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE dids (name TEXT)")
    connection.executemany("INSERT INTO dids VALUES (?)", [(name,) for name in CORPUS])
    found = connection.execute(
        "SELECT name FROM dids WHERE name LIKE ? ESCAPE ?", (wildcard_to_like(pattern), LIKE_ESCAPE)
    ).fetchall()
    connection.close()
    assert sorted(name for (name,) in found) == sorted(matches)
