"""Records in the formats other systems read: DataCite JSON, BibTeX, CSL-JSON and Schema.org JSON-LD.

Pure functions of a published :class:`~openvre.repository.records.Record`, plus, for the formats that
carry web addresses, the URL of its landing page (files are served under it, ``<landing>/files/<name>``,
as on Zenodo). No database and no HTTP: the portal, the API and scripts call the same functions, and
tests pin their exact structures::

    >>> print(to_bibtex(record))
    @dataset{doe_2024_12,
      author    = {Doe, Jane},
      title     = {Muon spectra},
      ...

Each format says what its readers need: DataCite's kernel-4 attributes (the body DataCite's REST API
takes under ``data.attributes``) for DOI registration and harvesting, BibTeX and CSL-JSON for
reference managers, and Schema.org JSON-LD for search engines reading the landing page. Where a
vocabulary must be chosen (DataCite's ``resourceTypeGeneral``, BibTeX's entry type, CSL's type,
Schema.org's ``@type``), :data:`KINDS` holds the choice for every Zenodo upload type in one table.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, get_args
from urllib.parse import quote

from openvre.repository.descriptions import plain_text
from openvre.repository.dois import doi_url
from openvre.repository.licenses import find_license
from openvre.repository.metadata import ImageType
from openvre.repository.records import Record

PUBLISHER = "openvre"
ORCID_URL = "https://orcid.org/"


@dataclass(frozen=True)
class Kind:
    """What one Zenodo upload type (or publication/image subtype) is called in each vocabulary."""

    title: str  # for people: "Journal article"
    datacite: str  # DataCite resourceTypeGeneral (kernel 4.5)
    bibtex: str  # BibTeX entry type
    csl: str  # CSL 1.0.2 item type
    schema_org: str  # Schema.org @type


_PUBLICATION_KINDS = {
    "article": Kind("Journal article", "JournalArticle", "article", "article-journal", "ScholarlyArticle"),
    "preprint": Kind("Preprint", "Preprint", "misc", "article", "ScholarlyArticle"),
    "book": Kind("Book", "Book", "book", "book", "Book"),
    "section": Kind("Book section", "BookChapter", "inbook", "chapter", "Chapter"),
    "conferencepaper": Kind(
        "Conference paper", "ConferencePaper", "inproceedings", "paper-conference", "ScholarlyArticle"
    ),
    "thesis": Kind("Thesis", "Dissertation", "phdthesis", "thesis", "Thesis"),
    "report": Kind("Report", "Report", "techreport", "report", "Report"),
    "technicalnote": Kind("Technical note", "Report", "techreport", "report", "Report"),
    "deliverable": Kind("Project deliverable", "Report", "techreport", "report", "Report"),
    "milestone": Kind("Project milestone", "Report", "techreport", "report", "Report"),
    "workingpaper": Kind("Working paper", "Preprint", "techreport", "report", "ScholarlyArticle"),
    "datamanagementplan": Kind("Data management plan", "OutputManagementPlan", "misc", "document", "CreativeWork"),
    "softwaredocumentation": Kind("Software documentation", "Text", "manual", "document", "TechArticle"),
    "patent": Kind("Patent", "Text", "misc", "patent", "CreativeWork"),
    "proposal": Kind("Proposal", "Text", "misc", "document", "CreativeWork"),
    "annotationcollection": Kind("Annotation collection", "Collection", "misc", "document", "Collection"),
    "taxonomictreatment": Kind("Taxonomic treatment", "Text", "article", "article-journal", "ScholarlyArticle"),
    "other": Kind("Publication", "Text", "misc", "article", "ScholarlyArticle"),
}  # fmt: skip
_IMAGE_TITLES = {"figure": "Figure", "plot": "Plot", "drawing": "Drawing", "diagram": "Diagram", "photo": "Photo"}
KINDS: dict[str, Kind] = {
    "publication": _PUBLICATION_KINDS["other"],
    "poster": Kind("Poster", "Text", "misc", "speech", "CreativeWork"),
    "presentation": Kind("Presentation", "Text", "misc", "speech", "PresentationDigitalDocument"),
    "dataset": Kind("Dataset", "Dataset", "dataset", "dataset", "Dataset"),
    "image": Kind("Image", "Image", "misc", "graphic", "ImageObject"),
    "video": Kind("Video/Audio", "Audiovisual", "misc", "motion_picture", "VideoObject"),
    "software": Kind("Software", "Software", "software", "software", "SoftwareSourceCode"),
    "lesson": Kind("Lesson", "Text", "misc", "document", "LearningResource"),
    "physicalobject": Kind("Physical object", "PhysicalObject", "misc", "document", "CreativeWork"),
    "other": Kind("Other", "Other", "misc", "document", "CreativeWork"),
    **{f"publication-{name}": kind for name, kind in _PUBLICATION_KINDS.items()},
    **{
        f"image-{name}": Kind(_IMAGE_TITLES.get(name, "Image"), "Image", "misc", "figure", "ImageObject")
        for name in get_args(ImageType)
    },
}

_ACCESS_RIGHTS = {  # access_right -> DataCite rights, as the OpenAIRE vocabulary names them
    "open": ("Open Access", "info:eu-repo/semantics/openAccess"),
    "embargoed": ("Embargoed Access", "info:eu-repo/semantics/embargoedAccess"),
    "restricted": ("Restricted Access", "info:eu-repo/semantics/restrictedAccess"),
    "closed": ("Closed Access", "info:eu-repo/semantics/closedAccess"),
}
_IDENTIFIER_TYPES = {  # Zenodo's identifier schemes -> DataCite relatedIdentifierType
    "doi": "DOI", "arxiv": "arXiv", "url": "URL", "urn": "URN", "isbn": "ISBN", "issn": "ISSN", "ads": "bibcode",
    "pmid": "PMID", "handle": "Handle", "ark": "ARK", "purl": "PURL", "lsid": "LSID", "ean13": "EAN13",
    "eissn": "EISSN", "istc": "ISTC", "lissn": "LISSN", "upc": "UPC", "igsn": "IGSN", "w3id": "w3id",
}  # fmt: skip
_TEX_SPECIALS = re.compile(r"[\\{}$&#^_%~]")
_TEX_REPLACEMENTS = {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def kind_of(metadata: dict[str, Any]) -> Kind:
    """The record's kind: its subtype's if it has one (a journal article), else its upload type's."""
    upload_type = str(metadata.get("upload_type", "other"))
    subtype = metadata.get("publication_type") or metadata.get("image_type")
    return KINDS.get(f"{upload_type}-{subtype}") or KINDS.get(upload_type) or KINDS["other"]


def split_name(name: str) -> tuple[str, str | None]:
    """``"Doe, Jane"`` as ``("Doe", "Jane")``; a name without a comma (a team, a mononym) stays whole."""
    family, comma, given = name.partition(",")
    if not comma or not given.strip():
        return name.strip(), None
    return family.strip(), given.strip()


def issued(record: Record) -> date:
    """The publication date the depositor gave, or the day the record was published."""
    given = record.metadata.get("publication_date")
    return date.fromisoformat(given) if given else record.published_at.date()


def file_url(landing_url: str, key: str) -> str:
    return f"{landing_url}/files/{quote(key)}"


# --- DataCite -------------------------------------------------------------------------------------


def to_datacite(record: Record, landing_url: str) -> dict[str, Any]:
    """DataCite kernel-4 attributes, as its REST API takes them; empty properties are left out."""
    meta = record.metadata
    kind = kind_of(meta)
    attributes: dict[str, Any] = {
        "doi": record.doi,
        "url": landing_url,
        "identifiers": [{"identifier": doi_url(record.doi), "identifierType": "DOI"}],
        "types": {"resourceTypeGeneral": kind.datacite, "resourceType": kind.title},
        "creators": [_datacite_person(person) for person in meta.get("creators", [])],
        "titles": [{"title": record.title}],
        "publisher": PUBLISHER,
        "publicationYear": str(issued(record).year),
        "subjects": [{"subject": keyword} for keyword in meta.get("keywords", [])]
        + [_datacite_subject(subject) for subject in meta.get("subjects", [])],
        "contributors": [
            {**_datacite_person(person), "contributorType": person["type"]} for person in meta.get("contributors", [])
        ],
        "dates": _datacite_dates(record),
        "language": meta.get("language"),
        "relatedIdentifiers": _datacite_related(record),
        "version": meta.get("version"),
        "rightsList": _datacite_rights(meta),
        "descriptions": _datacite_descriptions(meta),
        "schemaVersion": "http://datacite.org/schema/kernel-4",
    }
    return {name: value for name, value in attributes.items() if value not in (None, "", [])}


def _datacite_person(person: dict[str, Any]) -> dict[str, Any]:
    name = str(person["name"])
    family, given = split_name(name)
    entry: dict[str, Any] = {"name": name}
    if given is not None or person.get("orcid"):
        entry["nameType"] = "Personal"
    if given is not None:
        entry |= {"givenName": given, "familyName": family}
    if person.get("affiliation"):
        entry["affiliation"] = [{"name": person["affiliation"]}]
    if person.get("orcid"):
        entry["nameIdentifiers"] = [
            {"nameIdentifier": ORCID_URL + person["orcid"], "nameIdentifierScheme": "ORCID", "schemeUri": ORCID_URL}
        ]
    return entry


def _datacite_subject(subject: dict[str, Any]) -> dict[str, Any]:
    entry = {"subject": subject["term"]}
    if subject.get("identifier"):
        entry["valueUri"] = subject["identifier"]
    if subject.get("scheme"):
        entry["subjectScheme"] = subject["scheme"]
    return entry


def _datacite_dates(record: Record) -> list[dict[str, Any]]:
    meta = record.metadata
    dates: list[dict[str, Any]] = [{"date": issued(record).isoformat(), "dateType": "Issued"}]
    if meta.get("access_right") == "embargoed" and meta.get("embargo_date"):
        dates.append({"date": meta["embargo_date"], "dateType": "Available"})
    for interval in meta.get("dates", []):
        entry = {"date": f"{interval.get('start', '')}/{interval.get('end', '')}", "dateType": interval["type"]}
        if interval.get("description"):
            entry["dateInformation"] = interval["description"]
        dates.append(entry)
    return dates


def _datacite_related(record: Record) -> list[dict[str, Any]]:
    related = [_datacite_relation(item) for item in record.metadata.get("related_identifiers", [])]
    if record.conceptdoi:  # every version names the work it is a version of, as Zenodo registers it
        concept = {
            "relatedIdentifier": record.conceptdoi,
            "relatedIdentifierType": "DOI",
            "relationType": "IsVersionOf",
        }
        related.append(concept)
    return related


def _datacite_relation(item: dict[str, Any]) -> dict[str, Any]:
    identifier, scheme = str(item["identifier"]), str(item.get("scheme") or "url").lower()
    if scheme == "orcid":
        identifier, scheme = ORCID_URL + identifier.rsplit("/", 1)[-1], "url"
    elif scheme == "swh":  # DataCite has no type for SoftWare Heritage ids; their archive page is a URL
        identifier, scheme = f"https://archive.softwareheritage.org/{identifier}", "url"
    relation = str(item["relation"])
    entry = {
        "relatedIdentifier": identifier,
        "relatedIdentifierType": _IDENTIFIER_TYPES.get(scheme, "URL"),
        "relationType": relation[:1].upper() + relation[1:],
    }
    resource_type = item.get("resource_type")
    if resource_type in KINDS:
        entry["resourceTypeGeneral"] = KINDS[resource_type].datacite
    return entry


def _datacite_rights(meta: dict[str, Any]) -> list[dict[str, Any]]:
    rights: list[dict[str, Any]] = []
    license = find_license(str(meta["license"])) if meta.get("license") else None
    if license is not None:
        rights.append(
            {
                "rights": license.title,
                "rightsUri": license.url,
                "rightsIdentifier": license.spdx_id,
                "rightsIdentifierScheme": "SPDX",
                "schemeUri": "https://spdx.org/licenses/",
            }
        )
    title, uri = _ACCESS_RIGHTS.get(str(meta.get("access_right", "open")), _ACCESS_RIGHTS["closed"])
    rights.append({"rights": title, "rightsUri": uri})
    return rights


def _datacite_descriptions(meta: dict[str, Any]) -> list[dict[str, Any]]:
    kinds = (("description", "Abstract"), ("method", "Methods"), ("notes", "Other"))
    return [
        {"description": plain_text(str(meta[field])), "descriptionType": kind}
        for field, kind in kinds
        if meta.get(field)
    ]


# --- BibTeX ---------------------------------------------------------------------------------------


def to_bibtex(record: Record) -> str:
    """One BibTeX entry, its type from the upload type (``@dataset``, ``@software``, ``@article``...)."""
    meta = record.metadata
    kind = kind_of(meta)
    published = issued(record)
    fields: list[tuple[str, str]] = [
        ("author", "{" + " and ".join(_bibtex_name(str(person["name"])) for person in meta.get("creators", [])) + "}"),
        ("title", _braced(record.title)),
        *_bibtex_container(kind.bibtex, meta),
        ("month", _MONTHS[published.month - 1]),
        ("year", str(published.year)),
        ("publisher", _braced(PUBLISHER)),
        ("version", _braced(meta["version"]) if meta.get("version") else ""),
        ("doi", "{" + _verbatim(record.doi) + "}"),
        ("url", "{" + _verbatim(doi_url(record.doi)) + "}"),
        ("keywords", _braced(", ".join(meta.get("keywords", [])))),
    ]
    present = [(name, value) for name, value in fields if value and value != "{}"]
    width = max(len(name) for name, _value in present)
    lines = [f"  {name.ljust(width)} = {value}" for name, value in present]
    return f"@{kind.bibtex}{{{_bibtex_key(record, published)},\n" + ",\n".join(lines) + "\n}\n"


def _bibtex_container(entry_type: str, meta: dict[str, Any]) -> list[tuple[str, str]]:
    """The fields that say where an article, chapter, paper or thesis appeared."""
    wanted = {
        "article": (("journal", "journal_title"), ("volume", "journal_volume"), ("number", "journal_issue"),
                    ("pages", "journal_pages")),
        "inproceedings": (("booktitle", "conference_title"), ("address", "conference_place")),
        "inbook": (("booktitle", "partof_title"), ("pages", "partof_pages")),
        "book": (("address", "imprint_place"), ("isbn", "imprint_isbn")),
        "phdthesis": (("school", "thesis_university"),),
        "techreport": (("institution", "imprint_publisher"),),
    }.get(entry_type, ())  # fmt: skip
    return [(name, _braced(str(meta[field]))) for name, field in wanted if meta.get(field)]


def _bibtex_key(record: Record, published: date) -> str:
    """Zenodo's key shape, ``family_year_recid``, in plain ASCII so every BibTeX reads it."""
    creators = record.metadata.get("creators", [])
    family = split_name(str(creators[0]["name"]))[0] if creators else PUBLISHER
    ascii_family = unicodedata.normalize("NFKD", family).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]", "", ascii_family.lower()) or PUBLISHER
    return f"{slug}_{published.year}_{record.recid}"


def _bibtex_name(name: str) -> str:
    # A name without a comma is a team or an institution: braces stop BibTeX splitting it into given and family.
    escaped = escape_tex(name)
    return escaped if split_name(name)[1] is not None else "{" + escaped + "}"


def _braced(text: str) -> str:
    return "{" + escape_tex(text) + "}"


def _verbatim(text: str) -> str:
    # biblatex reads doi and url verbatim, so TeX escapes would become part of them; only braces must go.
    return text.replace("{", "").replace("}", "")


def escape_tex(text: str) -> str:
    """``text`` with TeX's special characters escaped, so titles like "100% of A_1 & B" print as written."""
    return _TEX_SPECIALS.sub(lambda match: _TEX_REPLACEMENTS.get(match.group(), "\\" + match.group()), text)


# --- CSL-JSON -------------------------------------------------------------------------------------


def to_csl(record: Record) -> dict[str, Any]:
    """One CSL-JSON item (what citeproc, Zotero and pandoc read), as Zenodo exports it."""
    meta = record.metadata
    published = issued(record)
    item: dict[str, Any] = {
        "id": str(record.recid),
        "type": kind_of(meta).csl,
        "title": record.title,
        "author": [_csl_name(str(person["name"])) for person in meta.get("creators", [])],
        "issued": {"date-parts": [[published.year, published.month, published.day]]},
        "DOI": record.doi,
        "URL": doi_url(record.doi),
        "publisher": PUBLISHER,
        "version": meta.get("version"),
        "abstract": plain_text(str(meta.get("description", ""))),
        "keyword": ", ".join(meta.get("keywords", [])),
        "container-title": meta.get("journal_title") or meta.get("conference_title") or meta.get("partof_title"),
        "volume": meta.get("journal_volume"),
        "issue": meta.get("journal_issue"),
        "page": meta.get("journal_pages") or meta.get("partof_pages"),
        "language": meta.get("language"),
    }
    return {name: value for name, value in item.items() if value not in (None, "", [])}


def _csl_name(name: str) -> dict[str, str]:
    family, given = split_name(name)
    return {"literal": family} if given is None else {"family": family, "given": given}


# --- Schema.org JSON-LD ---------------------------------------------------------------------------


def to_json_ld(record: Record, landing_url: str, *, show_files: bool = True) -> dict[str, Any]:
    """Schema.org JSON-LD for the landing page; ``show_files`` is false when the files are not public."""
    meta = record.metadata
    kind = kind_of(meta)
    license = find_license(str(meta["license"])) if meta.get("license") else None
    doi = doi_url(record.doi)
    body: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": kind.schema_org,
        "@id": doi,
        "identifier": doi,
        "url": landing_url,
        "name": record.title,
        "description": plain_text(str(meta.get("description", ""))),
        "creator": [_schema_person(person) for person in meta.get("creators", [])],
        "datePublished": issued(record).isoformat(),
        "publisher": {"@type": "Organization", "name": PUBLISHER},
        "license": license.url if license is not None else None,
        "keywords": list(meta.get("keywords", [])),
        "version": meta.get("version"),
        "inLanguage": meta.get("language"),
    }
    if show_files and record.files:
        # Schema.org gives only datasets a distribution; other works list the same downloads as media.
        files = "distribution" if kind.schema_org == "Dataset" else "associatedMedia"
        body[files] = [
            {
                "@type": "DataDownload",
                "name": stored.key,
                "contentUrl": file_url(landing_url, stored.key),
                "encodingFormat": stored.mimetype,
                "contentSize": f"{stored.size} bytes",
                # Schema.org has no md5 property; a PropertyValue identifier is its way to carry one.
                "identifier": {"@type": "PropertyValue", "propertyID": "md5", "value": stored.md5},
            }
            for stored in record.files
        ]
    return {name: value for name, value in body.items() if value not in (None, "", [])}


def _schema_person(person: dict[str, Any]) -> dict[str, Any]:
    name = str(person["name"])
    family, given = split_name(name)
    entry: dict[str, Any] = {"@type": "Person", "name": name}
    if person.get("orcid"):
        entry["@id"] = ORCID_URL + person["orcid"]
    if given is not None:
        entry |= {"givenName": given, "familyName": family}
    if person.get("affiliation"):
        entry["affiliation"] = {"@type": "Organization", "name": person["affiliation"]}
    return entry


# --- the formats, as the landing page offers them -------------------------------------------------


@dataclass(frozen=True)
class ExportFormat:
    """One downloadable format: its name in URLs, its media type, and how to write it."""

    name: str
    title: str
    media_type: str
    extension: str
    render: Callable[[Record, str, bool], str]  # (record, landing URL, files shown) -> text


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


FORMATS: dict[str, ExportFormat] = {
    export.name: export
    for export in (
        ExportFormat("bibtex", "BibTeX", "application/x-bibtex", "bib", lambda record, _url, _files: to_bibtex(record)),
        ExportFormat(
            "datacite-json", "DataCite JSON", "application/vnd.datacite.datacite+json", "json",
            lambda record, url, _files: _json(to_datacite(record, url)),
        ),
        ExportFormat(
            "csl-json", "CSL-JSON", "application/vnd.citationstyles.csl+json", "json",
            lambda record, _url, _files: _json(to_csl(record)),
        ),
        ExportFormat(
            "json-ld", "Schema.org JSON-LD", "application/ld+json", "jsonld",
            lambda record, url, files: _json(to_json_ld(record, url, show_files=files)),
        ),
    )
}  # fmt: skip
