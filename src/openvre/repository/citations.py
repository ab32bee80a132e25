"""Citation text for people: how to cite a record, in APA (the default), Chicago or IEEE style.

A landing page shows one of these above the BibTeX, so a reader can paste a reference without a
reference manager. They are written here rather than by a CSL processor to keep openvre free of one;
three styles cover what most fields ask for, and CSL-JSON (:func:`openvre.repository.exports.to_csl`)
serves every other style through the reader's own tools::

    >>> cite(record)
    'Doe, J., & Curie, M. (2024). Muon spectra (Version 2) [Data set]. openvre. https://doi.org/10.5072/openvre.12'
"""

from __future__ import annotations

import re

from openvre.repository.dois import doi_url
from openvre.repository.exports import PUBLISHER, issued, kind_of, split_name
from openvre.repository.records import Record

STYLES = {"apa": "APA", "chicago": "Chicago", "ieee": "IEEE"}
DEFAULT_STYLE = "apa"

# APA's bracketed description of works that are not articles or books.
_APA_DESCRIPTIONS = {
    "dataset": "Data set",
    "software": "Computer software",
    "poster": "Poster",
    "presentation": "Presentation slides",
    "image": "Image",
    "video": "Video",
    "lesson": "Lesson",
}
_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "Jun.", "Jul.", "Aug.", "Sep.", "Oct.", "Nov.", "Dec.")


def cite(record: Record, style: str = DEFAULT_STYLE) -> str:
    """The record's reference in ``style`` (one of :data:`STYLES`), as plain text."""
    writers = {"apa": _apa, "chicago": _chicago, "ieee": _ieee}
    if style not in writers:
        raise ValueError(f"unknown citation style {style!r}: use one of {', '.join(STYLES)}")
    return writers[style](record)


def _apa(record: Record) -> str:
    names = [_initials_last(name, inverted=True) for name in _creators(record)]
    if len(names) > 20:  # APA 7: the first nineteen, an ellipsis, the last
        authors = ", ".join(names[:19]) + ", . . . " + names[-1]
    elif len(names) > 1:
        authors = ", ".join(names[:-1]) + ", & " + names[-1]
    else:
        authors = "".join(names)
    version = record.metadata.get("version")
    title = record.title + (f" (Version {version})" if version else "")
    description = _APA_DESCRIPTIONS.get(str(record.metadata.get("upload_type")))
    title += f" [{description}]" if description else ""
    return f"{_sentence(authors)} ({issued(record).year}). {_sentence(title)} {PUBLISHER}. {doi_url(record.doi)}"


def _chicago(record: Record) -> str:
    names = _creators(record)
    people = names[:1] + [_natural_order(name) for name in names[1:]]  # only the first is inverted
    authors = ", ".join(people[:-1]) + ", and " + people[-1] if len(people) > 1 else "".join(people)
    parts = [_sentence(authors), f"{issued(record).year}.", f"“{_sentence(record.title)}”"]
    if record.metadata.get("upload_type") != "publication":
        parts.append(f"{kind_of(record.metadata).title}.")
    if record.metadata.get("version"):
        parts.append(f"Version {record.metadata['version']}.")
    parts += [f"{PUBLISHER}.", f"{doi_url(record.doi)}."]
    return " ".join(part for part in parts if part)


def _ieee(record: Record) -> str:
    names = [_initials_last(name, inverted=False) for name in _creators(record)]
    if len(names) > 6:
        authors = names[0] + " et al."
    elif len(names) > 2:
        authors = ", ".join(names[:-1]) + ", and " + names[-1]
    else:
        authors = " and ".join(names)
    published = issued(record)
    version = record.metadata.get("version")
    details = [f"“{record.title},”", f"version {version}," if version else "", f"{PUBLISHER},"]
    details.append(f"{_MONTHS[published.month - 1]} {published.year}, doi: {record.doi}.")
    return f"{authors}, " + " ".join(detail for detail in details if detail)


def _creators(record: Record) -> list[str]:
    return [str(person["name"]) for person in record.metadata.get("creators", [])]


def _initials(given: str) -> str:
    """``"Jean-Luc Marie"`` as ``"J.-L. M."``."""
    words = [word for word in re.split(r"\s+", given.strip()) if word]
    return " ".join("-".join(part[:1] + "." for part in word.split("-") if part) for word in words)


def _initials_last(name: str, *, inverted: bool) -> str:
    family, given = split_name(name)
    if given is None:
        return family
    return f"{family}, {_initials(given)}" if inverted else f"{_initials(given)} {family}"


def _natural_order(name: str) -> str:
    family, given = split_name(name)
    return family if given is None else f"{given} {family}"


def _sentence(text: str) -> str:
    """``text`` ending in a full stop, unless it ends in punctuation already ("J." or "Why?")."""
    text = text.strip()
    return text if not text or text[-1] in ".?!" else text + "."
