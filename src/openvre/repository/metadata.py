"""Zenodo deposit metadata: the models, and a validation that reports every problem at once.

:func:`validate_metadata` takes what a client PUTs as ``metadata`` and returns it normalised (ORCIDs
bare, license ids lowercase, communities as ``{"identifier": ...}``), or raises
:class:`~openvre.repository.errors.InvalidMetadata` listing *every* field error, so a user fixes a
``.zenodo.json`` in one round instead of one error per request::

    >>> validate_metadata({"title": "Spectra", "upload_type": "dataset", "description": "Raw spectra",
    ...                    "creators": [{"name": "Doe, Jane", "orcid": "https://orcid.org/0000-0002-1825-0097"}]})
    DepositMetadata(title='Spectra', upload_type='dataset', ...)

Keys the server itself writes into the metadata it serves (``prereserve_doi``, ``relations``,
``resource_type`` ...) are accepted and ignored, so a client may PUT back what it read. Requirements
that only apply when publishing (at least one file, an embargo date still in the future, existing
communities) are checked by :mod:`openvre.repository.deposits`.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from openvre.repository import licenses
from openvre.repository.errors import InvalidMetadata, Problem

UploadType = Literal[
    "publication", "poster", "presentation", "dataset", "image", "video", "software", "lesson", "physicalobject",
    "other",
]  # fmt: skip
PublicationType = Literal[
    "annotationcollection", "book", "section", "conferencepaper", "datamanagementplan", "article", "patent",
    "preprint", "deliverable", "milestone", "proposal", "report", "softwaredocumentation", "taxonomictreatment",
    "technicalnote", "thesis", "workingpaper", "other",
]  # fmt: skip
ImageType = Literal["figure", "plot", "drawing", "diagram", "photo", "other"]
AccessRight = Literal["open", "embargoed", "restricted", "closed"]
Relation = Literal[
    "isCitedBy", "cites", "isSupplementTo", "isSupplementedBy", "isContinuedBy", "continues", "isDescribedBy",
    "describes", "hasMetadata", "isMetadataFor", "isNewVersionOf", "isPreviousVersionOf", "isPartOf", "hasPart",
    "isReferencedBy", "references", "isDocumentedBy", "documents", "isCompiledBy", "compiles", "isVariantFormOf",
    "isOriginalFormOf", "isIdenticalTo", "isAlternateIdentifier", "isReviewedBy", "reviews", "isDerivedFrom",
    "isSourceOf", "requires", "isRequiredBy", "isObsoletedBy", "obsoletes", "hasVersion", "isVersionOf",
    "isPublishedIn", "collects", "isCollectedBy",
]  # fmt: skip
ContributorType = Literal[
    "ContactPerson", "DataCollector", "DataCurator", "DataManager", "Distributor", "Editor", "HostingInstitution",
    "Producer", "ProjectLeader", "ProjectManager", "ProjectMember", "RegistrationAgency", "RegistrationAuthority",
    "RelatedPerson", "Researcher", "ResearchGroup", "RightsHolder", "Supervisor", "Sponsor", "WorkPackageLeader",
    "Other",
]  # fmt: skip

# Written by the server into what it serves; a client PUTting back what it read must not be refused.
SERVER_KEYS = frozenset({"prereserve_doi", "relations", "resource_type", "access_right_category", "conceptdoi"})

_HINTS = {
    "title": "give the record's title",
    "upload_type": "give one of " + ", ".join(get_args(UploadType)),
    "description": "give an abstract (HTML allowed)",
    "creators": 'give at least one creator, e.g. [{"name": "Doe, Jane", "affiliation": "CERN"}]',
    "name": 'give the person\'s name as "Family, Given"',
    "identifier": "give the identifier, e.g. a DOI or a URL",
    "relation": "give how it relates, e.g. isSupplementTo or isDerivedFrom",
    "type": "give the contributor's role, e.g. ContactPerson",
    "id": "give the grant's id, e.g. 10.13039/501100000780::824064",
    "term": "give the subject term",
}
_ORCID = re.compile(r"^(?:https?://)?(?:www\.)?(?:orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])/?$", re.IGNORECASE)
_SCHEMES = (
    ("doi", re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)?10\.\d{4,9}/\S+$", re.IGNORECASE)),
    ("arxiv", re.compile(r"^(?:arxiv:)?\d{4}\.\d{4,5}(?:v\d+)?$", re.IGNORECASE)),
    ("orcid", _ORCID),
    ("swh", re.compile(r"^swh:1:(?:cnt|dir|rel|rev|snp):[0-9a-f]{40}", re.IGNORECASE)),
    ("url", re.compile(r"^(?:https?|ftp)://\S+$", re.IGNORECASE)),
    ("urn", re.compile(r"^urn:[a-z0-9][a-z0-9-]{0,31}:\S+$", re.IGNORECASE)),
    ("isbn", re.compile(r"^(?:97[89][- ]?)?(?:\d[- ]?){9}[\dX]$", re.IGNORECASE)),
    ("issn", re.compile(r"^\d{4}-\d{3}[\dX]$", re.IGNORECASE)),
)


def normalise_orcid(value: str) -> str:
    """The bare ORCID iD (``0000-0002-1825-0097``) from a bare id or an orcid.org URL, checksum verified."""
    match = _ORCID.match(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not an ORCID iD: give 0000-0002-1825-0097 or https://orcid.org/0000-...")
    orcid = match.group(1).upper()
    digits = orcid.replace("-", "")
    total = 0
    for digit in digits[:-1]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    if digits[-1] != ("X" if check == 10 else str(check)):
        raise ValueError(f"{value!r} has a wrong check digit: copy the ORCID iD from the person's orcid.org page")
    return orcid


def _iso_date(value: Any) -> str:
    text = value.isoformat() if isinstance(value, date) else value
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise ValueError(f"{value!r} is not a date: use YYYY-MM-DD, e.g. 2024-05-31")
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date: use YYYY-MM-DD, e.g. 2024-05-31") from None


def _license_id(value: Any) -> str:
    # Deposits carry the id as a string, records as {"id": ...}; both come back in PUTs.
    identifier = value.get("id") if isinstance(value, dict) else value
    if not isinstance(identifier, str):
        raise ValueError('give the license as an id such as "cc-by-4.0" (GET /api/licenses lists them)')
    found = licenses.find_license(identifier)
    if found is None:
        raise ValueError(f"unknown license {identifier!r}: use an SPDX id such as cc-by-4.0, mit or apache-2.0")
    return found.id


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


Text = Annotated[str, AfterValidator(_non_empty)]
IsoDate = Annotated[str, BeforeValidator(_iso_date)]
Orcid = Annotated[str, AfterValidator(normalise_orcid)]
LicenseId = Annotated[str, BeforeValidator(_license_id)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Creator(_Strict):
    name: Text
    affiliation: str | None = None
    orcid: Orcid | None = None
    gnd: str | None = None


class Contributor(Creator):
    type: ContributorType


class RelatedIdentifier(_Strict):
    identifier: Text
    relation: Relation
    resource_type: str | None = None
    scheme: str | None = None

    @model_validator(mode="after")
    def _detected_scheme(self) -> RelatedIdentifier:
        # Zenodo serves every related identifier with its scheme; one it cannot detect is reported apart.
        if self.scheme is None:
            self.scheme = detect_scheme(self.identifier)
        return self


class CommunityRef(_Strict):
    # Deposits say {"identifier": ...}, records {"id": ...}; a PUT of either is understood.
    identifier: Text = Field(validation_alias=AliasChoices("identifier", "id"))


class GrantRef(_Strict):
    id: Text


class Subject(_Strict):
    term: Text
    identifier: str | None = None
    scheme: str | None = None


class Location(_Strict):
    place: Text
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    description: str | None = None


class DateInterval(_Strict):
    type: Literal["Collected", "Valid", "Withdrawn"]
    start: IsoDate | None = None
    end: IsoDate | None = None
    description: str | None = None


class DepositMetadata(_Strict):
    """What a deposit's metadata may hold; names, types and vocabularies are Zenodo's."""

    title: Text
    upload_type: UploadType
    publication_type: PublicationType | None = None
    image_type: ImageType | None = None
    publication_date: IsoDate | None = None
    description: Text
    creators: list[Creator] = Field(min_length=1)
    access_right: AccessRight = "open"
    license: LicenseId | None = None
    embargo_date: IsoDate | None = None
    access_conditions: str | None = None
    doi: str | None = None
    keywords: list[Text] = []
    related_identifiers: list[RelatedIdentifier] = []
    contributors: list[Contributor] = []
    communities: list[CommunityRef] = []
    grants: list[GrantRef] = []
    version: str | None = None
    notes: str | None = None
    references: list[Text] = []
    language: str | None = None
    subjects: list[Subject] = []
    locations: list[Location] = []
    dates: list[DateInterval] = []
    method: str | None = None
    imprint_publisher: str | None = None
    imprint_isbn: str | None = None
    imprint_place: str | None = None
    partof_title: str | None = None
    partof_pages: str | None = None
    journal_title: str | None = None
    journal_volume: str | None = None
    journal_issue: str | None = None
    journal_pages: str | None = None
    conference_title: str | None = None
    conference_acronym: str | None = None
    conference_dates: str | None = None
    conference_place: str | None = None
    conference_url: str | None = None
    conference_session: str | None = None
    conference_session_part: str | None = None
    thesis_supervisors: list[Creator] = []
    thesis_university: str | None = None

    def stored(self) -> dict[str, Any]:
        """The normalised metadata as stored and served: no empty values."""
        dumped = self.model_dump(mode="json", exclude_none=True)
        return {key: value for key, value in dumped.items() if value != [] and key != "doi"}


def validate_metadata(raw: Any, *, reserved_doi: str | None = None) -> DepositMetadata:
    """``raw`` as :class:`DepositMetadata`, or :class:`InvalidMetadata` naming every problem.

    ``reserved_doi`` is the DOI the deposition will be published under: a ``doi`` equal to it (a client
    sending back what it read) is accepted, any other refused, since openvre mints its DOIs itself.
    """
    if not isinstance(raw, dict):
        raise InvalidMetadata([Problem("metadata", 'must be a JSON object: {"title": ..., "upload_type": ...}')])
    given = {key: value for key, value in raw.items() if key not in SERVER_KEYS}
    problems: list[Problem] = []
    model: DepositMetadata | None = None
    try:
        model = DepositMetadata.model_validate(given)
    except ValidationError as error:
        problems.extend(_problem(detail) for detail in error.errors())
    problems.extend(_cross_field_problems(given, reserved_doi))
    if problems or model is None:
        raise InvalidMetadata(sorted(problems, key=_field_order))
    return model


def _problem(detail: Any) -> Problem:
    location = [str(part) for part in detail["loc"]]
    field = ".".join(["metadata", *location])
    leaf = next((part for part in reversed(location) if not part.isdigit()), "metadata")
    kind = detail["type"]
    if kind == "missing":
        return Problem(field, f"required: {_HINTS.get(leaf, 'give a value')}")
    if kind == "extra_forbidden":
        known = list(DepositMetadata.model_fields) if len(location) == 1 else []
        close = difflib.get_close_matches(leaf, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "; remove it"
        return Problem(field, f"unknown field: Zenodo deposit metadata has no {leaf!r}{hint}")
    if kind == "too_short" and leaf == "creators":
        return Problem(field, f"required: {_HINTS['creators']}")
    message = str(detail["msg"]).removeprefix("Value error, ")
    if kind.startswith(("literal_error", "string_type", "list_type", "model_type", "float")):
        message = f"{message} (got {detail.get('input')!r})"
    return Problem(field, message)


def _cross_field_problems(given: dict[str, Any], reserved_doi: str | None) -> list[Problem]:
    """Rules that tie fields together; checked on the raw values so they are reported with the others."""
    problems = []
    upload_type = given.get("upload_type")
    for subtype, owner in (("publication_type", "publication"), ("image_type", "image")):
        if upload_type == owner and not given.get(subtype):
            problems.append(Problem(f"metadata.{subtype}", f"required when upload_type is {owner!r}"))
        elif upload_type != owner and given.get(subtype):
            problems.append(Problem(f"metadata.{subtype}", f"only for upload_type {owner!r}; remove it"))
    access = given.get("access_right", "open")
    if access == "embargoed" and not given.get("embargo_date"):
        problems.append(Problem("metadata.embargo_date", "required when access_right is 'embargoed': YYYY-MM-DD"))
    if access == "restricted" and not given.get("access_conditions"):
        problems.append(
            Problem("metadata.access_conditions", "required when access_right is 'restricted': say who may get access")
        )
    doi = given.get("doi")
    if doi and doi != reserved_doi:
        problems.append(
            Problem("metadata.doi", f"openvre mints the DOI itself ({reserved_doi or 'at publication'}); remove doi")
        )
    problems.extend(_related_identifier_problems(given.get("related_identifiers")))
    return problems


def _related_identifier_problems(related: Any) -> list[Problem]:
    if not isinstance(related, list):
        return []
    problems = []
    for index, item in enumerate(related):
        if not isinstance(item, dict) or not isinstance(item.get("identifier"), str):
            continue
        field = f"metadata.related_identifiers.{index}"
        if not item.get("scheme") and detect_scheme(item["identifier"]) is None:
            problems.append(Problem(f"{field}.identifier", "cannot tell its scheme: give a DOI, URL, ... or scheme"))
        resource_type = item.get("resource_type")
        if isinstance(resource_type, str) and resource_type not in RESOURCE_TYPES:
            problems.append(
                Problem(f"{field}.resource_type", f"unknown resource type {resource_type!r}: use e.g. dataset, "
                        "software or publication-article")
            )  # fmt: skip
    return problems


RESOURCE_TYPES = frozenset(
    [*get_args(UploadType)]
    + [f"publication-{subtype}" for subtype in get_args(PublicationType)]
    + [f"image-{subtype}" for subtype in get_args(ImageType)]
)


def detect_scheme(identifier: str) -> str | None:
    """The identifier scheme Zenodo would detect (doi, arxiv, url, ...), or ``None``."""
    text = identifier.strip()
    return next((scheme for scheme, pattern in _SCHEMES if pattern.match(text)), None)


def _field_order(problem: Problem) -> tuple[int, str]:
    top = problem.field.split(".")[1] if "." in problem.field else ""
    fields = list(DepositMetadata.model_fields)
    return (fields.index(top) if top in fields else len(fields), problem.field)
