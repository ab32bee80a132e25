"""The catalog core on SQLite and PostgreSQL: creating DIDs, attaching, listing, closing and searching."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from openvre.datalake import dids, metadata, scopes
from openvre.datalake.dids import DidType, NewDid, NewFile
from openvre.datalake.errors import (
    ChecksumMismatch,
    DataIdentifierAlreadyExists,
    DataIdentifierNotFound,
    DuplicateContent,
    FileAlreadyExists,
    InvalidObject,
    ScopeNotFound,
    UnsupportedOperation,
)
from openvre.datalake.filters import filter_groups, parse_filter_string
from openvre.db import Database, utcnow

S = "user.alice"


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    """One transaction per test, so the tests read as a sequence of catalog calls."""
    with database.transaction() as session:
        scopes.add_scope(session, S, "alice")
        yield session


def files(session: Session, *names: str, size: int = 10) -> None:
    dids.add_files(session, [NewFile(S, name, size, f"{size:08x}") for name in names], "alice")


def collection(session: Session, name: str, did_type: DidType = DidType.DATASET) -> None:
    dids.add_dids(session, [NewDid(S, name, did_type)], "alice")


def tree(session: Session) -> None:
    """cont ⊃ {ds1 ⊃ {a, b}, ds2 ⊃ {b, c}}; b is in two datasets and counts once in cont."""
    files(session, "a", "b", "c", size=10)
    collection(session, "ds1")
    collection(session, "ds2")
    collection(session, "cont", DidType.CONTAINER)
    dids.attach_dids(session, S, "ds1", [(S, "a"), (S, "b")])
    dids.attach_dids(session, S, "ds2", [(S, "b"), (S, "c")])
    dids.attach_dids(session, S, "cont", [(S, "ds1"), (S, "ds2")])


def names(found: list[dids.Did]) -> list[str]:
    return [did.name for did in found]


def search(session: Session, text: str, did_type: str = "collection", **options: object) -> list[str]:
    groups = filter_groups(parse_filter_string(text))
    return names(dids.list_dids(session, S, groups, did_type, **options))  # type: ignore[arg-type]


# --- creating ----------------------------------------------------------------------------------------


def test_new_collections_are_open_empty_and_owned_by_the_creator(session: Session) -> None:
    created = dids.add_dids(session, [NewDid(S, "ds", "dataset"), NewDid(S, "cont", DidType.CONTAINER)], "bob")
    assert [(d.name, d.did_type, d.account, d.is_open, d.length, d.bytes) for d in created] == [
        ("ds", DidType.DATASET, "bob", True, 0, 0),
        ("cont", DidType.CONTAINER, "bob", True, 0, 0),
    ]
    assert dids.get_did(session, S, "ds") == created[0]


def test_lifetime_sets_the_expiry(session: Session) -> None:
    (created,) = dids.add_dids(session, [NewDid(S, "tmp", "DATASET", lifetime=3600)], "alice")
    assert created.expired_at is not None
    assert timedelta(minutes=59) < created.expired_at - utcnow() <= timedelta(hours=1)


def test_existing_name_is_data_identifier_already_exists(session: Session) -> None:
    files(session, "f")
    for name in ("f", "same"):
        with pytest.raises(DataIdentifierAlreadyExists, match=f"'{S}:{name}' already exists"):
            dids.add_dids(session, [NewDid(S, "same", "DATASET"), NewDid(S, name, "DATASET")], "alice")
    with pytest.raises(DataIdentifierNotFound):
        dids.get_did(session, S, "same")  # all or nothing


def test_files_are_not_created_as_collections(session: Session) -> None:
    with pytest.raises(UnsupportedOperation, match="files are created by registering their replicas"):
        dids.add_did(session, S, "f", "FILE", "alice")
    with pytest.raises(InvalidObject, match="give DATASET or CONTAINER"):
        dids.add_did(session, S, "f", "FOLDER", "alice")


def test_unknown_scope_and_bad_names_are_refused(session: Session) -> None:
    with pytest.raises(ScopeNotFound, match=r"Scope 'user.bob' does not exist"):
        dids.add_did(session, "user.bob", "ds", "DATASET", "bob")
    with pytest.raises(InvalidObject, match="invalid DID name 'bad name'"):
        dids.add_did(session, S, "bad name", "DATASET", "alice")


def test_add_files_creates_missing_files_and_checks_existing_ones(session: Session) -> None:
    guid = "4D7A6E3C-1111-2222-3333-444455556666"
    (created,) = dids.add_files(session, [NewFile(S, "raw/f1", 5, "0000000A", "A" * 32, guid)], "alice")
    assert (created.did_type, created.bytes, created.length, created.is_open) == (DidType.FILE, 5, None, None)
    assert (created.adler32, created.md5, created.guid) == ("0000000a", "a" * 32, guid.replace("-", "").lower())

    again = dids.add_files(session, [NewFile(S, "new", 1), NewFile(S, "raw/f1", 5, "0000000a")], "bob")
    assert [(d.name, d.account) for d in again] == [("new", "bob"), ("raw/f1", "alice")]

    with pytest.raises(ChecksumMismatch, match="bytes mismatch: expected 5, got 6"):
        dids.add_files(session, [NewFile(S, "raw/f1", 6, "0000000a")], "alice")
    with pytest.raises(ChecksumMismatch, match="adler32 mismatch"):
        dids.add_files(session, [NewFile(S, "raw/f1", 5, "0000000b")], "alice")
    with pytest.raises(InvalidObject, match="invalid adler32"):
        dids.add_files(session, [NewFile(S, "x", 5, "xyz")], "alice")
    with pytest.raises(InvalidObject, match="invalid guid"):
        dids.add_files(session, [NewFile(S, "x", 5, guid="not-a-guid")], "alice")


def test_a_file_cannot_take_a_collections_name(session: Session) -> None:
    collection(session, "ds")
    with pytest.raises(DataIdentifierAlreadyExists, match="already exists as a DATASET, not a file"):
        dids.add_files(session, [NewFile(S, "ds", 1)], "alice")


# --- attaching ---------------------------------------------------------------------------------------


def test_sizes_are_computed_over_content_counting_shared_files_once(session: Session) -> None:
    tree(session)
    ds1, cont = dids.get_did(session, S, "ds1"), dids.get_did(session, S, "cont")
    assert (ds1.length, ds1.bytes) == (2, 20)
    assert (cont.length, cont.bytes) == (3, 30)
    assert names(dids.list_content(session, S, "cont")) == ["ds1", "ds2"]
    assert [(f.name, f.bytes) for f in dids.list_files(session, S, "cont")] == [("a", 10), ("b", 10), ("c", 10)]
    assert names(dids.list_parent_dids(session, S, "b")) == ["ds1", "ds2"]


def test_attaching_follows_rucios_rules(session: Session) -> None:
    tree(session)
    collection(session, "outer", DidType.CONTAINER)
    dids.attach_dids(session, S, "outer", [(S, "cont")])
    cases = [
        ("ds1", "ds2", UnsupportedOperation, "user.alice:ds2 of type DATASET cannot be added to a dataset"),
        ("cont", "a", UnsupportedOperation, r"Adding a file \(user.alice:a\) to a container"),
        ("a", "b", UnsupportedOperation, "'user.alice:a' is a file"),
        ("cont", "cont", UnsupportedOperation, "Self-append is not valid!"),
        ("cont", "outer", UnsupportedOperation, "Circular attachment detected. user.alice:outer is already a parent"),
        ("nope", "a", DataIdentifierNotFound, "^Data identifier 'user.alice:nope' not found$"),
        ("ds1", "nope", DataIdentifierNotFound, "^Data identifier 'user.alice:nope' not found$"),
        ("ds1", "a", FileAlreadyExists, "'user.alice:a' is already attached to 'user.alice:ds1'"),
        ("cont", "ds1", DuplicateContent, "'user.alice:ds1' is already attached to 'user.alice:cont'"),
    ]
    for parent, child, error, message in cases:
        with pytest.raises(error, match=message):
            dids.attach_dids(session, S, parent, [(S, child)])


def test_a_child_repeated_in_one_call_is_attached_once(session: Session) -> None:
    files(session, "f")
    collection(session, "ds")
    dids.attach_dids(session, S, "ds", [(S, "f"), (S, "f")])
    assert names(dids.list_content(session, S, "ds")) == ["f"]


def test_closed_collections_do_not_grow_but_can_shrink(session: Session) -> None:
    tree(session)
    closed = dids.set_status(session, S, "ds1", open=False)
    assert (closed.is_open, closed.closed_at is not None) == (False, True)
    with pytest.raises(UnsupportedOperation, match=r"'user.alice:ds1' is closed"):
        dids.attach_dids(session, S, "ds1", [(S, "c")])
    dids.detach_dids(session, S, "ds1", [(S, "a")])
    assert names(dids.list_content(session, S, "ds1")) == ["b"]
    reopened = dids.set_status(session, S, "ds1", open=True)
    assert (reopened.is_open, reopened.closed_at) == (True, None)


def test_status_changes_that_mean_nothing_are_refused(session: Session) -> None:
    tree(session)
    with pytest.raises(UnsupportedOperation, match="cannot be changed: it is open already"):
        dids.set_status(session, S, "ds1", open=True)
    with pytest.raises(UnsupportedOperation, match="cannot be changed: it is a file"):
        dids.set_status(session, S, "a", open=False)
    with pytest.raises(DataIdentifierNotFound):
        dids.set_status(session, S, "nope", open=False)


def test_detaching(session: Session) -> None:
    tree(session)
    dids.detach_dids(session, S, "cont", [(S, "ds2")])
    assert names(dids.list_content(session, S, "cont")) == ["ds1"]
    assert names(dids.list_parent_dids(session, S, "ds2")) == []
    with pytest.raises(DataIdentifierNotFound, match=r"'user.alice:c' not found under 'user.alice:ds1'"):
        dids.detach_dids(session, S, "ds1", [(S, "c")])
    with pytest.raises(UnsupportedOperation, match="cannot be detached from itself"):
        dids.detach_dids(session, S, "ds1", [(S, "ds1")])
    with pytest.raises(DataIdentifierNotFound, match=r"'user.alice:a' not found"):
        dids.detach_dids(session, S, "a", [(S, "b")])


def test_listing_unknown_or_leaf_dids(session: Session) -> None:
    files(session, "f")
    assert dids.list_content(session, S, "f") == []
    assert [f.name for f in dids.list_files(session, S, "f")] == ["f"]
    assert dids.list_parent_dids(session, S, "nope") == []  # as Rucio: an empty answer, not an error
    for listing in (dids.list_content, dids.list_files):
        with pytest.raises(DataIdentifierNotFound, match=r"'user.alice:nope' not found"):
            listing(session, S, "nope")


def test_files_list_their_events_from_metadata(session: Session) -> None:
    tree(session)
    metadata.set_metadata(session, S, "a", "events", "42")
    listed = {f.name: f.events for f in dids.list_files(session, S, "ds1")}
    assert listed == {"a": 42, "b": None}


# --- searching ---------------------------------------------------------------------------------------


def test_search_types_and_order(session: Session) -> None:
    tree(session)
    assert search(session, "") == ["cont", "ds1", "ds2"]  # collections by default
    assert search(session, "", "all") == ["cont", "ds1", "ds2", "a", "b", "c"]
    assert search(session, "type=file") == ["a", "b", "c"]  # a group's type overrides the search's
    assert search(session, "type=container;type=file,name=c") == ["cont", "c"]
    assert dids.list_dids(session, "user.nobody", [], "all") == []


def test_search_wildcards_are_case_sensitive_on_every_database(session: Session) -> None:
    files(session, "Run1.dat", "run2.dat", "run_3", "runX3")
    assert search(session, "name=run*", "all") == ["run2.dat", "runX3", "run_3"]
    assert search(session, "name=R*", "all") == ["Run1.dat"]
    assert search(session, "name=run_3", "all") == ["run_3"]  # '_' is literal, not SQL's any-character
    assert search(session, "name=*_*", "all") == ["run_3"]
    assert search(session, "name!=r*", "all") == ["Run1.dat"]
    assert search(session, "name=run2.dat", "all") == ["run2.dat"]


def test_metadata_wildcards_treat_glob_and_like_characters_literally(session: Session) -> None:
    files(session, "f1", "f2", "f3", "f4")
    for name, note in (("f1", "a?b"), ("f2", "a[b]"), ("f3", "a%b"), ("f4", "axb")):
        metadata.set_metadata(session, S, name, "note", note)
    assert search(session, "type=file,note=a?*") == ["f1"]  # GLOB's '?' and '[' are literal
    assert search(session, "type=file,note=a[*") == ["f2"]
    assert search(session, "type=file,note=*b]") == ["f2"]
    assert search(session, "type=file,note=A*") == []


def test_search_on_sizes(session: Session) -> None:
    tree(session)
    collection(session, "empty")
    files(session, "big", size=1000)
    assert search(session, "type=all,length>0") == ["cont", "ds1", "ds2"]  # files have no length
    assert search(session, "length=0") == ["empty"]
    assert search(session, "type=all,bytes>=30") == ["cont", "big"]
    assert search(session, "1<length<3") == ["ds1", "ds2"]


def test_search_on_dates_and_columns(session: Session) -> None:
    tree(session)
    before = (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    after = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert search(session, f"created_after={before}") == ["cont", "ds1", "ds2"]
    assert search(session, f"created_before={before}") == []
    assert search(session, f"created_at<{after},name=ds*") == ["ds1", "ds2"]
    dids.set_status(session, S, "ds2", open=False)
    assert search(session, "is_open=false") == ["ds2"]
    assert search(session, "type=all,is_open!=false") == ["cont", "ds1", "a", "b", "c"]
    assert search(session, "account=alice,name=c*") == ["cont"]


def test_search_on_metadata(session: Session) -> None:
    tree(session)
    metadata.set_metadata_bulk(session, S, "ds1", {"run_number": 7, "quality": "Good", "checked": True})
    metadata.set_metadata_bulk(session, S, "ds2", {"run_number": "12", "quality": "bad", "checked": False})
    assert search(session, "run_number>10") == ["ds2"]
    assert search(session, "run_number>=7") == ["ds1", "ds2"]
    assert search(session, "run_number=7.0") == ["ds1"]  # numbers compare as numbers
    assert search(session, "quality=G*") == ["ds1"]  # case-sensitive wildcard
    assert search(session, "quality=good") == []
    assert search(session, "checked=true") == ["ds1"]
    assert search(session, "quality!=Good") == ["cont", "ds2"]  # "not equal" includes DIDs without the key
    assert search(session, "quality=Good;quality=bad") == ["ds1", "ds2"]
    assert search(session, "quality=Good,run_number>10") == []


def test_recursive_search_adds_matching_content(session: Session) -> None:
    tree(session)
    assert search(session, "name=cont") == ["cont"]
    assert search(session, "name=cont", recursive=True) == ["cont", "ds1", "ds2"]
    assert search(session, "type=all,name=ds1", recursive=True) == ["ds1", "a", "b"]


def test_search_limit(session: Session) -> None:
    tree(session)
    assert search(session, "", "all", limit=2) == ["cont", "ds1"]


def test_file_search_by_size_uses_the_files_own_bytes(database: Database) -> None:
    from openvre import identity
    from openvre.datalake import replicas, rses
    from openvre.datalake.filters import filter_groups

    with database.transaction() as session:
        identity.create_account(session, identity.NewAccount("carol"))
        scopes.add_scope(session, "user.carol", "carol")
        rses.add_local_rse(session, "SIZE_RSE", "/tmp/size-rse")
        replicas.add_replicas(
            session,
            "SIZE_RSE",
            [replicas.NewReplica("user.carol", f"f{n}", n * 100, adler32="0badf00d") for n in (1, 2, 3)],
            "carol",
        )
        found = dids.list_dids(session, "user.carol", filter_groups([{"name": "f*", "bytes.gte": "200"}]), "file")
    assert [did.name for did in found] == ["f2", "f3"]
