"""DOIs: minted under the configured prefix as ``<prefix>/openvre.<recid>``, and resolved back to records.

A record's DOI names one version; its concept DOI names the work across versions and resolves to the
newest. The default prefix, 10.5072, is DataCite's test prefix: such DOIs are well formed but not
registered anywhere, which is what a repository on one machine should mint. A deployment that is a
DataCite member sets ``doi_prefix`` to its own.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openvre.repository import records
from openvre.repository._tables import ConceptRow, DepositionRow
from openvre.repository.errors import DOINotFound

DOI_RESOLVER = "https://doi.org/"
_DOI = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)


def mint_doi(prefix: str, recid: int) -> str:
    """The DOI of record (or concept) ``recid``: the same number always gives the same DOI."""
    return f"{prefix}/openvre.{recid}"


def doi_url(doi: str) -> str:
    return DOI_RESOLVER + doi


def normalise_doi(text: str) -> str:
    """The bare DOI from ``10.x/y``, ``doi:10.x/y`` or a doi.org URL; DOIs compare without case."""
    match = _DOI.match(text.strip())
    if match is None:
        raise DOINotFound(f"{text!r} is not a DOI: give it as 10.5072/openvre.12 or https://doi.org/10.5072/...")
    return match.group(1).lower()


def resolve_doi(session: Session, doi: str) -> records.Record:
    """The record a DOI names; a concept DOI gives the newest published version."""
    wanted = normalise_doi(doi)
    recid = session.scalar(select(DepositionRow.recid).where(func.lower(DepositionRow.doi) == wanted))
    if recid is None:
        recid = session.scalar(select(ConceptRow.recid).where(func.lower(ConceptRow.conceptdoi) == wanted))
    if recid is None:
        raise DOINotFound(f"no record here has the DOI {wanted}; check it, or resolve it at {doi_url(wanted)}")
    return records.get_record(session, recid)
