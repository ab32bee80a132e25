"""Record search: free text, fields, filters, sorts, pages, versions and facets; DOIs resolve to records."""

from datetime import date

import pytest

from openvre.db import Database
from openvre.identity import Account
from openvre.repository import communities, deposits, dois, records
from openvre.repository.config import RepositoryConfig
from openvre.repository.errors import DOINotFound, InvalidQuery, RecordNotFound
from openvre.repository.records import RecordQuery
from tests.unit.repository.conftest import METADATA, draft_with_file, published

PEOPLE = [{"name": "Curie, Marie", "affiliation": "Sorbonne"}]


@pytest.fixture
def corpus(database: Database, config: RepositoryConfig, alice: Account) -> dict[str, int]:
    """Four records of alice's and one draft; ``muons`` has two versions."""
    made = {
        "muons": published(database, config, alice, {**METADATA, "publication_date": "2024-01-10"}),
        "software": published(
            database,
            config,
            alice,
            {
                **METADATA,
                "title": "Spectrum fitter",
                "upload_type": "software",
                "keywords": ["fitting"],
                "description": "Fits spectra of muons",
                "publication_date": "2023-03-01",
                "creators": PEOPLE,
            },
        ),
        "paper": published(
            database,
            config,
            alice,
            {
                **METADATA,
                "title": "On 100% efficient detectors",
                "upload_type": "publication",
                "publication_type": "article",
                "keywords": ["detectors"],
                "description": "A paper",
                "publication_date": "2022-06-01",
                "access_right": "closed",
            },
        ),
    }
    with database.transaction() as session:
        draft = deposits.new_version(session, config, made["muons"].recid)
        deposits.update_metadata(session, config, draft.recid, {**METADATA, "version": "2", "keywords": ["muons"]})
        made["muons-v2"] = deposits.publish(session, config, draft.recid, alice)
    draft_with_file(database, config, metadata={**METADATA, "title": "Unpublished muons"})
    return {name: deposition.recid for name, deposition in made.items()}


def found(database: Database, **query: object) -> list[int]:
    with database.transaction() as session:
        return [record.recid for record in records.search_records(session, RecordQuery(**query)).records]  # type: ignore[arg-type]


def test_free_text_matches_title_keywords_creators_and_description(database: Database, corpus: dict[str, int]) -> None:
    assert found(database, q="muons") == [corpus["muons-v2"], corpus["software"]]  # title+keyword beats description
    assert found(database, q="curie") == [corpus["software"]]
    assert found(database, q='"100% efficient"') == [corpus["paper"]]
    assert found(database, q="muons -fitter") == [corpus["muons-v2"]]
    assert found(database, q="unpublished") == []  # drafts are not records


def test_field_queries(database: Database, corpus: dict[str, int]) -> None:
    assert found(database, q="title:fitter") == [corpus["software"]]
    assert found(database, q=f"conceptrecid:{corpus['muons-v2']}") == []  # a record id, not a work's
    assert found(database, q="type:publication") == [corpus["paper"]]
    assert found(database, q=f"doi:10.5072/openvre.{corpus['paper']}") == [corpus["paper"]]
    with pytest.raises(InvalidQuery, match="cannot search the field 'colour'"):
        found(database, q="colour:red")
    with pytest.raises(InvalidQuery, match="needs a number"):
        found(database, q="recid:abc")
    with pytest.raises(InvalidQuery, match="OR is not supported"):
        found(database, q="muons OR fitter")


def test_versions_are_hidden_unless_asked(database: Database, corpus: dict[str, int], config: RepositoryConfig) -> None:
    with database.transaction() as session:
        concept = records.get_record(session, corpus["muons"]).concept_recid
    assert found(database, q=f"conceptrecid:{concept}") == [corpus["muons-v2"]]
    assert sorted(found(database, q=f"conceptrecid:{concept}", all_versions=True)) == [
        corpus["muons"],
        corpus["muons-v2"],
    ]


def test_filters_sorts_and_pages(database: Database, corpus: dict[str, int]) -> None:
    assert found(database, types=("Software",)) == [corpus["software"]]
    assert found(database, subtypes=("article",)) == [corpus["paper"]]
    assert found(database, keywords=("FITTING",)) == [corpus["software"]]
    assert found(database, file_types=("csv",), sort="title") == [
        corpus["muons-v2"],
        corpus["paper"],
        corpus["software"],
    ]
    assert found(database, sort="-publication_date") == [corpus["muons-v2"], corpus["software"], corpus["paper"]]
    assert found(database, sort="publication_date", size=1, page=2) == [corpus["software"]]
    assert found(database, sort="mostrecent")[0] == corpus["muons-v2"]
    with pytest.raises(InvalidQuery, match="use one of bestmatch, mostrecent"):
        found(database, sort="colour")
    with pytest.raises(InvalidQuery, match="between 1 and 100"):
        found(database, size=1000)


def test_totals_and_facets_count_every_match(database: Database, corpus: dict[str, int]) -> None:
    with database.transaction() as session:
        result = records.search_records(session, RecordQuery(size=1))
    assert (len(result.records), result.total) == (1, 3)
    assert result.aggregations["type"] == {"dataset": 1, "publication": 1, "software": 1}
    assert result.aggregations["access_right"] == {"closed": 1, "open": 2}


def test_community_filter_needs_acceptance(
    database: Database, config: RepositoryConfig, alice: Account, bob: Account
) -> None:
    with database.transaction() as session:
        communities.create_community(session, "bob", "astro", "Astroparticle physics")
    record = published(database, config, alice, {**METADATA, "communities": [{"identifier": "astro"}]})
    assert found(database, communities=("astro",)) == []
    with database.transaction() as session:
        (request,) = communities.list_requests(session, "astro")
        communities.accept_request(session, request.id, bob)
    assert found(database, communities=("ASTRO",)) == [record.recid]
    assert found(database, q="communities:astro") == [record.recid]
    with database.transaction() as session:
        assert records.get_record(session, record.recid).communities == ("astro",)


def test_get_record_by_id_or_concept_and_missing(database: Database, corpus: dict[str, int]) -> None:
    with database.transaction() as session:
        first = records.get_record(session, corpus["muons"])
        assert not first.is_latest and first.latest_recid == corpus["muons-v2"]
        assert records.get_record(session, first.concept_recid).recid == corpus["muons-v2"]
        with pytest.raises(RecordNotFound):
            records.get_record(session, 999_999)
        with pytest.raises(RecordNotFound):
            records.get_record(session, corpus["muons-v2"] + 2)  # the unpublished draft


def test_file_access_follows_the_access_right(database: Database, corpus: dict[str, int]) -> None:
    with database.transaction() as session:
        assert records.get_record(session, corpus["muons"]).files_are_public(date.today())
        assert not records.get_record(session, corpus["paper"]).files_are_public(date.today())


def test_dois_resolve_to_records(database: Database, corpus: dict[str, int]) -> None:
    with database.transaction() as session:
        v1 = records.get_record(session, corpus["muons"])
        assert dois.resolve_doi(session, v1.doi).recid == v1.recid
        assert dois.resolve_doi(session, f"https://doi.org/{v1.doi.upper()}").recid == v1.recid
        assert dois.resolve_doi(session, f"doi:{v1.conceptdoi}").recid == corpus["muons-v2"]
        with pytest.raises(DOINotFound, match="no record here"):
            dois.resolve_doi(session, "10.5072/openvre.999999")
        with pytest.raises(DOINotFound, match="is not a DOI"):
            dois.resolve_doi(session, "not-a-doi")


def test_mint_doi_uses_the_prefix() -> None:
    assert dois.mint_doi("10.1234", 7) == "10.1234/openvre.7"
    assert dois.doi_url("10.1234/openvre.7") == "https://doi.org/10.1234/openvre.7"
