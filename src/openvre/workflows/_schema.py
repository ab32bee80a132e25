"""Check a document against the reana.yaml models with the rules of REANA's JSON schema.

The pydantic models in :mod:`openvre.workflows.spec` are openvre's one description of reana.yaml; this
walker reads them and judges a document the way reana-commons 0.9.11 judges it with its JSON schema
(``reana_analysis_schema.json``, draft 7), so both reach the same verdict:

* a field is a declared key and a field without a default is required. ``X | None = None`` means the
  key may be absent, not that it may be empty: ``files:`` with nothing after it is null, which REANA refuses;
* ``str``, ``bool``, ``int`` (a whole number: ``3.0`` counts, ``true`` does not), ``Any``, ``list[X]``,
  ``dict[str, X]``, ``Literal[...]`` (an enum), a model (a mapping), and a union of models told apart by
  ``Field(discriminator=...)``: the first member applies when the tag is absent (REANA's ``if`` on
  ``workflow.type`` then holds vacuously) and the last when the tag is unknown (REANA's ``else``);
* ``MinLen``/``MaxLen`` (minItems, minProperties, minLength, maxLength), ``Ge`` (minimum) and the
  markers below;
* a key no field declares is a warning, as REANA turns ``additionalProperties`` errors into warnings;
  every other problem is an error.
"""

from __future__ import annotations

import difflib
import functools
import re
import types
from dataclasses import dataclass, replace
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from annotated_types import Ge, MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from openvre.workflows._problems import Findings, Key, KeyPath, Lines, dotted


@dataclass(frozen=True)
class Unique:
    """The list may not hold the same entry twice (JSON schema ``uniqueItems``)."""


@dataclass(frozen=True)
class Matches:
    """The text must match ``pattern``, which ``rule`` says in words for the user.

    Tested with ``re.search`` as REANA's jsonschema does, so ``$`` also matches before a final newline.
    """

    pattern: str
    rule: str


@dataclass(frozen=True)
class Extension:
    """Marks a key openvre reads that REANA 0.9.11's schema does not declare.

    REANA warns about such a key as unexpected, and so do we (``note`` says who does know it), so a spec
    gets the same verdict from both. Its value is still checked; if openvre cannot use it, those problems
    are warnings too and the key is left out of the typed spec (see ``Findings.unusable``).
    """

    note: str


class NeedsOneOf:
    """Mixin for a model that needs at least one of ``needs_one_of`` (a JSON schema ``anyOf`` of ``required``)."""

    needs_one_of: ClassVar[tuple[str, ...]] = ()
    needs_one_of_fix: ClassVar[str] = ""


def check_document(document: object, model: type[BaseModel], lines: Lines) -> Findings:
    """Every schema error and unexpected key of ``document`` against ``model``, in document order."""
    findings = Findings(lines=lines)
    _Walker(findings, model).value(document, model, [], ())
    return findings


class _Walker:
    def __init__(self, findings: Findings, root: type[BaseModel]) -> None:
        self.findings = findings
        self.root = root

    def value(
        self, value: object, annotation: object, metadata: list[object], path: KeyPath, tag: str | None = None
    ) -> None:
        annotation, metadata = _unwrap(annotation, metadata)
        origin = get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            self.model(value, annotation, path)
        elif origin in (Union, types.UnionType):
            assert tag is not None, "a union of models needs Field(discriminator=...)"
            self.tagged_union(value, get_args(annotation), tag, path)
        elif not _is_a(value, annotation):
            self.findings.error(path, _type_message(path, value, annotation), _type_fix(path, value, annotation))
            return
        elif origin is list:
            for index, item in enumerate(_as_list(value)):
                self.value(item, get_args(annotation)[0], [], (*path, index))
        elif origin is dict:
            for key, item in _as_dict(value).items():
                self.value(item, get_args(annotation)[1], [], (*path, _key(key)))
        self.constraints(value, metadata, path)

    def model(self, value: object, model: type[BaseModel], path: KeyPath, skip: str | None = None) -> None:
        if not isinstance(value, dict):
            self.findings.error(path, _type_message(path, value, model), _type_fix(path, value, model))
            return
        fields = _fields_by_key(model)
        for key, item in value.items():
            if key == skip:
                continue
            field = fields.get(key) if isinstance(key, str) else None
            if field is None:
                self.unexpected(key, (*path, _key(key)), model)
            elif (extension := _extension(field)) is not None:
                self.extension(item, field, extension, (*path, key))
            else:
                self.value(item, field.annotation, list(field.metadata), (*path, key), _tag(field))
        for key, field in fields.items():
            if field.is_required() and key not in value:
                where = f"`{dotted(path)}`" if path else "the file"
                self.findings.error((*path, key), f"{where} has no `{key}`", _add_fix(key, field))
        if issubclass(model, NeedsOneOf) and not any(key in value for key in model.needs_one_of):
            wanted = " or ".join(f"`{key}`" for key in model.needs_one_of)
            self.findings.error(path, f"`{dotted(path)}` needs {wanted}", model.needs_one_of_fix)

    def tagged_union(self, value: object, members: tuple[Any, ...], tag: str, path: KeyPath) -> None:
        models = [member for member in members if member is not type(None)]
        if not isinstance(value, dict) or tag not in value:
            self.model(value, models[0], path)
            return
        chosen = next((model for model in models if value[tag] in _choices(model, tag)), None)
        if chosen is None:
            choices = [choice for model in models for choice in _choices(model, tag)]
            self.findings.error((*path, tag), _enum_message((*path, tag), value[tag], choices), _enum_fix(choices))
            self.model(value, models[-1], path, skip=tag)
        else:
            self.model(value, chosen, path)

    def constraints(self, value: object, metadata: list[object], path: KeyPath) -> None:
        where = f"`{dotted(path)}`"
        for rule in metadata:
            if isinstance(rule, MinLen) and _size(value) < rule.min_length:
                self.findings.error(path, f"{where} is empty", _minimum_fix(value, rule.min_length))
            elif isinstance(rule, MaxLen) and _size(value) > rule.max_length:
                self.findings.error(path, f"{where} is longer than {rule.max_length}", "shorten it")
            elif isinstance(rule, Ge) and _below(value, rule.ge):
                self.findings.error(path, f"{where} is {value}, below {rule.ge}", f"use {rule.ge} or more")
            elif isinstance(rule, Unique) and (twice := _repeated(value)) is not None:
                self.findings.error(path, f"{where} lists {twice!r} more than once", "remove the repeated entry")
            elif isinstance(rule, Matches) and isinstance(value, str) and not re.search(rule.pattern, value):
                self.findings.error(path, f"{where} is {value!r}, which is not {rule.rule}", f"use {rule.rule}")

    def unexpected(self, key: object, path: KeyPath, model: type[BaseModel]) -> None:
        where = dotted(path[:-1]) or "the top level"
        known = list(_fields_by_key(model))
        hints = []
        if isinstance(key, str):
            homes = [home for home in _homes(self.root).get(key, ()) if home != _pattern(path[:-1])]
            if homes:
                hints.append(f"`{key}` belongs in {' or '.join(homes)}")
            hints += [f"did you mean `{close}`?" for close in difflib.get_close_matches(key, known, n=1, cutoff=0.75)]
        hints.append(f"remove it or check its spelling; {where} takes: {', '.join(known)}")
        message = f"unexpected key `{key}` in {where}; REANA ignores it"
        self.findings.warn(path, message, "; ".join(hints), check="unexpected-key")

    def extension(self, value: object, field: FieldInfo, extension: Extension, path: KeyPath) -> None:
        message = f"`{path[-1]}` in {dotted(path[:-1]) or 'the top level'} is not in REANA 0.9.11's schema"
        self.findings.warn(
            path, message, f"{extension.note}: keep it, or remove it to silence this warning", check="unexpected-key"
        )
        inner = Findings(lines=self.findings.lines)
        _Walker(inner, self.root).value(value, field.annotation, list(field.metadata), path, _tag(field))
        # REANA 0.9.11 does not look inside: what openvre finds there are warnings of openvre's own schema.
        self.findings.warnings.extend(replace(problem, check="schema") for problem in inner.warnings + inner.errors)
        if inner.errors:
            self.findings.unusable.append(path)


# -- reading the models ----------------------------------------------------------------------------


def _unwrap(annotation: object, metadata: list[object]) -> tuple[object, list[object]]:
    """Strip ``Annotated`` (keeping its metadata) and ``| None`` (absence is handled by the parent)."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            base, *more = get_args(annotation)
            annotation, metadata = base, [*metadata, *more]
        elif (
            origin in (Union, types.UnionType) and len(get_args(annotation)) == 2 and type(None) in get_args(annotation)
        ):
            annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
        else:
            return annotation, metadata


@functools.cache
def _fields_by_key(model: type[BaseModel]) -> dict[str, FieldInfo]:
    return {field.alias or name: field for name, field in model.model_fields.items()}


def _tag(field: FieldInfo) -> str | None:
    return field.discriminator if isinstance(field.discriminator, str) else None


def _extension(field: FieldInfo) -> Extension | None:
    return next((item for item in field.metadata if isinstance(item, Extension)), None)


def _choices(model: type[BaseModel], tag: str) -> tuple[object, ...]:
    annotation, _ = _unwrap(_fields_by_key(model)[tag].annotation, [])
    return get_args(annotation)


@functools.cache
def _homes(root: type[BaseModel]) -> dict[str, tuple[str, ...]]:
    """Where each key of the schema may appear (``steps.N`` for list items), to tell the user where a key belongs."""
    homes: dict[str, list[str]] = {}

    def visit(model: type[BaseModel], where: str) -> None:
        for key, field in _fields_by_key(model).items():
            homes.setdefault(key, []).append(where or "the top level")
            for nested, suffix in _nested_models(field.annotation):
                visit(nested, f"{where}.{key}{suffix}".lstrip("."))

    visit(root, "")
    return {key: tuple(dict.fromkeys(places)) for key, places in homes.items()}


def _nested_models(annotation: object) -> list[tuple[type[BaseModel], str]]:
    annotation, _ = _unwrap(annotation, [])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [(annotation, "")]
    if get_origin(annotation) in (Union, types.UnionType):
        return [found for member in get_args(annotation) for found in _nested_models(member)]
    if get_origin(annotation) is list:
        return [(model, f".N{suffix}") for model, suffix in _nested_models(get_args(annotation)[0])]
    return []


def _pattern(path: KeyPath) -> str:
    return ".".join("N" if isinstance(key, int) else str(key) for key in path) or "the top level"


# -- judging values --------------------------------------------------------------------------------


def _is_a(value: object, annotation: object) -> bool:
    """JSON schema draft 7 types as jsonschema 3.2 applies them to what ``yaml.safe_load`` returns."""
    origin = get_origin(annotation)
    if annotation is Any:
        return True
    if origin is Literal:
        return isinstance(value, str) and value in get_args(annotation)
    if origin is list:
        return isinstance(value, list)
    if origin is dict:
        return isinstance(value, dict)
    if annotation is bool:
        return isinstance(value, bool)
    if annotation is int:
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if annotation is str:
        return isinstance(value, str)
    raise TypeError(f"the reana.yaml walker does not know {annotation!r}")


def _key(key: object) -> Key:
    return key if isinstance(key, str | int) and not isinstance(key, bool) else str(key)


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _as_dict(value: object) -> dict[object, object]:
    return value if isinstance(value, dict) else {}


def _size(value: object) -> int:
    return len(value) if isinstance(value, str | list | dict) else 0


def _below(value: object, minimum: object) -> bool:
    numbers = (int, float)
    return isinstance(value, numbers) and isinstance(minimum, numbers) and value < minimum


def _repeated(value: object) -> object | None:
    seen: list[object] = []
    for item in _as_list(value):
        if item in seen:
            return item
        seen.append(item)
    return None


# -- saying it -------------------------------------------------------------------------------------


def _describe_expected(annotation: object) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return "one of " + ", ".join(str(choice) for choice in get_args(annotation))
    if origin is list:
        return "a list"
    if origin is dict or (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return "a mapping (indented `key: value` lines)"
    if annotation is bool:
        return "true or false"
    return "a whole number" if annotation is int else "text"


def _describe_value(value: object) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__} ({value})"


def _type_message(path: KeyPath, value: object, annotation: object) -> str:
    if get_origin(annotation) is Literal and isinstance(value, str):
        return _enum_message(path, value, get_args(annotation))
    where = f"`{dotted(path)}`" if path else "the document"
    return f"{where} is {_describe_value(value)}, but must be {_describe_expected(annotation)}"


def _type_fix(path: KeyPath, value: object, annotation: object) -> str:
    key = path[-1] if path else None
    lead = "- " if isinstance(key, int) else f"{key}: " if key is not None else ""
    origin = get_origin(annotation)
    if origin is Literal:
        return _enum_fix(get_args(annotation))
    if not path:
        return "write reana.yaml as a mapping with at least `workflow:` at the top level"
    if annotation is str:
        example = value if value is not None and not isinstance(value, list | dict) else "..."
        return f'write text, in quotes if YAML would read it as something else: {lead}"{example}"'
    if annotation is bool:
        return f"write {lead}true or {lead}false"
    if annotation is int:
        return f"write a whole number without quotes, e.g. {lead}3600"
    if origin is list:
        return f"write one `- item` line per entry under `{key}:`, or delete the key if there is none"
    return f"write indented `name: value` lines under `{key}:`, or delete the key if there is none"


def _enum_message(path: KeyPath, value: object, choices: tuple[object, ...] | list[object]) -> str:
    close = difflib.get_close_matches(str(value).lower(), [str(choice) for choice in choices], n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"`{dotted(path)}` is {value!r}, which is not one of {', '.join(map(str, choices))}{hint}"


def _enum_fix(choices: tuple[object, ...] | list[object]) -> str:
    return f"use one of: {', '.join(map(str, choices))}"


def _minimum_fix(value: object, minimum: int) -> str:
    if isinstance(value, list):
        return f"list at least {minimum} entr{'y' if minimum == 1 else 'ies'}, or delete the key"
    if isinstance(value, dict):
        return "add at least one `name: value` line, or delete the key"
    return "give it a value"


def _add_fix(key: str, field: FieldInfo) -> str:
    example = field.examples[0] if field.examples else "..."
    what = f" ({field.description})" if field.description else ""
    return f"add `{key}: {example}`{what}"
