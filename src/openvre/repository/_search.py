"""Record search: a small query language over the search columns, filters, sorts and pages.

The query ``q`` is a list of terms that must all match (Zenodo's default operator):

- a word or ``"a phrase"`` matches the title, keywords, creators or description;
- ``-word`` excludes records matching it;
- ``field:value`` matches one field: ``title``, ``description``, ``creators.name``, ``keywords``,
  ``doi``, ``conceptdoi``, ``recid``, ``conceptrecid``, ``type``, ``access_right``, ``communities``;
- ``*`` (or nothing) matches everything.

``bestmatch`` ranks a term found in the title above one in the keywords, creators, then description.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, not_, or_, select
from sqlalchemy.orm import Session

from openvre.repository._tables import (
    CommunityRow,
    ConceptRow,
    DepositionRow,
    FileRow,
    InclusionRequestRow,
    KeywordRow,
)
from openvre.repository.errors import InvalidQuery

MAX_PAGE_SIZE = 100
_TOKEN = re.compile(r'(-)?(?:([A-Za-z_][\w.]*):)?(?:"([^"]*)"|(\S+))')
_TEXT_COLUMNS = (  # column, weight for bestmatch
    (DepositionRow.search_title, 4),
    (DepositionRow.search_keywords, 3),
    (DepositionRow.search_creators, 2),
    (DepositionRow.search_description, 1),
)
_SORTS: dict[str, tuple[Any, bool]] = {  # name -> (expression or None for the score, descending by default)
    "bestmatch": (None, True),
    "mostrecent": (DepositionRow.published_at, True),
    "newest": (DepositionRow.published_at, True),
    "oldest": (DepositionRow.published_at, False),
    "publication_date": (DepositionRow.publication_date, False),
    "publication-desc": (DepositionRow.publication_date, True),
    "publication-asc": (DepositionRow.publication_date, False),
    "updated": (DepositionRow.updated_at, True),
    "updated-desc": (DepositionRow.updated_at, True),
    "updated-asc": (DepositionRow.updated_at, False),
    "title": (DepositionRow.search_title, False),
    "version": (DepositionRow.version_index, True),
}


@dataclass(frozen=True)
class RecordQuery:
    """What ``GET /api/records`` asks: the query, filters (any of the values matches), sort and page."""

    q: str = ""
    communities: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    subtypes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    file_types: tuple[str, ...] = ()
    sort: str | None = None  # bestmatch when there is a query, else mostrecent
    page: int = 1
    size: int = 10
    all_versions: bool = False


def run(session: Session, query: RecordQuery) -> tuple[list[DepositionRow], int, dict[str, dict[str, int]]]:
    """One page of matching rows, the number of matches, and facet counts over all matches."""
    if query.page < 1:
        raise InvalidQuery(f"page must be 1 or more, not {query.page}", field="page")
    if not 1 <= query.size <= MAX_PAGE_SIZE:
        raise InvalidQuery(f"size must be between 1 and {MAX_PAGE_SIZE}, not {query.size}", field="size")
    words, conditions = parse_query(query.q)
    conditions += _filters(query)
    matching = select(DepositionRow).where(*conditions)
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    ordered = matching.order_by(*_order(query.sort or ("bestmatch" if words else "mostrecent"), words))
    rows = list(session.scalars(ordered.offset((query.page - 1) * query.size).limit(query.size)))
    aggregations = {
        "type": _facet(session, DepositionRow.upload_type, conditions),
        "access_right": _facet(session, DepositionRow.access_right, conditions),
    }
    return rows, total, aggregations


def parse_query(q: str) -> tuple[list[str], list[ColumnElement[bool]]]:
    """The free words (for ranking) and the SQL conditions of a query string."""
    words: list[str] = []
    conditions: list[ColumnElement[bool]] = []
    for match in _TOKEN.finditer(q.strip()):
        negated, field, phrase, word = match.groups()
        value = (phrase if phrase is not None else word).strip()
        if field is None and value in ("AND", "*", ""):
            continue
        if field is None and value in ("OR", "NOT"):
            raise InvalidQuery(f"{value} is not supported: every term must match; use -word to exclude", field="q")
        condition = _free_text(value) if field is None else _field_condition(field, value)
        if field is None and not negated:
            words.append(value.lower())
        conditions.append(not_(condition) if negated else condition)
    return words, conditions


def _free_text(value: str) -> ColumnElement[bool]:
    pattern = _like(value)
    return or_(*(column.like(pattern, escape="\\") for column, _weight in _TEXT_COLUMNS))


def _field_condition(field: str, value: str) -> ColumnElement[bool]:
    builder = _FIELDS.get(field.lower())
    if builder is None:
        raise InvalidQuery(
            f"cannot search the field {field!r}: use one of {', '.join(sorted(_FIELDS))}, or search all text", field="q"
        )
    return builder(value)


def _number(field: str) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not value.isdigit():
            raise InvalidQuery(f"{field}:{value} needs a number, e.g. {field}:12", field="q")
        return int(value)

    return parse


def _in_community(slugs: list[str]) -> ColumnElement[bool]:
    return exists().where(
        InclusionRequestRow.concept_recid == DepositionRow.concept_recid,
        InclusionRequestRow.status == "accepted",
        InclusionRequestRow.community_id == CommunityRow.id,
        func.lower(CommunityRow.slug).in_([slug.lower() for slug in slugs]),
    )


_FIELDS: dict[str, Callable[[str], ColumnElement[bool]]] = {
    "title": lambda v: DepositionRow.search_title.like(_like(v), escape="\\"),
    "description": lambda v: DepositionRow.search_description.like(_like(v), escape="\\"),
    "creators.name": lambda v: DepositionRow.search_creators.like(_like(v), escape="\\"),
    "creators": lambda v: DepositionRow.search_creators.like(_like(v), escape="\\"),
    "keywords": lambda v: DepositionRow.search_keywords.like(_like(v), escape="\\"),
    "doi": lambda v: func.lower(DepositionRow.doi) == v.lower(),
    "conceptdoi": lambda v: exists().where(
        ConceptRow.recid == DepositionRow.concept_recid, func.lower(ConceptRow.conceptdoi) == v.lower()
    ),
    "recid": lambda v: DepositionRow.recid == _number("recid")(v),
    "id": lambda v: DepositionRow.recid == _number("id")(v),
    "conceptrecid": lambda v: DepositionRow.concept_recid == _number("conceptrecid")(v),
    "type": lambda v: DepositionRow.upload_type == v.lower(),
    "resource_type.type": lambda v: DepositionRow.upload_type == v.lower(),
    "access_right": lambda v: DepositionRow.access_right == v.lower(),
    "communities": lambda v: _in_community([v]),
}


def _filters(query: RecordQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [DepositionRow.state == "published"]
    if not query.all_versions:
        conditions.append(DepositionRow.is_latest.is_(True))
    if query.types:
        conditions.append(DepositionRow.upload_type.in_([value.lower() for value in query.types]))
    if query.subtypes:
        conditions.append(DepositionRow.subtype.in_([value.lower() for value in query.subtypes]))
    if query.keywords:
        conditions.append(or_(*(_keyword(value) for value in query.keywords)))
    if query.communities:
        conditions.append(_in_community(list(query.communities)))
    if query.file_types:
        extensions = [f"%.{value.lower().lstrip('.')}" for value in query.file_types]
        conditions.append(
            exists().where(
                FileRow.bucket_id == DepositionRow.bucket_id,
                or_(*(func.lower(FileRow.key).like(e) for e in extensions)),
            )
        )
    return conditions


def _keyword(value: str) -> ColumnElement[bool]:
    return exists().where(KeywordRow.recid == DepositionRow.recid, KeywordRow.keyword == value.lower())


def _order(sort: str, words: list[str]) -> list[Any]:
    descending_prefix = sort.startswith("-")
    name = sort.removeprefix("-")
    if name not in _SORTS:
        raise InvalidQuery(
            f"cannot sort by {sort!r}: use one of {', '.join(_SORTS)}, '-' first to reverse", field="sort"
        )
    expression, descending = _SORTS[name]
    if expression is None:
        expression = _score(words)
    if descending_prefix:
        descending = not descending
    primary = expression.desc() if descending else expression.asc()
    return [primary, DepositionRow.recid.desc()]


def _score(words: list[str]) -> Any:
    if not words:
        return literal(0)
    parts = [
        case((column.like(_like(word), escape="\\"), weight), else_=0)
        for word in words
        for column, weight in _TEXT_COLUMNS
    ]
    total: Any = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def _facet(session: Session, column: Any, conditions: list[ColumnElement[bool]]) -> dict[str, int]:
    counts = session.execute(
        select(column, func.count()).where(and_(*conditions), column.is_not(None)).group_by(column).order_by(column)
    ).tuples()
    return {str(value): int(count) for value, count in counts}


def _like(value: str) -> str:
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
