"""Citation text in APA, Chicago and IEEE style, exactly as a landing page shows it."""

from __future__ import annotations

import pytest

from openvre.repository.citations import STYLES, cite
from tests.unit.repository.test_exports import METADATA, make_record

TWO = [{"name": "Doe, Jane"}, {"name": "Curie, Marie Salomea"}]


def test_apa_is_the_default() -> None:
    record = make_record({**METADATA, "creators": TWO})
    assert cite(record) == (
        "Doe, J., & Curie, M. S. (2024). Muon spectra (Version 2.0) [Data set]. openvre. "
        "https://doi.org/10.5072/openvre.12"
    )
    assert cite(record, "apa") == cite(record)


def test_chicago() -> None:
    assert cite(make_record({**METADATA, "creators": TWO}), "chicago") == (
        "Doe, Jane, and Marie Salomea Curie. 2024. “Muon spectra.” Dataset. Version 2.0. openvre. "
        "https://doi.org/10.5072/openvre.12."
    )


def test_ieee() -> None:
    assert cite(make_record({**METADATA, "creators": TWO}), "ieee") == (
        "J. Doe and M. S. Curie, “Muon spectra,” version 2.0, openvre, May 2024, doi: 10.5072/openvre.12."
    )


def test_single_author_team_and_article_without_version() -> None:
    article = {
        **METADATA,
        "creators": [{"name": "ATLAS Collaboration"}],
        "upload_type": "publication",
        "publication_type": "article",
        "title": "Why muons?",
    }
    del article["version"]
    record = make_record(article)
    assert cite(record) == "ATLAS Collaboration. (2024). Why muons? openvre. https://doi.org/10.5072/openvre.12"
    assert cite(record, "chicago") == (
        "ATLAS Collaboration. 2024. “Why muons?” openvre. https://doi.org/10.5072/openvre.12."
    )


def test_long_author_lists() -> None:
    people = [{"name": f"Author{n}, Jean-Luc"} for n in range(1, 23)]
    record = make_record({**METADATA, "creators": people})
    apa = cite(record)
    assert apa.startswith("Author1, J.-L., Author2, J.-L., ") and ", . . . Author22, J.-L. (2024)." in apa
    assert "Author20" not in apa
    assert cite(record, "ieee").startswith("J.-L. Author1 et al., “Muon spectra,”")


def test_unknown_style_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="apa, chicago, ieee"):
        cite(make_record(), "mla")
    assert list(STYLES) == ["apa", "chicago", "ieee"]
