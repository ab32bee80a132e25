"""Deposit metadata: Zenodo's fields and vocabularies, normalisation, and every problem reported at once."""

from typing import Any

import pytest

from openvre.repository import licenses
from openvre.repository.errors import InvalidMetadata
from openvre.repository.metadata import detect_scheme, normalise_orcid, validate_metadata
from tests.unit.repository.conftest import METADATA


def problems(raw: Any, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(InvalidMetadata) as caught:
        validate_metadata(raw, **kwargs)
    return {problem.field: problem.message for problem in caught.value.problems}


def test_valid_metadata_is_normalised_for_storage() -> None:
    raw = {
        **METADATA,
        "creators": [{"name": "Doe, Jane", "orcid": "https://orcid.org/0000-0002-1825-0097"}],
        "license": {"id": "CC-BY-4.0"},
        "communities": [{"id": "escape2020"}],
        "related_identifiers": [{"identifier": "10.5281/zenodo.1", "relation": "isSupplementTo"}],
        "publication_date": "2024-05-31",
    }
    stored = validate_metadata(raw).stored()
    assert stored["creators"] == [{"name": "Doe, Jane", "orcid": "0000-0002-1825-0097"}]
    assert stored["license"] == "cc-by-4.0"
    assert stored["communities"] == [{"identifier": "escape2020"}]
    assert stored["related_identifiers"][0]["scheme"] == "doi"
    assert stored["access_right"] == "open"
    assert "grants" not in stored  # empty lists are not stored


def test_what_the_server_serves_can_be_put_back() -> None:
    served = {
        **METADATA,
        "doi": "10.5072/openvre.2",
        "prereserve_doi": {"doi": "10.5072/openvre.2", "recid": 2},
        "relations": {"version": [{"index": 0, "is_last": True}]},
        "resource_type": {"type": "dataset", "title": "Dataset"},
        "access_right_category": "success",
        "license": {"id": "cc-by-4.0"},
    }
    assert validate_metadata(served, reserved_doi="10.5072/openvre.2").title == METADATA["title"]


def test_every_problem_is_reported_at_once() -> None:
    found = problems(
        {
            "titel": "typo",
            "upload_type": "publication",
            "creators": [{"affiliation": "CERN", "orcid": "0000-0002-1825-0098"}],
            "access_right": "embargoed",
            "license": "no-such-license",
            "publication_date": "31/05/2024",
            "keywords": ["", "ok"],
            "contributors": [{"name": "Roe, Rick", "type": "Boss"}],
            "related_identifiers": [{"identifier": "???", "relation": "isSupplementTo", "resource_type": "movie"}],
        }
    )
    assert set(found) == {
        "metadata.titel",
        "metadata.title",
        "metadata.description",
        "metadata.publication_type",
        "metadata.publication_date",
        "metadata.creators.0.name",
        "metadata.creators.0.orcid",
        "metadata.license",
        "metadata.embargo_date",
        "metadata.keywords.0",
        "metadata.contributors.0.type",
        "metadata.related_identifiers.0.identifier",
        "metadata.related_identifiers.0.resource_type",
    }
    assert "did you mean 'title'" in found["metadata.titel"]
    assert "YYYY-MM-DD" in found["metadata.publication_date"]
    assert "check digit" in found["metadata.creators.0.orcid"]
    assert "ContactPerson" in found["metadata.contributors.0.type"]


def test_the_error_message_names_the_first_problem_and_counts_the_rest() -> None:
    with pytest.raises(InvalidMetadata) as caught:
        validate_metadata({})
    assert str(caught.value).startswith("metadata.title: required: give the record's title (and 3 more)")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"upload_type": "image"}, "metadata.image_type"),
        ({"image_type": "plot"}, "metadata.image_type"),
        ({"access_right": "restricted"}, "metadata.access_conditions"),
        ({"doi": "10.1234/elsewhere"}, "metadata.doi"),
        ({"creators": []}, "metadata.creators"),
        ({"upload_type": "movie"}, "metadata.upload_type"),
        ({"title": "   "}, "metadata.title"),
    ],
)
def test_rules_between_fields(changes: dict[str, Any], field: str) -> None:
    assert field in problems({**METADATA, **changes}, reserved_doi="10.5072/openvre.2")


def test_metadata_must_be_an_object() -> None:
    assert set(problems(["title"])) == {"metadata"}


@pytest.mark.parametrize(
    "given",
    ["0000-0002-1825-0097", "https://orcid.org/0000-0002-1825-0097", "http://orcid.org/0000-0002-1825-0097/"],
)
def test_orcid_urls_become_bare_ids(given: str) -> None:
    assert normalise_orcid(given) == "0000-0002-1825-0097"


def test_orcid_with_x_check_digit() -> None:
    assert normalise_orcid("0000-0002-9079-593x") == "0000-0002-9079-593X"


@pytest.mark.parametrize("bad", ["0000-0002-1825-009", "orcid:0000-0002-1825-0097", "0000-0002-1825-0098"])
def test_malformed_orcids_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"ORCID|check digit"):
        normalise_orcid(bad)


@pytest.mark.parametrize(
    ("identifier", "scheme"),
    [
        ("10.5281/zenodo.123", "doi"),
        ("https://doi.org/10.5281/zenodo.123", "doi"),
        ("arXiv:2101.00001", "arxiv"),
        ("https://github.com/org/repo", "url"),
        ("swh:1:dir:" + "a" * 40, "swh"),
        ("just words", None),
    ],
)
def test_identifier_schemes_are_detected(identifier: str, scheme: str | None) -> None:
    assert detect_scheme(identifier) == scheme


def test_licenses_match_ids_in_any_case_and_legacy_aliases() -> None:
    assert licenses.get_license("MIT").id == "mit"
    assert licenses.get_license("cc-by").id == "cc-by-4.0"
    found = [license.id for license in licenses.search_licenses("attribution 4.0 share")]
    assert found == ["cc-by-nc-sa-4.0", "cc-by-sa-4.0"]
    assert licenses.find_license("wtfpl") is None
