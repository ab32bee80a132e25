"""Read reana.yaml exactly as REANA does (``yaml.safe_load``) and remember the line of every key.

REANA reads specifications with PyYAML's safe loader, so ``version: 0.3`` is a number and ``on`` is a
boolean there; reading with the same loader keeps our verdict identical to REANA's. The document is
built by the loader itself; the line map comes from walking the composed node tree afterwards, so
anchors, aliases and ``<<`` merges resolve exactly as in ``safe_load``.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from openvre.workflows._problems import Key, KeyPath


@dataclass(frozen=True)
class YamlSyntaxError(Exception):
    """The text is not a single YAML document; ``line`` is where the parser gave up (1-based), if known."""

    line: int | None
    message: str


@dataclass(frozen=True)
class LoadedYaml:
    document: object
    lines: dict[KeyPath, int]


def load_yaml(text: str) -> LoadedYaml:
    """The document ``yaml.safe_load(text)`` would return, and the 1-based line of each key and list item.

    Raises :class:`YamlSyntaxError` where ``safe_load`` would raise.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:  # an empty file, as safe_load: None
            return LoadedYaml(None, {})
        document = loader.construct_document(node)
        lines: dict[KeyPath, int] = {}
        _record_lines(loader, node, lines)
        return LoadedYaml(document, lines)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlSyntaxError(line, _describe(error)) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(None, str(error)) from None
    finally:
        loader.dispose()


def _record_lines(loader: yaml.SafeLoader, root: yaml.Node, lines: dict[KeyPath, int]) -> None:
    # construct_document has already flattened ``<<`` merges into each mapping node's value list.
    seen: set[int] = set()  # an alias repeats a node: its lines are recorded at its first path only
    stack: list[tuple[yaml.Node, KeyPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        children: dict[Key, tuple[yaml.Node, yaml.Node]] = {}
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = loader.construct_object(key_node, deep=True)
                if isinstance(key, str | int) and not isinstance(key, bool):
                    children[key] = (key_node, value_node)  # a repeated key: the last wins, as in safe_load
        elif isinstance(node, yaml.SequenceNode):
            children = {index: (item, item) for index, item in enumerate(node.value)}
        for key, (where, value_node) in children.items():
            lines[(*path, key)] = where.start_mark.line + 1
            stack.append((value_node, (*path, key)))


def _describe(error: yaml.MarkedYAMLError) -> str:
    """PyYAML's message without its excerpt of the file (we print the line number ourselves)."""
    parts = [error.context, error.problem]
    return ", ".join(part for part in parts if part) or "not valid YAML"
