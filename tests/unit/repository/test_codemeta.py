"""codemeta.json → Zenodo deposit metadata, on files shaped like those projects publish, and back for runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openvre.repository.codemeta import codemeta_to_deposit, license_id, run_codemeta
from openvre.repository.metadata import validate_metadata

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "codemeta"


def example(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return document


def test_an_r_package_codemeta_2() -> None:
    """As codemetar writes it: Persons with ORCID URLs in @id, a CRAN provider, a cited article."""
    metadata = codemeta_to_deposit(example("r-package-2.0.json"))
    assert metadata == {
        "upload_type": "software",
        "access_right": "open",
        "title": "muonfit: Dimuon Spectrum Fitting",
        "description": "Tools to fit dimuon invariant-mass spectra, from event selection to peak fitting and plots.",
        "version": "1.3.0",
        "creators": [
            {"name": "Doe, Jane", "orcid": "0000-0002-1825-0097"},
            {"name": "van Carberry, Josiah", "orcid": "0000-0001-5109-3700"},
        ],
        "contributors": [
            {"name": "Doe, Jane", "orcid": "0000-0002-1825-0097", "type": "ContactPerson"},
            {"name": "Comprehensive R Archive Network (CRAN)", "type": "Distributor"},
        ],
        "license": "mit",
        "related_identifiers": [
            {
                "identifier": "https://github.com/example-lab/muonfit",
                "relation": "isDerivedFrom",
                "resource_type": "software",
                "scheme": "url",
            }
        ],
        "references": ["muonfit: fitting dimuon spectra in R"],
    }
    assert validate_metadata(metadata).creators[1].orcid == "0000-0001-5109-3700"  # Zenodo accepts it as is


def test_a_compacted_codemeta_3_with_affiliation_objects_and_a_grant() -> None:
    """As Python tooling writes 3.0: ``id``/``type`` aliases, affiliations as Organizations, a Grant."""
    metadata = codemeta_to_deposit(example("python-3.0-compacted.json"))
    assert metadata["creators"] == [
        {"name": "Doe, Jane", "affiliation": "CERN", "orcid": "0000-0002-1825-0097"},  # listed twice, kept once
        {"name": "Müller, Lena", "affiliation": "DESY; Universität Hamburg"},  # a blank node is not an ORCID
    ]
    assert metadata["license"] == "apache-2.0"
    assert metadata["publication_date"] == "2025-10-17"
    assert metadata["keywords"] == ["High Energy Physics", "Workflows", "Reproducibility", "Python"]
    assert metadata["grants"] == [{"id": "10.13039/501100000780::824064"}]
    assert "notes" not in metadata
    validate_metadata(metadata)


def test_an_ossr_codemeta_with_every_role_and_text_funding() -> None:
    metadata = codemeta_to_deposit(example("escape-ossr-2.0.json"))
    assert metadata["version"] == "v2.1.0"  # softwareVersion wins over version, as in eossr
    assert metadata["publication_date"] == "2024-03-14"
    assert metadata["license"] == "bsd-3-clause"
    assert metadata["keywords"] == ["gamma-ray astronomy", "sky model", "likelihood fitting"]
    assert metadata["creators"] == [
        {"name": "Carberry, Josiah", "affiliation": "LAPP, CNRS", "orcid": "0000-0001-5109-3700"},
        {"name": "Skyfit collaboration"},
    ]
    assert [(c["name"], c["type"]) for c in metadata["contributors"]] == [
        ("Carberry, Josiah", "ContactPerson"),
        ("Ada Lovelace", "Other"),
        ("CNRS", "RightsHolder"),
        ("European Commission", "Sponsor"),
    ]
    assert [(r["relation"], r["resource_type"]) for r in metadata["related_identifiers"]] == [
        ("isDerivedFrom", "software"),
        ("isDocumentedBy", "publication-softwaredocumentation"),
    ]
    assert metadata["notes"] == "Funding: ESCAPE H2020 project, grant 824064"
    assert "grants" not in metadata and "communities" not in metadata  # Zenodo refuses unknown ones
    validate_metadata(metadata)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("MIT", "mit"),
        ("https://spdx.org/licenses/GPL-3.0-or-later.html", "gpl-3.0-or-later"),
        ("http://spdx.org/licenses/Apache-2.0", "apache-2.0"),
        ("https://creativecommons.org/licenses/by-sa/4.0/", "cc-by-sa-4.0"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", "cc0-1.0"),
        ({"@id": "https://spdx.org/licenses/EUPL-1.2"}, "eupl-1.2"),
        (["https://www.example.org/our-license", "https://spdx.org/licenses/MIT"], "mit"),
        ("LiLiQ-R-1.1", "liliq-r-1.1"),  # a real SPDX id openvre does not list: zenodo.org may know it
        ("https://www.example.org/our-license", None),
        (None, None),
    ],
)
def test_license_ids_from_spdx_ids_urls_and_creative_works(given: Any, expected: str | None) -> None:
    assert license_id(given) == expected


def test_an_almost_empty_codemeta_gives_only_what_it_has() -> None:
    assert codemeta_to_deposit({"@context": "https://w3id.org/codemeta/3.0", "name": " tool "}) == {
        "upload_type": "software",
        "access_right": "open",
        "title": "tool",
    }


def test_run_codemeta_says_what_the_record_says_and_keeps_the_projects_properties() -> None:
    metadata = {
        "title": "dimuon run 1",
        "description": "<p>A <b>histogram</b> of dimuon masses.</p>",
        "creators": [{"name": "Doe, Jane", "affiliation": "CERN", "orcid": "0000-0002-1825-0097"}, {"name": "CMS"}],
        "keywords": ["openvre"],
        "license": "cc-by-4.0",
    }
    spec = {"workflow": {"type": "serial"}}
    base = example("python-3.0-compacted.json")
    document = run_codemeta(
        "dimuon.1",
        spec,
        metadata=metadata,
        doi="10.5072/openvre.7",
        base=base,
        date_created="2026-01-02",
        software=["openvre 0.1.0"],
    )
    assert document["@context"] == "https://w3id.org/codemeta/3.0"
    assert document["name"] == "dimuon run 1" and document["description"] == "A histogram of dimuon masses."
    assert document["identifier"] == "https://doi.org/10.5072/openvre.7"
    assert document["author"] == [
        {
            "@type": "Person",
            "@id": "https://orcid.org/0000-0002-1825-0097",
            "givenName": "Jane",
            "familyName": "Doe",
            "affiliation": {"@type": "Organization", "name": "CERN"},
        },
        {"@type": "Person", "name": "CMS"},
    ]
    assert document["license"] == "https://spdx.org/licenses/CC-BY-4.0"
    assert document["codeRepository"] == base["codeRepository"]  # the project's own properties stay
    assert document["runtimePlatform"] == "REANA serial workflow"
    assert document["softwareRequirements"] == ["openvre 0.1.0"] and document["dateCreated"] == "2026-01-02"
    # And it reads back as the same deposit metadata.
    again = codemeta_to_deposit(document)
    assert again["creators"][0] == metadata["creators"][0] and again["license"] == "cc-by-4.0"
