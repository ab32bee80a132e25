"""DID metadata on SQLite and PostgreSQL: Rucio's column view, free keys, reserved keys and values."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from openvre.datalake import dids, metadata, scopes
from openvre.datalake._keys import DID_COLUMN_KEYS
from openvre.datalake._tables import DidMetaRow
from openvre.datalake.dids import DidType, NewDid, NewFile
from openvre.datalake.errors import DataIdentifierNotFound, InvalidMetadata
from openvre.db import Database, utcnow
from openvre.errors import NotFound

S = "user.alice"


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.transaction() as session:
        scopes.add_scope(session, S, "alice")
        dids.add_files(session, [NewFile(S, "f", 7, "00000007", guid="a" * 32)], "alice")
        dids.add_dids(session, [NewDid(S, "ds", DidType.DATASET)], "alice")
        dids.attach_dids(session, S, "ds", [(S, "f")])
        yield session


def test_metadata_lists_every_rucio_column_in_rucios_order(session: Session) -> None:
    meta = metadata.get_metadata(session, S, "ds")
    assert list(meta) == list(DID_COLUMN_KEYS)
    assert {key: meta[key] for key in ("scope", "name", "account", "did_type", "bytes", "length", "is_open")} == {
        "scope": S,
        "name": "ds",
        "account": "alice",
        "did_type": "DATASET",
        "bytes": 7,
        "length": 1,
        "is_open": True,
    }
    assert meta["project"] is None and meta["hidden"] is False and meta["created_at"] is not None


def test_file_metadata_has_its_checksums_and_no_length(session: Session) -> None:
    meta = metadata.get_metadata(session, S, "f")
    assert (meta["did_type"], meta["bytes"], meta["adler32"], meta["guid"]) == ("FILE", 7, "00000007", "a" * 32)
    assert (meta["length"], meta["is_open"]) == (None, None)


def test_user_keys_are_merged_into_the_column_view(session: Session) -> None:
    before = metadata.get_metadata(session, S, "ds")["updated_at"]
    metadata.set_metadata(session, S, "ds", "project", "demo")
    metadata.set_metadata_bulk(session, S, "ds", {"quality": "good", "temperature": 4.5, "calibrated": True})
    meta = metadata.get_metadata(session, S, "ds")
    assert (meta["project"], meta["quality"], meta["temperature"], meta["calibrated"]) == ("demo", "good", 4.5, True)
    assert meta["updated_at"] >= before


def test_rucios_integer_keys_store_integers(session: Session) -> None:
    metadata.set_metadata(session, S, "ds", "run_number", "12")  # what `rucio did metadata set --value 12` sends
    assert metadata.get_metadata(session, S, "ds")["run_number"] == 12
    with pytest.raises(InvalidMetadata, match="'run_number' must be a whole number, not 'twelve'"):
        metadata.set_metadata(session, S, "ds", "run_number", "twelve")
    with pytest.raises(InvalidMetadata, match="'events' must be 0 or more"):
        metadata.set_metadata(session, S, "f", "events", -1)


def test_text_that_spells_a_number_is_also_kept_as_a_number(session: Session) -> None:
    metadata.set_metadata_bulk(session, S, "ds", {"energy": "13.6", "label": "v2", "flag": True})
    stored = {row.key: (row.value, row.text_value, row.number_value) for row in session.scalars(select(DidMetaRow))}
    assert stored == {
        "energy": ("13.6", "13.6", 13.6),
        "label": ("v2", "v2", None),
        "flag": (True, "true", None),
    }


@pytest.mark.parametrize("key", ["bytes", "adler32", "guid", "name", "did_type", "created_at", "is_open", "type"])
def test_the_catalogs_own_keys_cannot_be_set(session: Session, key: str) -> None:
    with pytest.raises(InvalidMetadata, match=f"'{key}' is kept by the catalog itself and cannot be set"):
        metadata.set_metadata(session, S, "f", key, "x")
    assert metadata.get_metadata(session, S, "f")["adler32"] == "00000007"


@pytest.mark.parametrize("key", ["", "1st", "a.b", "with space", "x" * 101])
def test_free_keys_must_be_searchable_names(session: Session, key: str) -> None:
    with pytest.raises(InvalidMetadata, match="invalid metadata key"):
        metadata.set_metadata(session, S, "ds", key, "x")


@pytest.mark.parametrize("value", [[1], {"a": 1}, float("nan"), float("inf"), "x" * 4097])
def test_values_must_be_json_scalars(session: Session, value: object) -> None:
    with pytest.raises(InvalidMetadata, match="the value of 'note'"):
        metadata.set_metadata(session, S, "ds", "note", value)


def test_a_refused_key_stores_nothing(session: Session) -> None:
    with pytest.raises(InvalidMetadata):
        metadata.set_metadata_bulk(session, S, "ds", {"good": "yes", "bytes": 1})
    assert "good" not in metadata.get_metadata(session, S, "ds")


def test_overwriting_and_none_removes(session: Session) -> None:
    metadata.set_metadata(session, S, "ds", "note", "first")
    metadata.set_metadata(session, S, "ds", "note", 2)
    assert metadata.get_metadata(session, S, "ds")["note"] == 2
    metadata.set_metadata(session, S, "ds", "note", None)
    assert "note" not in metadata.get_metadata(session, S, "ds")


def test_recursive_sets_the_direct_content_too(session: Session) -> None:
    metadata.set_metadata(session, S, "ds", "campaign", "2026", recursive=True)
    assert metadata.get_metadata(session, S, "f")["campaign"] == "2026"


def test_lifetime_sets_the_expiry_and_none_clears_it(session: Session) -> None:
    metadata.set_metadata(session, S, "ds", "lifetime", "60")
    expires = metadata.get_metadata(session, S, "ds")["expired_at"]
    assert timedelta(seconds=50) < expires - utcnow() <= timedelta(seconds=60)
    metadata.set_metadata(session, S, "ds", "lifetime", None)
    assert metadata.get_metadata(session, S, "ds")["expired_at"] is None
    with pytest.raises(InvalidMetadata, match="'lifetime' must be a number of seconds"):
        metadata.set_metadata(session, S, "ds", "lifetime", "soon")


def test_delete_metadata(session: Session) -> None:
    metadata.set_metadata(session, S, "ds", "note", "x")
    metadata.delete_metadata(session, S, "ds", "note")
    assert "note" not in metadata.get_metadata(session, S, "ds")
    with pytest.raises(NotFound, match=r"'user.alice:ds' has no metadata key 'note'"):
        metadata.delete_metadata(session, S, "ds", "note")
    with pytest.raises(InvalidMetadata, match="'bytes' belongs to the catalog"):
        metadata.delete_metadata(session, S, "ds", "bytes")


def test_unknown_did_is_data_identifier_not_found(session: Session) -> None:
    for call in (
        lambda: metadata.get_metadata(session, S, "nope"),
        lambda: metadata.set_metadata(session, S, "nope", "k", "v"),
        lambda: metadata.delete_metadata(session, S, "nope", "k"),
    ):
        with pytest.raises(DataIdentifierNotFound, match=r"^Data identifier 'user.alice:nope' not found$"):
            call()
