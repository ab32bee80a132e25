"""The deposit form's translation between Zenodo metadata and form fields, and errors placed at inputs."""

from __future__ import annotations

from openvre.portal.deposit_form import DepositForm, FieldError, errors_by_input, field_errors, input_name
from openvre.repository.errors import Problem

METADATA = {
    "title": "Muon spectra",
    "upload_type": "dataset",
    "description": "Calibrated",
    "creators": [
        {"name": "Doe, Jane", "orcid": "0000-0002-1825-0097"},
        {"name": "Curie, Marie", "affiliation": "ESPCI"},
    ],
    "keywords": ["muons", "spectra"],
    "communities": [{"identifier": "physics"}, {"identifier": "muons"}],
    "related_identifiers": [{"identifier": "10.1234/x", "relation": "cites", "scheme": "doi"}],
}


def test_metadata_round_trips_through_the_form_and_keeps_what_the_form_does_not_show() -> None:
    form = DepositForm.from_metadata(METADATA)
    assert form.values["keywords"] == "muons\nspectra" and form.values["communities"] == "physics muons"
    assert form.values["access_right"] == "open"
    assert form.creators[1] == {"name": "Curie, Marie", "affiliation": "ESPCI", "orcid": ""}
    assert form.rows()[-1] == {"name": "", "affiliation": "", "orcid": ""}
    assert form.metadata(METADATA) == {**METADATA, "access_right": "open"}


def test_a_submission_drops_empty_rows_and_values_for_other_choices() -> None:
    submitted = {
        "title": " Muon spectra ",
        "upload_type": "dataset",
        "publication_type": "article",  # left selected from before the type changed
        "access_right": "open",
        "embargo_date": "2030-01-01",
        "creators-0-name": "",
        "creators-0-affiliation": "",
        "creators-0-orcid": "",
        "creators-3-name": "Doe, Jane",
        "creators-3-orcid": "0000-0002-1825-0097",
        "keywords": "muons\n\n  spectra \n",
        "communities": "physics, muons physics",
        "csrf_token": "ignored",
    }
    form = DepositForm.from_submission(submitted)
    assert form.creators == [{"name": "Doe, Jane", "affiliation": "", "orcid": "0000-0002-1825-0097"}]
    assert form.metadata({"title": "Old", "version": "1", "notes": "kept"}) == {
        "notes": "kept",
        "title": "Muon spectra",
        "upload_type": "dataset",
        "access_right": "open",
        "creators": [{"name": "Doe, Jane", "orcid": "0000-0002-1825-0097"}],
        "keywords": ["muons", "spectra"],
        "communities": [{"identifier": "physics"}, {"identifier": "muons"}],
    }


def test_core_fields_map_to_form_inputs() -> None:
    assert input_name("metadata.title") == "title"
    assert input_name("metadata.creators.2.orcid") == "creators-2-orcid"
    assert input_name("metadata.creators") == "creators"
    assert input_name("metadata.keywords.1") == "keywords"
    assert input_name("metadata.communities") == "communities"
    assert input_name("files") == "files"
    assert input_name("metadata.related_identifiers.0.identifier") is None


def test_every_problem_is_kept_with_a_label() -> None:
    errors = field_errors(
        [
            Problem("metadata.title", "required"),
            Problem("metadata.creators.0.orcid", "wrong check digit"),
            Problem("metadata.creators.0.orcid", "second problem"),
            Problem("metadata.related_identifiers.0.identifier", "cannot tell its scheme"),
        ]
    )
    assert errors == [
        FieldError("title", "Title", "required"),
        FieldError("creators-0-orcid", "Creator 1: ORCID iD", "wrong check digit"),
        FieldError("creators-0-orcid", "Creator 1: ORCID iD", "second problem"),
        FieldError(None, "related_identifiers.0.identifier", "cannot tell its scheme"),
    ]
    assert errors_by_input(errors) == {
        "title": ["required"],
        "creators-0-orcid": ["wrong check digit", "second problem"],
    }
