from pathlib import PurePosixPath

import pytest

from openvre.datalake.errors import InvalidObject
from openvre.datalake.lfn2pfn import hash_path, safe_join


@pytest.mark.parametrize(
    ("scope", "name", "path"),
    [
        # From Rucio's own tests/test_rse_lfn2path.py.
        ("foo", "bar", "foo/4e/99/bar"),
        ("user.foo", "bar", "user/foo/13/7f/bar"),
        # md5 computed with coreutils: printf 'user.jdoe:file.root' | md5sum -> 59528676...
        ("user.jdoe", "file.root", "user/jdoe/59/52/file.root"),
        ("group.phys-higgs", "ntuple.root", "group/phys-higgs/32/dd/ntuple.root"),
        ("mc16_13TeV", "EVNT.12345._000001.pool.root.1", "mc16_13TeV/81/ac/EVNT.12345._000001.pool.root.1"),
        # Only scopes starting with user/group are split on '.', and the test is the bare prefix.
        ("mc16.x", "a", "mc16.x/73/53/a"),
        ("userdata.v1", "f.txt", "userdata/v1/1c/6b/f.txt"),
        # Names keep their '/', including a leading one.
        ("cms", "/store/data/f.root", "cms/7c/a9//store/data/f.root"),
    ],
)
def test_hash_path_matches_rucio(scope: str, name: str, path: str) -> None:
    assert hash_path(scope, name) == path


@pytest.mark.parametrize(
    ("root", "relative", "joined"),
    [
        ("/srv/rse/DISK", "user/jdoe/59/52/file.root", "/srv/rse/DISK/user/jdoe/59/52/file.root"),
        ("/srv/rse/DISK/", "a", "/srv/rse/DISK/a"),
        (PurePosixPath("/srv/rse"), "a/b", "/srv/rse/a/b"),
        ("s3://bucket/prefix", "x/y", "s3://bucket/prefix/x/y"),
        ("file:///", "x", "file:///x"),
        ("/srv", "cms/7c/a9//store/data/f.root", "/srv/cms/7c/a9//store/data/f.root"),
        ("/srv", "a..b/..c/d..", "/srv/a..b/..c/d.."),
    ],
)
def test_safe_join_puts_the_path_under_the_root(root: str, relative: str, joined: str) -> None:
    assert safe_join(root, relative) == joined


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        ("", "empty"),
        ("..", r"'\.\.' segments"),
        ("../etc/passwd", r"'\.\.' segments"),
        ("a/../../etc/passwd", r"'\.\.' segments"),
        ("a/..", r"'\.\.' segments"),
        ("a/./b", r"'\.' and '\.\.' segments"),
        ("/etc/passwd", "absolute"),
        ("a\0b", "NUL"),
        ("a\\..\\..\\b", "backslash"),
    ],
)
def test_safe_join_refuses_paths_that_could_leave_the_root(relative: str, reason: str) -> None:
    with pytest.raises(InvalidObject, match=reason) as caught:
        safe_join("/srv/rse", relative)
    assert caught.value.field == "path"


def test_a_dotted_scope_cannot_climb_out_through_the_hash_path() -> None:
    with pytest.raises(InvalidObject, match=r"'\.\.' segments"):
        safe_join("/srv/rse", hash_path("..", "x"))


def test_safe_join_needs_a_root() -> None:
    with pytest.raises(InvalidObject, match="storage root is empty"):
        safe_join("", "a")
