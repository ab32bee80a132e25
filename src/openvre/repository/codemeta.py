"""codemeta.json ↔ Zenodo deposit metadata, following the eossr crosswalk (codemeta 2.0 and 3.0 keys).

Research software describes itself in ``codemeta.json``; :func:`codemeta_to_deposit` turns it into the
deposit metadata a publication starts from, so nobody types the authors twice. :func:`run_codemeta`
writes the codemeta.json that goes out with a published workflow run. Both are pure functions::

    >>> codemeta_to_deposit({"@context": "https://w3id.org/codemeta/3.0", "name": "dimuon",
    ...     "author": [{"@type": "Person", "givenName": "Jane", "familyName": "Doe",
    ...                 "@id": "https://orcid.org/0000-0002-1825-0097"}], "license": "https://spdx.org/licenses/MIT"})
    {'upload_type': 'software', 'access_right': 'open', 'title': 'dimuon', 'creators': [{'name': 'Doe, Jane', \
'orcid': '0000-0002-1825-0097'}], 'license': 'mit'}

Where the crosswalk and Zenodo differ, Zenodo wins: ORCIDs are bare ids (eossr leaves URLs, which
Zenodo refuses), and ``applicationCategory`` is not turned into communities (Zenodo refuses unknown
ones at publication; give ``--community`` instead). Values the deposit cannot hold are left out rather
than guessed; the server's validation names anything still wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from openvre.repository.licenses import find_license

CODEMETA_3 = "https://w3id.org/codemeta/3.0"
ORCID_URL = "https://orcid.org/"

# codemeta property → Zenodo contributor type (eossr crosswalk, "ZenodoContributorType" column).
CONTRIBUTOR_ROLES = {
    "maintainer": "ContactPerson",
    "contributor": "Other",
    "copyrightHolder": "RightsHolder",
    "funder": "Sponsor",
    "sponsor": "Sponsor",
    "producer": "Producer",
    "provider": "Distributor",
    "publisher": "Other",
}
_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dXx])/?$")
_GRANT = re.compile(r"^10\.\d{4,9}/\S+::\S+$")  # Zenodo's grant ids: <funder DOI>::<award number>
_LICENSE_URLS = (
    re.compile(r"spdx\.org/licenses/([^/]+?)(?:\.html|\.json)?/?$", re.IGNORECASE),
    re.compile(r"opensource\.org/licenses?/([^/]+?)(?:\.php|\.html)?/?$", re.IGNORECASE),
)
_CREATIVE_COMMONS = re.compile(r"creativecommons\.org/(?:licenses/([a-z-]+)|publicdomain/(zero))/(\d\.\d)", re.I)


def codemeta_to_deposit(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Zenodo deposit metadata from a codemeta document (2.0 or 3.0); only the keys it can fill."""
    metadata: dict[str, Any] = {"upload_type": "software", "access_right": "open"}
    texts = {"title": doc.get("name"), "description": doc.get("description")}
    texts["version"] = doc.get("softwareVersion") or doc.get("version")
    texts["publication_date"] = _date(doc.get("datePublished"))
    metadata |= {key: str(value).strip() for key, value in texts.items() if value not in (None, "")}
    creators = _unique(person for key in ("author", "creator") for person in _people(doc.get(key)))
    contributors = _unique(
        {**person, "type": role} for key, role in CONTRIBUTOR_ROLES.items() for person in _people(doc.get(key))
    )
    keywords = list(dict.fromkeys(_keywords(doc.get("keywords"))))
    grants, funding_notes = _funding(doc.get("funding"))
    found: dict[str, Any] = {
        "creators": creators,
        "contributors": contributors,
        "keywords": keywords,
        "license": license_id(doc.get("license")),
        "related_identifiers": _related(doc),
        "references": [text for text in map(_work_text, _as_list(doc.get("citation"))) if text],
        "grants": [{"id": grant} for grant in grants],
        "notes": "Funding: " + "; ".join(funding_notes) if funding_notes else None,
    }
    metadata |= {key: value for key, value in found.items() if value}
    return metadata


def license_id(value: Any) -> str | None:
    """Zenodo's license id for a codemeta ``license``: an SPDX id or URL, a CreativeWork, or a list of them.

    Known licenses come back in openvre's vocabulary (``mit``, ``cc-by-4.0``); an SPDX id openvre does
    not list is passed on lowercased (zenodo.org knows more); anything else gives ``None``.
    """
    for item in _as_list(value):
        candidate = item.get("identifier") or item.get("@id") or item.get("url") if isinstance(item, dict) else item
        if not isinstance(candidate, str) or not candidate.strip():
            continue
        text = candidate.strip()
        spdx = _spdx_from_url(text) if "/" in text else text
        if spdx is None:
            continue
        known = find_license(spdx)
        return known.id if known else spdx.lower()
    return None


def _spdx_from_url(url: str) -> str | None:
    for pattern in _LICENSE_URLS:
        match = pattern.search(url)
        if match:
            return match.group(1)
    match = _CREATIVE_COMMONS.search(url)
    if match:
        kind = "cc0" if match.group(2) else f"cc-{match.group(1)}"
        return f"{kind}-{match.group(3)}"
    return None


def _people(value: Any) -> list[dict[str, Any]]:
    """Zenodo creators from codemeta Persons and Organizations (a single one, a list, or a name)."""
    people = []
    for item in _as_list(value):
        if isinstance(item, str):
            if item.strip():
                people.append({"name": item.strip()})
            continue
        if not isinstance(item, dict):
            continue
        name = _person_name(item)
        if not name:
            continue
        person: dict[str, Any] = {"name": name}
        affiliation = "; ".join(_names(item.get("affiliation")))
        if affiliation:
            person["affiliation"] = affiliation
        orcid = _orcid(item)
        if orcid:
            person["orcid"] = orcid
        people.append(person)
    return people


def _person_name(item: Mapping[str, Any]) -> str:
    """Zenodo's "Family, Given" when the parts are given; else the name as written."""
    family, given = item.get("familyName"), item.get("givenName")
    family = " ".join(_as_list(family)) if isinstance(family, list) else family
    given = " ".join(_as_list(given)) if isinstance(given, list) else given
    if family and given:
        return f"{str(family).strip()}, {str(given).strip()}"
    return str(item.get("name") or family or given or "").strip()


def _orcid(item: Mapping[str, Any]) -> str | None:
    """The bare ORCID iD from ``@id`` or ``identifier`` (an orcid.org URL, a bare id, a PropertyValue)."""
    for key in ("@id", "identifier", "id"):
        for value in _as_list(item.get(key)):
            text = value.get("@id") or value.get("value") if isinstance(value, dict) else value
            if not isinstance(text, str):
                continue
            match = _ORCID.search(text.strip())
            if match and ("orcid.org" in text or _ORCID.fullmatch(text.strip())):
                return match.group(1).upper()
    return None


def _names(value: Any) -> list[str]:
    """Names of organisations given as text, ``{"name": ...}`` objects, or a list of either."""
    names = []
    for item in _as_list(value):
        name = item.get("name") or item.get("legalName") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip():
            names.append(name.strip())
    return list(dict.fromkeys(names))


def _keywords(value: Any) -> Iterable[str]:
    for item in _as_list(value):
        text = item.get("name") if isinstance(item, dict) else item
        if isinstance(text, str):
            yield from (word.strip() for word in text.split(",") if word.strip())


def _related(doc: Mapping[str, Any]) -> list[dict[str, str]]:
    """codeRepository → isDerivedFrom software, readme → isDocumentedBy documentation (as eossr)."""
    related = []
    for key, relation, resource_type in (
        ("codeRepository", "isDerivedFrom", "software"),
        ("readme", "isDocumentedBy", "publication-softwaredocumentation"),
    ):
        for url in _as_list(doc.get(key)):
            if isinstance(url, str) and url.startswith(("http://", "https://")):
                related.append(
                    {"identifier": url, "relation": relation, "resource_type": resource_type, "scheme": "url"}
                )
    return related


def _funding(value: Any) -> tuple[list[str], list[str]]:
    """Grant ids Zenodo can link (``<funder DOI>::<number>``), and the rest as text for the notes."""
    grants, notes = [], []
    for item in _as_list(value):
        if isinstance(item, dict):  # codemeta 3.0: a Grant with identifier and name
            identifier, text = item.get("identifier"), item.get("name") or item.get("identifier")
        else:
            identifier = text = item
        if isinstance(identifier, str) and _GRANT.match(identifier.strip()):
            grants.append(identifier.strip())
        elif isinstance(text, str) and text.strip():
            notes.append(text.strip())
    return grants, notes


def _work_text(item: Any) -> str | None:
    """A citation as text: a string or URL as is, a CreativeWork by its name, id or URL."""
    if isinstance(item, str):
        return item.strip() or None
    if isinstance(item, dict):
        for key in ("name", "@id", "url", "identifier"):
            if isinstance(item.get(key), str) and item[key].strip():
                return str(item[key]).strip()
    return None


def _date(value: Any) -> str | None:
    """``YYYY-MM-DD`` from a codemeta date or date-time; anything else is left out."""
    match = re.match(r"^\s*(\d{4}-\d{2}-\d{2})", str(value)) if value else None
    return match.group(1) if match else None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _unique(people: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """People once each, in order: the same name (and role) listed twice is one person."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for person in people:
        seen.setdefault((person["name"].lower(), str(person.get("type", ""))), person)
    return list(seen.values())


# -- codemeta.json for a published run ----------------------------------------------------------------
def run_codemeta(
    run: str,
    spec: Mapping[str, Any],
    *,
    metadata: Mapping[str, Any],
    doi: str | None = None,
    base: Mapping[str, Any] | None = None,
    date_created: str | None = None,
    software: Iterable[str] = (),
) -> dict[str, Any]:
    """The codemeta.json (3.0) published with workflow run ``run`` (``NAME.N``).

    ``metadata`` is the deposit metadata the record gets, so the two say the same; ``base`` is the
    workspace's own codemeta.json, whose other properties (repository, issue tracker, funding...)
    are kept; ``software`` names what the run needs (``openvre 0.1.0``, ``REANA serial workflow``).
    """
    document: dict[str, Any] = {key: value for key, value in (base or {}).items() if key != "@context"}
    workflow = spec.get("workflow") or {}
    document |= {
        "@context": CODEMETA_3,
        "@type": "SoftwareSourceCode",
        "name": metadata.get("title") or run,
        "description": _plain(str(metadata.get("description", ""))),
        "author": [_codemeta_person(creator) for creator in metadata.get("creators", [])],
        "datePublished": date.today().isoformat(),
        "runtimePlatform": f"REANA {workflow.get('type', '')} workflow".replace("  ", " "),
    }
    optional = {
        "identifier": f"https://doi.org/{doi}" if doi else None,
        "version": metadata.get("version"),
        "keywords": list(metadata.get("keywords") or []) or None,
        "license": _license_url(metadata.get("license")),
        "dateCreated": date_created,
        "softwareRequirements": list(software) or None,
    }
    document |= {key: value for key, value in optional.items() if value}
    return document


def _codemeta_person(creator: Mapping[str, Any]) -> dict[str, Any]:
    name = str(creator.get("name", ""))
    family, comma, given = name.partition(",")
    person: dict[str, Any] = {"@type": "Person"}
    if creator.get("orcid"):
        person["@id"] = ORCID_URL + str(creator["orcid"])
    if comma:
        person |= {"givenName": given.strip(), "familyName": family.strip()}
    else:
        person["name"] = name
    if creator.get("affiliation"):
        person["affiliation"] = {"@type": "Organization", "name": str(creator["affiliation"])}
    return person


def _license_url(identifier: Any) -> str | None:
    if not isinstance(identifier, str):
        return None
    known = find_license(identifier)
    return known.url.removesuffix(".html") if known else f"https://spdx.org/licenses/{identifier}"


def _plain(description: str) -> str:
    """Deposit descriptions may carry a little HTML; codemeta's is text."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", description)).strip()
