"""What a check finds wrong with a reana.yaml, and where: the one shape every check reports in.

A :class:`Problem` names the field as a dotted path (``workflow.specification.steps.0.environment``,
the form REANA uses in its warnings), the line of the file when the specification came from text, what
is wrong and how to fix it. ``check`` says which check found it, so callers can tell REANA's schema
verdict (``schema``, ``unexpected-key``, ``yaml``) apart from reana-client's advice (``parameters``...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Check = Literal[
    "yaml",  # the text is not YAML
    "schema",  # REANA's reana.yaml schema refuses the document
    "unexpected-key",  # a key REANA's schema does not declare (REANA warns and goes on)
    "options",  # inputs.options names an option the workflow type does not take
    "serial",  # REANA's serial loader refuses a step (no steps, runtime, memory format)
    "parameters",  # ${name} used but not defined, or defined but never used
    "dangerous-operation",  # a command reana-client flags (sudo, cd /)
    "compute-backend",  # a step asks for a backend this server does not offer
    "missing-file",  # a file the spec names is not in the analysis directory
]

Key = str | int
KeyPath = tuple[Key, ...]
Lines = Mapping[KeyPath, int]
"""Line (1-based) of each key and list item of a document, by its path; see ``_yaml.load_yaml``."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a specification: where, what, and what to do about it."""

    path: str
    line: int | None
    message: str
    fix: str
    check: Check = "schema"

    def __str__(self) -> str:
        place = self.path or "the document"
        if self.line:
            place = f"line {self.line}, {place}"
        return f"{place}: {self.message}; {self.fix}"


@dataclass
class Findings:
    """Problems collected while walking a document, split as REANA splits them: errors stop, warnings do not."""

    lines: Lines = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    unusable: list[KeyPath] = field(default_factory=list)  # values to leave out of the typed spec

    def error(self, path: KeyPath, message: str, fix: str, check: Check = "schema") -> None:
        self.errors.append(Problem(dotted(path), line_of(self.lines, path), message, fix, check))

    def warn(self, path: KeyPath, message: str, fix: str, check: Check = "schema") -> None:
        self.warnings.append(Problem(dotted(path), line_of(self.lines, path), message, fix, check))


def dotted(path: KeyPath) -> str:
    """``("workflow", "specification", "steps", 0)`` → ``workflow.specification.steps.0``, as REANA writes it."""
    return ".".join(str(key) for key in path)


def line_of(lines: Lines, path: KeyPath) -> int | None:
    """The line of ``path``, or of its nearest ancestor in the file (a missing key points at its parent)."""
    for end in range(len(path), 0, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None
