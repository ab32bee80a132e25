"""DID search filters: Rucio's ``filters`` query value and its command-line syntax, parsed and typed.

A search is a list of groups; groups are ORed, the criteria inside a group ANDed. A key may carry an
operator suffix (``length.gt``); ``type`` inside a group picks the DID types for that group only.

>>> groups = parse_filters("[{'type': 'all', 'name': 'run*', 'length.gt': '0'}]")
>>> groups[0].did_type, [(c.key, c.operator.name, c.value) for c in groups[0].criteria]
('all', [('name', 'EQ', 'run*'), ('length', 'GT', 0)])
>>> parse_filter_string("type=all,1<length<5;project=demo")
[{'type': 'all', 'length.gt': '1', 'length.lt': '5'}, {'project': 'demo'}]

Values arrive as strings from the CLI, so they are coerced as Rucio does: ``true``/``false`` become
booleans, numbers become numbers, dates in Rucio's formats become datetimes. Keys that are DID columns
(:data:`DID_COLUMNS`) must have a value of the column's kind; any other key is a metadata key.
Every mistake raises :class:`InvalidObject` naming the group, the key and what would be accepted.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal, get_args

from openvre.datalake._keys import RESERVED_KEYS, canonical_text, parse_number, validate_metadata_key
from openvre.datalake.errors import InvalidObject, UnsupportedOperation

SearchType = Literal["all", "collection", "dataset", "container", "file"]
SEARCH_TYPES: tuple[SearchType, ...] = get_args(SearchType)

FilterValue = bool | int | float | str | datetime
ColumnKind = Literal["text", "integer", "boolean", "date"]

DID_COLUMNS: dict[str, ColumnKind] = {
    "name": "text",
    "account": "text",
    "adler32": "text",
    "md5": "text",
    "guid": "text",
    "bytes": "integer",
    "length": "integer",
    "is_open": "boolean",
    "created_at": "date",
    "updated_at": "date",
    "closed_at": "date",
    "expired_at": "date",
}
"""The DID columns a search can use, and the kind of value each compares with."""

DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%fZ",
    "%Y-%m-%dT%H:%M:%S.%fZ",
    "%a, %d %b %Y %H:%M:%S UTC",
)
"""The date forms Rucio's filter engine understands; all are read as UTC."""

MAX_FILTERS_LENGTH = 10_000


class Operator(StrEnum):
    """A comparison, named by the key suffix that asks for it (``length.gte``); no suffix is ``EQ``."""

    EQ = ""
    NE = "ne"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"


_ALIASES = {"created_after": ("created_at", Operator.GTE), "created_before": ("created_at", Operator.LTE)}
_SUFFIXES = ", ".join(f".{op.value}" for op in Operator if op.value)


@dataclass(frozen=True)
class Criterion:
    """One comparison: ``key`` (a DID column or a metadata key), ``operator``, and the coerced value.

    ``text`` is the value as text, the form metadata values are compared in when not numbers.
    """

    key: str
    operator: Operator
    value: FilterValue
    text: str

    @property
    def pattern(self) -> str | None:
        """The wildcard pattern, ``*`` (or Rucio's ``%``) matching any run of characters; None for a plain value."""
        if isinstance(self.value, str) and ("*" in self.value or "%" in self.value):
            return self.value.replace("%", "*")
        return None


@dataclass(frozen=True)
class FilterGroup:
    """Criteria that must all hold; ``did_type`` replaces the search's type for this group when set."""

    criteria: tuple[Criterion, ...] = ()
    did_type: SearchType | None = None


def parse_filters(raw: str) -> list[FilterGroup]:
    """Parse the ``filters`` query value: a Python literal (what the client sends) or JSON."""
    if len(raw) > MAX_FILTERS_LENGTH:
        raise InvalidObject(f"filters are {len(raw)} characters long, at most {MAX_FILTERS_LENGTH} are accepted")
    try:
        value = ast.literal_eval(raw)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            raise InvalidObject(
                f"filters {raw[:80]!r} are neither a Python literal nor JSON; "
                "send a list of dicts such as [{'name': 'run*', 'length.gt': 0}]",
                field="filters",
            ) from None
    return filter_groups(value)


def filter_groups(groups: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> list[FilterGroup]:
    """Type a list of filter dicts (a single dict is one group), coercing values and checking keys."""
    if isinstance(groups, Mapping):
        groups = [groups]
    if not isinstance(groups, (list, tuple)) or not all(isinstance(group, Mapping) for group in groups):
        raise InvalidObject(
            f"filters must be a list of dicts such as [{{'name': 'run*'}}], not {type(groups).__name__}",
            field="filters",
        )
    return [_group(group, number) for number, group in enumerate(groups, start=1)]


def search_type(value: Any) -> SearchType:
    """``value`` as a search type; Rucio answers an unknown one with ``UnsupportedOperation``."""
    lowered = value.lower() if isinstance(value, str) else value
    for known in SEARCH_TYPES:
        if lowered == known:
            return known
    raise UnsupportedOperation(f"{value!r} is not a valid type; valid types are {', '.join(SEARCH_TYPES)}")


def parse_filter_string(text: str) -> list[dict[str, str]]:
    """Parse the CLI filter syntax into filter dicts, as ``rucio did list --filter`` does.

    ``,`` separates criteria (AND), ``;`` separates groups (OR); operators are ``= == != < > <= >=``,
    and ``1<length<5`` compares one key on both sides. The values stay text, ready to send to any
    Rucio server; :func:`filter_groups` types them.
    """
    groups = []
    for group_text in filter(None, (part.strip() for part in text.split(";"))):
        group: dict[str, str] = {}
        for criterion in filter(None, (part.strip() for part in group_text.split(","))):
            for key, value in _split_criterion(criterion):
                if key in group:
                    raise InvalidObject(f"filter {criterion!r} repeats {key!r}; give each comparison once per group")
                group[key] = value
        groups.append(group)
    return groups


_CLI_OPERATORS = {"<=": Operator.LTE, ">=": Operator.GTE, "==": Operator.EQ, "!=": Operator.NE}
_CLI_OPERATORS |= {">": Operator.GT, "<": Operator.LT, "=": Operator.EQ}
_CLI_TOKENS = re.compile("(" + "|".join(re.escape(op) for op in _CLI_OPERATORS) + ")")
_MIRRORED = {Operator.LT: Operator.GT, Operator.LTE: Operator.GTE, Operator.GT: Operator.LT, Operator.GTE: Operator.LTE}


def _split_criterion(criterion: str) -> list[tuple[str, str]]:
    tokens = [token.strip() for token in _CLI_TOKENS.split(criterion)]
    if len(tokens) == 3 and tokens[0] and tokens[2]:
        key, operator, value = tokens
        return [(_suffixed(key, _CLI_OPERATORS[operator]), value)]
    if len(tokens) == 5 and all(tokens[::2]):
        low, left, key, right, high = tokens
        first, second = _MIRRORED.get(_CLI_OPERATORS[left]), _CLI_OPERATORS[right]
        if first is not None and second in _MIRRORED:
            return [(_suffixed(key, first), low), (_suffixed(key, second), high)]
    raise InvalidObject(
        f"cannot read filter {criterion!r}: write key=value, key!=value, key>value (also <, <=, >=) "
        "or a range such as 1<length<5",
        field="filters",
    )


def _suffixed(key: str, operator: Operator) -> str:
    return f"{key}.{operator.value}" if operator.value else key


def _group(raw: Mapping[str, Any], number: int) -> FilterGroup:
    criteria: dict[tuple[str, Operator], Criterion] = {}
    did_type: SearchType | None = None
    for raw_key, value in raw.items():
        if raw_key == "type":
            did_type = search_type(value)
            continue
        key, operator = _split_key(raw_key, number)
        if (key, operator) in criteria:
            raise InvalidObject(f"filter group {number} compares {key!r} with {operator.name} twice", field="filters")
        criterion = _criterion(key, operator, value, number)
        if criterion is not None:
            criteria[key, operator] = criterion
    return FilterGroup(tuple(criteria.values()), did_type)


def _split_key(raw_key: Any, number: int) -> tuple[str, Operator]:
    if not isinstance(raw_key, str):
        raise InvalidObject(f"filter group {number} has the key {raw_key!r}; keys are text", field="filters")
    if raw_key in _ALIASES:
        return _ALIASES[raw_key]
    key, _, suffix = raw_key.partition(".")
    operator = next((op for op in Operator if op.value == suffix), None)
    if operator is None or (suffix == "" and "." in raw_key):
        raise InvalidObject(
            f"filter key {raw_key!r} in group {number} has an unknown operator; use one of {_SUFFIXES} or none",
            field="filters",
        )
    if key == "type":
        raise InvalidObject("'type' can only be compared with '=' (e.g. type=all)", field="filters")
    if key not in DID_COLUMNS and (key in RESERVED_KEYS or key in _ALIASES):
        raise InvalidObject(
            f"cannot search on {key!r}; search on {', '.join(DID_COLUMNS)}, created_after, created_before "
            "or a metadata key",
            field="filters",
        )
    if key not in DID_COLUMNS:
        validate_metadata_key(key)
    return key, operator


def _criterion(key: str, operator: Operator, value: Any, number: int) -> Criterion | None:
    kind = DID_COLUMNS.get(key)
    if isinstance(value, str) and value in ("*", "%"):
        return None  # matches anything: no constraint, as in Rucio
    if isinstance(value, str) and ("*" in value or "%" in value):
        if operator not in (Operator.EQ, Operator.NE) or kind not in (None, "text"):
            raise InvalidObject(
                f"wildcards only work with '=' or '!=' on text keys; group {number} has {key!r} {value!r}",
                field="filters",
            )
        return Criterion(key, operator, value, value)
    if key == "name" and operator not in (Operator.EQ, Operator.NE):
        raise InvalidObject(
            "a name can only be compared with '=' or '!='; use name=prefix* for ranges", field="filters"
        )
    coerced = _coerce_column(key, kind, value) if kind is not None else coerce_value(value)
    if coerced is None:
        raise InvalidObject(
            f"filter value {value!r} for {key!r} in group {number} is not usable: {_EXPECTED[kind or 'metadata']}",
            field="filters",
        )
    text = value if isinstance(value, str) and not isinstance(coerced, bool) else _text(coerced)
    return Criterion(key, operator, coerced, text)


_EXPECTED = {
    "text": "give text",
    "integer": "give a whole number",
    "boolean": "give true or false",
    "date": "give a date such as '2026-11-21 23:17:41', '2026-11-21T23:17:41' or 'Sat, 21 Nov 2026 23:17:41 UTC'",
    "metadata": "give text, a number, true/false or a date",
}


def coerce_value(value: Any) -> FilterValue | None:
    """A metadata filter value as Rucio reads it: booleans, dates and numbers from their text; None if unusable."""
    if isinstance(value, str):
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        date = _parse_date(value)
        if date is not None:
            return date
        number = parse_number(value)
        return value if number is None else number
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (bool, int)) or (isinstance(value, float) and math.isfinite(value)):
        return value
    return None


def _coerce_column(key: str, kind: ColumnKind, value: Any) -> FilterValue | None:
    coerced = coerce_value(value)
    if kind == "text":
        return value if isinstance(value, str) else None
    if kind == "integer":
        return coerced if isinstance(coerced, int) and not isinstance(coerced, bool) else None
    if kind == "boolean":
        return coerced if isinstance(coerced, bool) else None
    return coerced if isinstance(coerced, datetime) else None


def _parse_date(text: str) -> datetime | None:
    for form in DATE_FORMATS:
        try:
            return datetime.strptime(text, form).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _text(value: FilterValue) -> str:
    return value.isoformat() if isinstance(value, datetime) else canonical_text(value)
