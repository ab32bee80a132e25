"""RSE expressions: the small language rules and users pick storage elements with, as Rucio reads it.

    CERN-PROD_DISK                  one RSE by name (its name is also a tag it carries)
    tier=1&type=DISK                attributes, combined
    (SITE_A|SITE_B)\\SITE_B_TAPE    groups and set difference
    freespace>100                   numeric attributes compared with < or >
    *                               every RSE

The grammar follows ``lib/rucio/core/rse_expression_parser.py`` exactly, including what surprises
people: ``|`` (union), ``&`` (intersection) and ``\\`` (difference) have **no precedence** and apply
strictly left to right, so ``A|B&C`` means ``(A|B)&C``. Spaces are not allowed. An operand is
``*``, ``(expression)``, a bare name, or ``key=value``, ``key<number``, ``key>number``, where

* a bare name is letters and digits joined by single ``_`` or ``-``; it selects every RSE whose
  attribute of that name is true. Each RSE carries its own name as such a tag, which is how a bare
  RSE name selects that RSE;
* a key is letters, digits, ``.``, ``_``, ``-``; a value is letters, digits, ``_``, ``-`` (no ``.``,
  so ``x<1.5`` is a syntax error in Rucio too);
* ``key=value`` compares as text, except that ``true``/``false`` match booleans in any case (and
  ``1``/``0`` match boolean attributes); ``rse=NAME`` always means the RSE called NAME;
* ``key<n`` and ``key>n`` compare as floats and skip RSEs whose value is not a number (a boolean
  attribute counts as 1 or 0, as in Rucio).

RSEs are given as a mapping of name to attributes, e.g. ``{"CERN": {"type": "DISK", "tier": 0}}``.
An expression that selects nothing is an error, as in Rucio.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NoReturn, TypeAlias

from openvre.datalake.errors import InvalidRSEExpression

AttributeValue: TypeAlias = str | bool | int | float
Attributes: TypeAlias = Mapping[str, AttributeValue]
SetOperator: TypeAlias = Literal["|", "&", "\\"]
BoundOperator: TypeAlias = Literal["<", ">"]

EMPTY_RESULT = "RSE Expression resulted in an empty set."
MAX_NESTING = 100

_KEY_CHARACTER = re.compile(r"[A-Za-z0-9._-]")
_VALUE = re.compile(r"[A-Za-z0-9_-]+")
_TAG = re.compile(r"[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)*")
_SET_OPERATORS: dict[str, SetOperator] = {"|": "|", "&": "&", "\\": "\\"}
_BOUND_OPERATORS: dict[str, BoundOperator] = {"<": "<", ">": ">"}


@dataclass(frozen=True)
class AllRSEs:
    """``*``: every RSE."""

    def select(self, rses: Mapping[str, Attributes]) -> set[str]:
        return set(rses)


@dataclass(frozen=True)
class Tag:
    """A bare name: every RSE whose attribute ``name`` is true, including the RSE called ``name``."""

    name: str

    def select(self, rses: Mapping[str, Attributes]) -> set[str]:
        return {rse for rse, attributes in rses.items() if _equals(_attribute(rse, attributes, self.name), "true")}


@dataclass(frozen=True)
class AttributeEquals:
    """``key=value``."""

    key: str
    value: str

    def select(self, rses: Mapping[str, Attributes]) -> set[str]:
        return {rse for rse, attributes in rses.items() if _equals(_attribute(rse, attributes, self.key), self.value)}


@dataclass(frozen=True)
class AttributeBound:
    """``key<bound`` or ``key>bound``, compared as numbers."""

    key: str
    operator: BoundOperator
    bound: float

    def select(self, rses: Mapping[str, Attributes]) -> set[str]:
        selected = set()
        for rse, attributes in rses.items():
            number = _as_number(_attribute(rse, attributes, self.key))
            if number is not None and (number < self.bound if self.operator == "<" else number > self.bound):
                selected.add(rse)
        return selected


@dataclass(frozen=True)
class Chain:
    """``first op operand op operand ...``, applied left to right with no precedence, as Rucio does."""

    first: Expression
    rest: tuple[tuple[SetOperator, Expression], ...]

    def select(self, rses: Mapping[str, Attributes]) -> set[str]:
        selected = self.first.select(rses)
        for operator, operand in self.rest:
            chosen = operand.select(rses)
            if operator == "|":
                selected |= chosen
            elif operator == "&":
                selected &= chosen
            else:
                selected -= chosen
        return selected


Expression: TypeAlias = AllRSEs | Tag | AttributeEquals | AttributeBound | Chain


def parse_expression(text: str) -> Expression:
    """Parse ``text``, or raise :class:`InvalidRSEExpression` saying what is wrong and at which character.

    >>> parse_expression("A|B&type=DISK")
    Chain(first=Tag(name='A'), rest=(('|', Tag(name='B')), ('&', AttributeEquals(key='type', value='DISK'))))
    """
    return _parse_cached(text)


def resolve_rse_expression(text: str, rses: Mapping[str, Attributes]) -> list[str]:
    """The sorted names of the RSEs in ``rses`` that ``text`` selects.

    Raises :class:`InvalidRSEExpression` if ``text`` is malformed or selects no RSE.

    >>> resolve_rse_expression("type=DISK\\\\CERN", {"CERN": {"type": "DISK"}, "BNL": {"type": "DISK"}})
    ['BNL']
    """
    selected = parse_expression(text).select(rses)
    if not selected:
        raise InvalidRSEExpression(EMPTY_RESULT, field="rse_expression")
    return sorted(selected)


@lru_cache(maxsize=1024)
def _parse_cached(text: str) -> Expression:
    return _Parser(text).parse()


def _attribute(rse: str, attributes: Attributes, key: str) -> AttributeValue | None:
    # Rucio gives every RSE two attributes of its own: the ``rse`` column, which ``rse=NAME`` reads and
    # nothing overrides, and a tag named after the RSE (set by add_rse), which an explicit value replaces.
    if key == "rse":
        return rse
    if key == rse:
        return attributes.get(key, True)
    return attributes.get(key)


def _equals(actual: AttributeValue | None, wanted: str) -> bool:
    if actual is None:
        return False
    if isinstance(actual, bool):
        return wanted.lower() in (("true", "1") if actual else ("false", "0"))
    if isinstance(actual, str) and actual.lower() in ("true", "false"):
        # Rucio stores attribute values as text with booleans folded to lowercase.
        return actual.lower() == wanted.lower()
    return str(actual) == wanted


def _as_number(value: AttributeValue | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (ValueError, OverflowError):
        return None


class _Parser:
    """Recursive descent over ``operand (operator operand)*``; nesting only recurses on parentheses."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0
        self.depth = 0

    def parse(self) -> Expression:
        if not self.text:
            raise InvalidRSEExpression(
                "the RSE expression is empty; give an RSE name, an attribute test such as type=DISK, or '*'",
                field="rse_expression",
            )
        expression = self._chain()
        if self.position < len(self.text):
            if self._peek() == ")":
                self._fail("this ')' has no matching '('")
            self._fail("expected '|', '&' or '\\' between two operands")
        return expression

    def _chain(self) -> Expression:
        first = self._operand()
        rest: list[tuple[SetOperator, Expression]] = []
        while (operator := _SET_OPERATORS.get(self._peek())) is not None:
            self.position += 1
            rest.append((operator, self._operand()))
        return Chain(first, tuple(rest)) if rest else first

    def _operand(self) -> Expression:
        if self._peek() != "(":
            return self._primitive()
        opening = self.position
        self.depth += 1
        if self.depth > MAX_NESTING:
            self._fail(f"parentheses are nested more than {MAX_NESTING} deep")
        self.position += 1
        inner = self._chain()
        if self._peek() != ")":
            if self.position >= len(self.text):
                self.position = opening
                self._fail("this '(' is never closed")
            self._fail("expected '|', '&', '\\' or ')'")
        self.position += 1
        self.depth -= 1
        return inner

    def _primitive(self) -> Expression:
        start = self.position
        if self._peek() == "*":
            self.position += 1
            return AllRSEs()
        while self._peek() and _KEY_CHARACTER.fullmatch(self._peek()):
            self.position += 1
        key = self.text[start : self.position]
        if not key:
            self._fail("expected an RSE name, an attribute test such as type=DISK, '*' or '('")
        operator = self._peek()
        if operator not in ("=", *_BOUND_OPERATORS):
            if not _TAG.fullmatch(key):
                self.position = start
                self._fail(
                    f"{key!r} is not an RSE name or tag: use letters and digits joined by single '_' or '-'; "
                    "attribute tests are written key=value"
                )
            return Tag(key)
        self.position += 1
        match = _VALUE.match(self.text, self.position)
        if match is None:
            self._fail(f"'{key}{operator}' needs a value of letters, digits, '_' or '-'")
        self.position = match.end()
        if self._peek() == ".":
            self._fail("attribute values cannot contain '.' (Rucio's syntax has no decimals)")
        if operator == "=":
            return AttributeEquals(key, match.group())
        try:
            bound = float(match.group())
        except ValueError:
            self.position = match.start()
            self._fail(f"{match.group()!r} after '{operator}' is not a number")
        return AttributeBound(key, _BOUND_OPERATORS[operator], bound)

    def _peek(self) -> str:
        return self.text[self.position] if self.position < len(self.text) else ""

    def _fail(self, problem: str) -> NoReturn:
        found = self._peek()
        if not found:
            where = "at the end"
        elif found == " ":
            where = f"at character {self.position + 1} (spaces are not allowed)"
        else:
            where = f"at character {self.position + 1} ({found!r})"
        shown = self.text if len(self.text) <= 120 else f"{self.text[:120]}..."
        raise InvalidRSEExpression(f"{problem}, {where} of RSE expression {shown!r}", field="rse_expression")
