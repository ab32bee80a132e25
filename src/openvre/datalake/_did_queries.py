"""SQL for the catalog: walking attachments, and turning typed search filters into a WHERE clause.

Kept apart from :mod:`openvre.datalake.dids` so that module reads as the catalog's rules; this one
is how the database answers them, the same on SQLite and PostgreSQL:

* attachments are walked with recursive CTEs (``UNION``, so a row is visited once);
* wildcard matches are case-sensitive on both: ``GLOB`` on SQLite, whose ``LIKE`` ignores case,
  and ``LIKE`` on PostgreSQL, whose ``LIKE`` does not;
* text is compared byte by byte (``COLLATE "C"`` on PostgreSQL, SQLite's default elsewhere).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    case,
    cast,
    exists,
    func,
    not_,
    null,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from openvre.datalake._tables import AttachmentRow, DidMetaRow, DidRow
from openvre.datalake.filters import DID_COLUMNS, Criterion, FilterGroup, Operator, SearchType
from openvre.datalake.names import LIKE_ESCAPE, wildcard_to_like

Ids = Select[tuple[int]] | list[int]

TYPES: dict[SearchType, tuple[str, ...]] = {
    "all": ("CONTAINER", "DATASET", "FILE"),
    "collection": ("CONTAINER", "DATASET"),
    "container": ("CONTAINER",),
    "dataset": ("DATASET",),
    "file": ("FILE",),
}

_COMPARE: dict[Operator, Callable[[Any, Any], Any]] = {
    Operator.EQ: operator.eq,
    Operator.NE: operator.eq,  # negated around the whole test, so a missing value counts as "not equal"
    Operator.GT: operator.gt,
    Operator.GTE: operator.ge,
    Operator.LT: operator.lt,
    Operator.LTE: operator.le,
}


def reach(roots: Ids) -> CTE:
    """``(root_id, did_id)`` for every DID below each collection in ``roots``, at any depth."""
    top = (
        select(AttachmentRow.parent_id.label("root_id"), AttachmentRow.child_id.label("did_id"))
        .where(AttachmentRow.parent_id.in_(roots))
        .cte(recursive=True)
    )
    deeper = select(top.c.root_id, AttachmentRow.child_id).join(AttachmentRow, AttachmentRow.parent_id == top.c.did_id)
    return top.union(deeper)


def descendants(roots: Ids) -> Select[tuple[int]]:
    """The ids of every DID below the collections ``roots``."""
    below = reach(roots)
    return select(below.c.did_id)


def ancestor_ids(session: Session, did_id: int) -> list[int]:
    """The ids of every collection ``did_id`` sits in, directly or not."""
    top = (
        select(AttachmentRow.parent_id.label("did_id"))
        .where(AttachmentRow.child_id == did_id)
        .cte("ancestors", recursive=True)
    )
    higher = select(AttachmentRow.parent_id).join(top, AttachmentRow.child_id == top.c.did_id)
    return list(session.scalars(select(top.union(higher).c.did_id)))


def sizes(roots: Ids) -> Any:
    """Per collection in ``roots``: how many distinct files are below it and their total bytes."""
    below = reach(roots)
    files = aliased(DidRow)
    return (
        select(
            below.c.root_id,
            func.count().label("length"),
            cast(func.sum(files.bytes), BigInteger).label("bytes"),
        )
        .join(files, files.id == below.c.did_id)
        .where(files.did_type == "FILE")
        .group_by(below.c.root_id)
        .subquery("sizes")
    )


def columns(sizes: Any | None) -> dict[str, SQLColumnExpression[Any]]:
    """Searchable DID columns, read as :class:`Did` shows them; without ``sizes``, no ``length``/``bytes``."""
    is_file = DidRow.did_type == "FILE"
    columns: dict[str, SQLColumnExpression[Any]] = {
        "name": DidRow.name,
        "account": DidRow.account,
        "adler32": DidRow.adler32,
        "md5": DidRow.md5,
        "guid": DidRow.guid,
        "is_open": case((is_file, null()), else_=DidRow.is_open),
        "created_at": DidRow.created_at,
        "updated_at": DidRow.updated_at,
        "closed_at": DidRow.closed_at,
        "expired_at": DidRow.expired_at,
    }
    if sizes is not None:
        columns["bytes"] = case((is_file, DidRow.bytes), else_=func.coalesce(sizes.c.bytes, 0))
        columns["length"] = case((is_file, null()), else_=func.coalesce(sizes.c.length, 0))
    return columns


def uses_sizes(groups: Sequence[FilterGroup]) -> bool:
    """Whether any criterion needs computed collection sizes, which cost a walk of the content."""
    return any(c.key in ("length", "bytes") for group in groups for c in group.criteria)


def condition(
    groups: Sequence[FilterGroup],
    default_type: SearchType,
    columns: Mapping[str, SQLColumnExpression[Any]],
    dialect: str,
    *,
    ignore_name: bool = False,
) -> ColumnElement[bool]:
    """OR of the groups, each the AND of its criteria and its DID types; ``columns`` maps DID column keys."""
    alternatives = []
    for group in groups:
        tests: list[ColumnElement[bool]] = [DidRow.did_type.in_(TYPES[group.did_type or default_type])]
        for criterion in group.criteria:
            if ignore_name and criterion.key == "name":
                continue
            if criterion.key in DID_COLUMNS:
                tests.append(_column_test(criterion, columns[criterion.key], dialect))
            else:
                tests.append(_metadata_test(criterion, dialect))
        alternatives.append(and_(*tests))
    return or_(*alternatives)


def _column_test(criterion: Criterion, column: SQLColumnExpression[Any], dialect: str) -> ColumnElement[bool]:
    pattern = criterion.pattern
    if pattern is not None:
        test = matches(column, pattern, dialect)
    else:
        compared = _bytewise(column, dialect) if isinstance(criterion.value, str) else column
        test = _COMPARE[criterion.operator](compared, criterion.value)
    if criterion.operator == Operator.NE:
        return or_(not_(test), column.is_(None))  # as Rucio: "not equal" includes DIDs without a value
    return test


def _metadata_test(criterion: Criterion, dialect: str) -> ColumnElement[bool]:
    value, pattern = criterion.value, criterion.pattern
    if pattern is not None:
        test = matches(DidMetaRow.text_value, pattern, dialect)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        test = _COMPARE[criterion.operator](DidMetaRow.number_value, float(value))
    else:
        test = _COMPARE[criterion.operator](_bytewise(DidMetaRow.text_value, dialect), criterion.text)
    found = exists().where(DidMetaRow.did_id == DidRow.id, DidMetaRow.key == criterion.key, test)
    return not_(found) if criterion.operator == Operator.NE else found


def matches(column: SQLColumnExpression[Any], pattern: str, dialect: str) -> ColumnElement[bool]:
    """``column`` matches ``pattern`` (``*`` = any run of characters), case-sensitively on every database."""
    test: ColumnElement[bool]
    if dialect == "sqlite":
        test = column.op("GLOB", is_comparison=True)(_glob(pattern))
    else:
        test = column.like(wildcard_to_like(pattern), escape=LIKE_ESCAPE)
    return test


def _glob(pattern: str) -> str:
    # In GLOB, '?' and '[' are special too; a one-character class makes each literal.
    return "".join(f"[{character}]" if character in "?[" else character for character in pattern)


def _bytewise(column: SQLColumnExpression[Any], dialect: str) -> SQLColumnExpression[Any]:
    return column.collate("C") if dialect == "postgresql" else column
