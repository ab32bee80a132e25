"""Exports of a record: exact DataCite JSON, BibTeX, CSL-JSON and Schema.org JSON-LD structures."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, get_args

import pytest

from openvre.repository import exports
from openvre.repository.files import StoredFile
from openvre.repository.metadata import ImageType, PublicationType, UploadType
from openvre.repository.records import Record

LANDING = "https://vre.example.org/zenodo/records/12"
MOMENT = datetime(2024, 6, 2, 9, 30, tzinfo=UTC)
MD5 = "0123456789abcdef0123456789abcdef"
METADATA: dict[str, Any] = {
    "title": "Muon spectra",
    "upload_type": "dataset",
    "description": "<p>Calibrated <b>muon</b> spectra.</p>",
    "creators": [
        {"name": "Doe, Jane", "affiliation": "CERN", "orcid": "0000-0002-1825-0097"},
        {"name": "ATLAS Collaboration"},
    ],
    "keywords": ["muons", "spectra"],
    "license": "cc-by-4.0",
    "access_right": "open",
    "publication_date": "2024-05-31",
    "version": "2.0",
    "related_identifiers": [
        {"identifier": "10.1234/paper", "relation": "isSupplementTo", "scheme": "doi", "resource_type": "publication"}
    ],
}


def make_record(metadata: dict[str, Any] | None = None, **changes: Any) -> Record:
    stored = StoredFile("f1", "b1", "spectra 1.csv", 21, MD5, "text/csv", "b1/f1", MOMENT, MOMENT)
    record = Record(
        recid=12,
        concept_recid=11,
        owner="alice",
        metadata=METADATA if metadata is None else metadata,
        doi="10.5072/openvre.12",
        conceptdoi="10.5072/openvre.11",
        version_index=2,
        is_latest=True,
        latest_recid=12,
        bucket_id="b1",
        files=(stored,),
        communities=("physics",),
        revision=1,
        created_at=MOMENT,
        updated_at=MOMENT,
        published_at=MOMENT,
    )
    return replace(record, **changes)


def test_datacite_has_the_kernel_4_attributes() -> None:
    assert exports.to_datacite(make_record(), LANDING) == {
        "doi": "10.5072/openvre.12",
        "url": LANDING,
        "identifiers": [{"identifier": "https://doi.org/10.5072/openvre.12", "identifierType": "DOI"}],
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Dataset"},
        "creators": [
            {
                "name": "Doe, Jane",
                "nameType": "Personal",
                "givenName": "Jane",
                "familyName": "Doe",
                "affiliation": [{"name": "CERN"}],
                "nameIdentifiers": [
                    {
                        "nameIdentifier": "https://orcid.org/0000-0002-1825-0097",
                        "nameIdentifierScheme": "ORCID",
                        "schemeUri": "https://orcid.org/",
                    }
                ],
            },
            {"name": "ATLAS Collaboration"},
        ],
        "titles": [{"title": "Muon spectra"}],
        "publisher": "openvre",
        "publicationYear": "2024",
        "subjects": [{"subject": "muons"}, {"subject": "spectra"}],
        "dates": [{"date": "2024-05-31", "dateType": "Issued"}],
        "relatedIdentifiers": [
            {
                "relatedIdentifier": "10.1234/paper",
                "relatedIdentifierType": "DOI",
                "relationType": "IsSupplementTo",
                "resourceTypeGeneral": "Text",
            },
            {"relatedIdentifier": "10.5072/openvre.11", "relatedIdentifierType": "DOI", "relationType": "IsVersionOf"},
        ],
        "version": "2.0",
        "rightsList": [
            {
                "rights": "Creative Commons Attribution 4.0 International",
                "rightsUri": "https://spdx.org/licenses/CC-BY-4.0.html",
                "rightsIdentifier": "CC-BY-4.0",
                "rightsIdentifierScheme": "SPDX",
                "schemeUri": "https://spdx.org/licenses/",
            },
            {"rights": "Open Access", "rightsUri": "info:eu-repo/semantics/openAccess"},
        ],
        "descriptions": [{"description": "Calibrated muon spectra.", "descriptionType": "Abstract"}],
        "schemaVersion": "http://datacite.org/schema/kernel-4",
    }


def test_datacite_embargo_subjects_contributors_and_odd_identifiers() -> None:
    metadata = {
        **METADATA,
        "upload_type": "publication",
        "publication_type": "article",
        "access_right": "embargoed",
        "embargo_date": "2030-01-01",
        "subjects": [{"term": "Astronomy", "identifier": "http://id.loc.gov/sh85009003", "scheme": "url"}],
        "contributors": [{"name": "Roe, Rick", "type": "DataCurator"}],
        "related_identifiers": [
            {"identifier": "swh:1:dir:" + "a" * 40, "relation": "isSupplementedBy", "scheme": "swh"},
            {"identifier": "https://orcid.org/0000-0002-1825-0097", "relation": "isReferencedBy", "scheme": "orcid"},
        ],
        "notes": "Second run",
    }
    datacite = exports.to_datacite(make_record(metadata, conceptdoi=None), LANDING)
    assert datacite["types"] == {"resourceTypeGeneral": "JournalArticle", "resourceType": "Journal article"}
    assert datacite["dates"][1] == {"date": "2030-01-01", "dateType": "Available"}
    assert datacite["rightsList"][1] == {
        "rights": "Embargoed Access",
        "rightsUri": "info:eu-repo/semantics/embargoedAccess",
    }
    assert datacite["subjects"][-1] == {
        "subject": "Astronomy",
        "valueUri": "http://id.loc.gov/sh85009003",
        "subjectScheme": "url",
    }
    assert datacite["contributors"] == [
        {
            "name": "Roe, Rick",
            "nameType": "Personal",
            "givenName": "Rick",
            "familyName": "Roe",
            "contributorType": "DataCurator",
        }
    ]
    assert datacite["relatedIdentifiers"] == [
        {
            "relatedIdentifier": "https://archive.softwareheritage.org/swh:1:dir:" + "a" * 40,
            "relatedIdentifierType": "URL",
            "relationType": "IsSupplementedBy",
        },
        {
            "relatedIdentifier": "https://orcid.org/0000-0002-1825-0097",
            "relatedIdentifierType": "URL",
            "relationType": "IsReferencedBy",
        },
    ]
    assert datacite["descriptions"][1] == {"description": "Second run", "descriptionType": "Other"}


def test_bibtex_dataset_entry() -> None:
    assert exports.to_bibtex(make_record()) == (
        "@dataset{doe_2024_12,\n"
        "  author    = {Doe, Jane and {ATLAS Collaboration}},\n"
        "  title     = {Muon spectra},\n"
        "  month     = may,\n"
        "  year      = 2024,\n"
        "  publisher = {openvre},\n"
        "  version   = {2.0},\n"
        "  doi       = {10.5072/openvre.12},\n"
        "  url       = {https://doi.org/10.5072/openvre.12},\n"
        "  keywords  = {muons, spectra}\n"
        "}\n"
    )


def test_bibtex_escapes_tex_specials_but_not_the_doi() -> None:
    title = "100% of A_1 & B #2 costs $5 {~x^2} \\o"
    entry = exports.to_bibtex(make_record({**METADATA, "title": title}, doi="10.5072/a_b"))
    assert r"title     = {100\% of A\_1 \& B \#2 costs \$5 \{\~{}x\^{}2\} \textbackslash{}o}," in entry
    assert "doi       = {10.5072/a_b}," in entry


@pytest.mark.parametrize(
    ("extra", "entry_type", "fields"),
    [
        ({"upload_type": "software"}, "@software{", []),
        ({"upload_type": "image", "image_type": "plot"}, "@misc{", []),
        (
            {"upload_type": "publication", "publication_type": "article", "journal_title": "Phys. Rev. D",
             "journal_volume": "110", "journal_issue": "3", "journal_pages": "1-20"},
            "@article{",
            ["journal   = {Phys. Rev. D}", "volume    = {110}", "number    = {3}", "pages     = {1-20}"],
        ),
        (
            {"upload_type": "publication", "publication_type": "thesis", "thesis_university": "Uni Genève"},
            "@phdthesis{",
            ["school    = {Uni Genève}"],
        ),
        (
            {"upload_type": "publication", "publication_type": "conferencepaper", "conference_title": "ICHEP"},
            "@inproceedings{",
            ["booktitle = {ICHEP}"],
        ),
    ],
)  # fmt: skip
def test_bibtex_entry_type_follows_the_upload_type(extra: dict[str, Any], entry_type: str, fields: list[str]) -> None:
    entry = exports.to_bibtex(make_record({**METADATA, **extra}))
    assert entry.startswith(entry_type)
    for field in fields:
        assert f"  {field},\n" in entry


def test_bibtex_key_is_plain_ascii() -> None:
    entry = exports.to_bibtex(make_record({**METADATA, "creators": [{"name": "Müller-Ł, Jörg"}]}))
    assert entry.startswith("@dataset{muller_2024_12,\n")  # Ł has no ASCII decomposition: dropped


def test_csl_json_item() -> None:
    article = {**METADATA, "upload_type": "publication", "publication_type": "article", "journal_title": "JINST"}
    assert exports.to_csl(make_record(article)) == {
        "id": "12",
        "type": "article-journal",
        "title": "Muon spectra",
        "author": [{"family": "Doe", "given": "Jane"}, {"literal": "ATLAS Collaboration"}],
        "issued": {"date-parts": [[2024, 5, 31]]},
        "DOI": "10.5072/openvre.12",
        "URL": "https://doi.org/10.5072/openvre.12",
        "publisher": "openvre",
        "version": "2.0",
        "abstract": "Calibrated muon spectra.",
        "keyword": "muons, spectra",
        "container-title": "JINST",
    }


def test_json_ld_dataset_with_its_files() -> None:
    assert exports.to_json_ld(make_record(), LANDING) == {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": "https://doi.org/10.5072/openvre.12",
        "identifier": "https://doi.org/10.5072/openvre.12",
        "url": LANDING,
        "name": "Muon spectra",
        "description": "Calibrated muon spectra.",
        "creator": [
            {
                "@type": "Person",
                "name": "Doe, Jane",
                "@id": "https://orcid.org/0000-0002-1825-0097",
                "givenName": "Jane",
                "familyName": "Doe",
                "affiliation": {"@type": "Organization", "name": "CERN"},
            },
            {"@type": "Person", "name": "ATLAS Collaboration"},
        ],
        "datePublished": "2024-05-31",
        "publisher": {"@type": "Organization", "name": "openvre"},
        "license": "https://spdx.org/licenses/CC-BY-4.0.html",
        "keywords": ["muons", "spectra"],
        "version": "2.0",
        "distribution": [
            {
                "@type": "DataDownload",
                "name": "spectra 1.csv",
                "contentUrl": f"{LANDING}/files/spectra%201.csv",
                "encodingFormat": "text/csv",
                "contentSize": "21 bytes",
                "identifier": {"@type": "PropertyValue", "propertyID": "md5", "value": MD5},
            }
        ],
    }


def test_json_ld_types_and_hidden_files() -> None:
    software = exports.to_json_ld(make_record({**METADATA, "upload_type": "software"}), LANDING)
    assert software["@type"] == "SoftwareSourceCode"
    assert "distribution" not in software and software["associatedMedia"][0]["name"] == "spectra 1.csv"
    article = {**METADATA, "upload_type": "publication", "publication_type": "article", "access_right": "closed"}
    closed = exports.to_json_ld(make_record(article), LANDING, show_files=False)
    assert closed["@type"] == "ScholarlyArticle"
    assert "associatedMedia" not in closed and "distribution" not in closed


def test_every_upload_type_and_subtype_has_a_kind() -> None:
    names = [*get_args(UploadType)]
    names += [f"publication-{subtype}" for subtype in get_args(PublicationType)]
    names += [f"image-{subtype}" for subtype in get_args(ImageType)]
    assert sorted(names) == sorted(exports.KINDS)


def test_formats_have_media_types_and_render() -> None:
    assert {name: export.media_type for name, export in exports.FORMATS.items()} == {
        "bibtex": "application/x-bibtex",
        "datacite-json": "application/vnd.datacite.datacite+json",
        "csl-json": "application/vnd.citationstyles.csl+json",
        "json-ld": "application/ld+json",
    }
    record = make_record()
    assert exports.FORMATS["bibtex"].render(record, LANDING, True) == exports.to_bibtex(record)
    assert json.loads(exports.FORMATS["json-ld"].render(record, LANDING, False)) == exports.to_json_ld(
        record, LANDING, show_files=False
    )
    assert json.loads(exports.FORMATS["datacite-json"].render(record, LANDING, True))["url"] == LANDING
    assert json.loads(exports.FORMATS["csl-json"].render(record, LANDING, True))["id"] == "12"
