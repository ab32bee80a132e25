"""The deposit form: Zenodo deposit metadata as HTML form fields, and back, with errors at their fields.

The form edits only the fields a person fills in by hand (:data:`FORM_FIELDS`); whatever else a
deposition's metadata holds (related identifiers, grants, contributors a client PUT through the API)
is kept as it is when the form is saved. Validation is the core's
(:func:`openvre.repository.deposits.update_metadata`), so the portal and the API refuse the same
things; this module only turns the core's dotted fields (``metadata.creators.1.orcid``) into the
form's input names (``creators-1-orcid``) so each error shows next to its input.

Creators are numbered rows (``creators-0-name``, ``creators-0-affiliation``, ``creators-0-orcid``...);
empty rows are dropped before validation and from the form shown again, so row numbers and the core's
indices always agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openvre.repository.errors import Problem

# Simple fields, by input name = metadata key; creators, keywords and communities have their own shapes.
TEXT_FIELDS = (
    "title",
    "upload_type",
    "publication_type",
    "image_type",
    "publication_date",
    "description",
    "license",
    "access_right",
    "embargo_date",
    "access_conditions",
    "version",
)
FORM_FIELDS = (*TEXT_FIELDS, "creators", "keywords", "communities")
CREATOR_PARTS = ("name", "affiliation", "orcid")
# Fields that only mean something for one choice of another; kept out otherwise, so switching the
# upload type or the access right never leaves a hidden value behind that the core would refuse.
_ONLY_WHEN = {
    "publication_type": ("upload_type", "publication"),
    "image_type": ("upload_type", "image"),
    "embargo_date": ("access_right", "embargoed"),
    "access_conditions": ("access_right", "restricted"),
}
_CREATOR_LABELS = {"name": "name", "affiliation": "affiliation", "orcid": "ORCID iD"}
_CREATOR_INPUT = re.compile(r"^creators-(\d+)-(name|affiliation|orcid)$")
_LABELS = {
    "title": "Title",
    "upload_type": "Upload type",
    "publication_type": "Publication type",
    "image_type": "Image type",
    "publication_date": "Publication date",
    "description": "Description",
    "license": "License",
    "access_right": "Access right",
    "embargo_date": "Embargo date",
    "access_conditions": "Access conditions",
    "version": "Version",
    "creators": "Creators",
    "keywords": "Keywords",
    "communities": "Communities",
    "files": "Files",
}


@dataclass
class DepositForm:
    """What the form shows: text values by input name, and the creators as rows of name/affiliation/orcid."""

    values: dict[str, str] = field(default_factory=dict)
    creators: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any]) -> DepositForm:
        values = {name: str(metadata.get(name) or "") for name in TEXT_FIELDS}
        values["access_right"] = values["access_right"] or "open"
        values["keywords"] = "\n".join(str(keyword) for keyword in metadata.get("keywords", []))
        slugs = [ref.get("identifier", ref.get("id", "")) for ref in metadata.get("communities", [])]
        values["communities"] = " ".join(str(slug) for slug in slugs)
        people = metadata.get("creators", [])
        return cls(values, [{part: str(person.get(part) or "") for part in CREATOR_PARTS} for person in people])

    @classmethod
    def from_submission(cls, submitted: Mapping[str, str]) -> DepositForm:
        """The form as the browser sent it; creator rows left empty are dropped."""
        values = {name: str(submitted.get(name, "")).strip() for name in (*TEXT_FIELDS, "keywords", "communities")}
        rows: dict[int, dict[str, str]] = {}
        for name, value in submitted.items():
            match = _CREATOR_INPUT.match(name)
            if match:
                rows.setdefault(int(match.group(1)), {})[match.group(2)] = str(value).strip()
        creators = [
            {part: rows[index].get(part, "") for part in CREATOR_PARTS}
            for index in sorted(rows)
            if any(rows[index].values())
        ]
        return cls(values, creators)

    def rows(self) -> list[dict[str, str]]:
        """The creator rows to show: the known ones and one empty row to add another."""
        return [*self.creators, dict.fromkeys(CREATOR_PARTS, "")]

    def metadata(self, current: Mapping[str, Any]) -> dict[str, Any]:
        """``current`` with the form's fields replaced by what the form holds (empty ones removed)."""
        merged = {key: value for key, value in current.items() if key not in FORM_FIELDS}
        for name in TEXT_FIELDS:
            value = self.values.get(name, "")
            condition = _ONLY_WHEN.get(name)
            if value and (condition is None or self.values.get(condition[0]) == condition[1]):
                merged[name] = value
        if self.creators:
            merged["creators"] = [{part: value for part, value in row.items() if value} for row in self.creators]
        keywords = [line.strip() for line in self.values.get("keywords", "").splitlines() if line.strip()]
        if keywords:
            merged["keywords"] = keywords
        slugs = [slug for slug in re.split(r"[\s,]+", self.values.get("communities", "")) if slug]
        if slugs:
            merged["communities"] = [{"identifier": slug} for slug in dict.fromkeys(slugs)]
        return merged


@dataclass(frozen=True)
class FieldError:
    """One problem, named for the person reading the form; ``input`` is the id of the input it concerns."""

    input: str | None
    label: str
    message: str


def input_name(field_path: str) -> str | None:
    """The form input a core field path belongs to (``metadata.creators.0.orcid`` → ``creators-0-orcid``).

    ``None`` when the form has no input for it (a related identifier set through the API).
    """
    parts = field_path.split(".")
    if parts[0] == "files":
        return "files"
    if parts[0] != "metadata" or len(parts) < 2 or parts[1] not in FORM_FIELDS:
        return None
    if parts[1] == "creators" and len(parts) >= 4 and parts[2].isdigit() and parts[3] in CREATOR_PARTS:
        return f"creators-{parts[2]}-{parts[3]}"
    return parts[1]


def field_errors(problems: Iterable[Problem]) -> list[FieldError]:
    """Every problem, in the core's order, with the input it belongs to and a readable label."""
    found = []
    for problem in problems:
        name = input_name(problem.field)
        label = _label(problem.field, name)
        found.append(FieldError(name, label, problem.message))
    return found


def errors_by_input(errors: Sequence[FieldError]) -> dict[str, list[str]]:
    by_input: dict[str, list[str]] = {}
    for error in errors:
        if error.input is not None:
            by_input.setdefault(error.input, []).append(error.message)
    return by_input


def _label(field_path: str, name: str | None) -> str:
    creator = re.match(r"^creators-(\d+)-(\w+)$", name or "")
    if creator:
        return f"Creator {int(creator.group(1)) + 1}: {_CREATOR_LABELS[creator.group(2)]}"
    if name is not None:
        return _LABELS.get(name, name)
    return field_path.removeprefix("metadata.")
