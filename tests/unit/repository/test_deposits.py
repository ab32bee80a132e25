"""Depositions: drafts, publication with DOIs, idempotent publish, edits, versions, deletion."""

from typing import Any

import pytest

from openvre.db import Database
from openvre.identity import Account
from openvre.repository import deposits, files, records
from openvre.repository.config import RepositoryConfig
from openvre.repository.errors import (
    DepositionLocked,
    DepositionNotFound,
    InvalidMetadata,
    InvalidQuery,
    WrongState,
)
from tests.unit.repository.conftest import METADATA, blobs, draft_with_file, published


def test_a_draft_reserves_its_doi(database: Database, config: RepositoryConfig) -> None:
    with database.transaction() as session:
        draft = deposits.create_deposition(session, config, "alice")
    assert draft.state == "draft" and draft.zenodo_state == "unsubmitted"
    assert draft.metadata == {}
    assert draft.concept_recid != draft.recid
    assert draft.reserved_doi == f"10.5072/openvre.{draft.recid}"
    assert (draft.doi, draft.conceptdoi, draft.latest_recid) == (None, None, None)
    assert draft.latest_draft_recid == draft.recid


def test_publish_mints_dois_locks_files_and_fills_defaults(
    database: Database, config: RepositoryConfig, alice: Account
) -> None:
    draft = draft_with_file(database, config)
    with database.transaction() as session:
        record = deposits.publish(session, config, draft.recid, alice)
    assert record.state == "published" and record.zenodo_state == "done"
    assert record.doi == f"10.5072/openvre.{record.recid}"
    assert record.conceptdoi == f"10.5072/openvre.{record.concept_recid}"
    assert record.version_index == 1 and record.latest_recid == record.recid
    assert record.metadata["license"] == "cc-by-4.0"
    assert record.metadata["publication_date"] == record.published_at.date().isoformat()  # type: ignore[union-attr]
    with database.transaction() as session:
        assert files.get_bucket(session, record.bucket_id).locked


def test_publishing_twice_is_idempotent(database: Database, config: RepositoryConfig, alice: Account) -> None:
    draft = draft_with_file(database, config)
    with database.transaction() as session:
        first = deposits.publish(session, config, draft.recid, alice)
    with database.transaction() as session:
        second = deposits.publish(session, config, draft.recid, alice)
    assert second == first
    with database.transaction() as session:
        assert len(records.list_versions(session, first.recid)) == 1


def test_publish_reports_every_gap_at_once(database: Database, config: RepositoryConfig, alice: Account) -> None:
    with database.transaction() as session:
        draft = deposits.create_deposition(session, config, "alice")
    with pytest.raises(InvalidMetadata) as caught, database.transaction() as session:
        deposits.publish(session, config, draft.recid, alice)
    fields = {problem.field for problem in caught.value.problems}
    assert fields == {"metadata.title", "metadata.upload_type", "metadata.description", "metadata.creators", "files"}
    with database.transaction() as session:
        assert deposits.get_deposition(session, config, draft.recid).state == "draft"


def test_embargo_in_the_past_cannot_be_published(database: Database, config: RepositoryConfig, alice: Account) -> None:
    draft = draft_with_file(
        database, config, metadata={**METADATA, "access_right": "embargoed", "embargo_date": "2001-01-01"}
    )
    with pytest.raises(InvalidMetadata, match="2001-01-01 has passed"), database.transaction() as session:
        deposits.publish(session, config, draft.recid, alice)


def test_metadata_of_a_draft_is_replaced_and_validated(database: Database, config: RepositoryConfig) -> None:
    with database.transaction() as session:
        draft = deposits.create_deposition(session, config, "alice")
        updated = deposits.update_metadata(session, config, draft.recid, {**METADATA, "version": "v1"})
        assert updated.metadata["version"] == "v1"
        assert updated.metadata["creators"][0]["orcid"] == "0000-0002-1825-0097"
        with pytest.raises(InvalidMetadata) as caught:
            deposits.update_metadata(session, config, draft.recid, {"title": "", "communities": [{"identifier": "x"}]})
        assert "metadata.communities" in {problem.field for problem in caught.value.problems}


def test_edit_changes_metadata_never_files_and_keeps_the_doi(
    database: Database, config: RepositoryConfig, alice: Account
) -> None:
    record = published(database, config, alice)
    with database.transaction() as session:
        with pytest.raises(DepositionLocked, match="actions/edit"):
            deposits.update_metadata(session, config, record.recid, {**METADATA, "title": "New"})
        editing = deposits.edit(session, config, record.recid)
        assert editing.zenodo_state == "inprogress"
        assert deposits.edit(session, config, record.recid) == editing  # opening twice is harmless
        deposits.update_metadata(session, config, record.recid, {**METADATA, "title": "Better title"})
        assert records.get_record(session, record.recid).title == METADATA["title"]  # not yet published
    with pytest.raises(DepositionLocked):
        files.upload_file(database, config, record.bucket_id, "extra.txt", [b"x"])
    with database.transaction() as session:
        republished = deposits.publish(session, config, record.recid, alice)
        assert (republished.doi, republished.metadata["title"]) == (record.doi, "Better title")
        assert records.get_record(session, record.recid).revision == 2


def test_discard_drops_an_edit(database: Database, config: RepositoryConfig, alice: Account) -> None:
    record = published(database, config, alice)
    with database.transaction() as session:
        with pytest.raises(WrongState, match="no edit in progress"):
            deposits.discard(session, config, record.recid)
        deposits.edit(session, config, record.recid)
        deposits.update_metadata(session, config, record.recid, {**METADATA, "title": "Abandoned"})
        back = deposits.discard(session, config, record.recid)
        assert (back.zenodo_state, back.metadata["title"]) == ("done", METADATA["title"])


def test_new_version_shares_bytes_and_gets_its_own_doi(
    database: Database, config: RepositoryConfig, alice: Account
) -> None:
    first = published(database, config, alice, {**METADATA, "version": "1.0", "publication_date": "2020-01-01"})
    with database.transaction() as session:
        draft = deposits.new_version(session, config, first.recid)
        assert deposits.new_version(session, config, first.recid) == draft  # one open draft per work
    assert draft.concept_recid == first.concept_recid and draft.previous_recid == first.recid
    assert [f.key for f in draft.files] == ["spectra.csv"]
    assert draft.files[0].storage_path == first.files[0].storage_path
    assert "publication_date" not in draft.metadata and draft.metadata["version"] == "1.0"
    with database.transaction() as session:
        files.delete_file(session, config, draft.bucket_id, key="spectra.csv")
    assert blobs(config) == [first.files[0].storage_path]  # still the first version's
    files.upload_file(database, config, draft.bucket_id, "spectra-v2.csv", [b"new"])
    with database.transaction() as session:
        deposits.update_metadata(session, config, draft.recid, {**METADATA, "version": "2.0"})
        second = deposits.publish(session, config, draft.recid, alice)
        old = deposits.get_deposition(session, config, first.recid)
    assert second.doi != first.doi and second.conceptdoi == first.conceptdoi
    assert (second.version_index, second.latest_recid, old.latest_recid) == (2, second.recid, second.recid)
    with database.transaction() as session:
        assert records.get_record(session, first.concept_recid).recid == second.recid
        assert [r.recid for r in records.list_versions(session, first.recid)] == [second.recid, first.recid]


def test_new_version_of_a_draft_is_refused(database: Database, config: RepositoryConfig) -> None:
    with database.transaction() as session:
        draft = deposits.create_deposition(session, config, "alice")
        with pytest.raises(WrongState, match="publish it before"):
            deposits.new_version(session, config, draft.recid)


def test_deleting_a_draft_removes_its_files_and_work(
    database: Database, config: RepositoryConfig, alice: Account
) -> None:
    draft = draft_with_file(database, config)
    with database.transaction() as session:
        deposits.delete_deposition(session, config, draft.recid)
    assert blobs(config) == []
    with database.transaction() as session, pytest.raises(DepositionNotFound):
        deposits.get_deposition(session, config, draft.recid)
    record = published(database, config, alice)
    with pytest.raises(DepositionLocked, match="cannot be deleted"), database.transaction() as session:
        deposits.delete_deposition(session, config, record.recid)


def test_deleting_a_new_version_draft_keeps_the_published_bytes(
    database: Database, config: RepositoryConfig, alice: Account
) -> None:
    record = published(database, config, alice)
    with database.transaction() as session:
        draft = deposits.new_version(session, config, record.recid)
        deposits.delete_deposition(session, config, draft.recid)
    assert blobs(config) == [record.files[0].storage_path]
    with database.transaction() as session:
        assert deposits.get_deposition(session, config, record.recid).latest_draft_recid is None


def list_titles(database: Database, config: RepositoryConfig, owner: str, **options: Any) -> list[str]:
    with database.transaction() as session:
        return [d.metadata.get("title", "") for d in deposits.list_depositions(session, config, owner, **options)]


def test_list_own_depositions(database: Database, config: RepositoryConfig, alice: Account) -> None:
    published(database, config, alice, {**METADATA, "title": "Published one"})
    draft_with_file(database, config, metadata={**METADATA, "title": "Draft one"})
    draft_with_file(database, config, owner="bob", metadata={**METADATA, "title": "Bob's"})
    assert sorted(list_titles(database, config, "alice")) == ["Draft one", "Published one"]
    assert list_titles(database, config, "alice", status="draft") == ["Draft one"]
    assert list_titles(database, config, "alice", query="published") == ["Published one"]
    assert list_titles(database, config, "alice", size=1, page=2, sort="-mostrecent") == ["Draft one"]
    with pytest.raises(InvalidQuery, match="draft or published"):
        list_titles(database, config, "alice", status="done")
