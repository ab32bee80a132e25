"""What differs between two runs: their specifications, their parameters and their workspace files.

Files are compared by SHA-256, so two runs are told apart by content, never by timestamps. A restart
shares its workspace with the run it restarts, so their files never differ; their specifications
and parameters may.

    diff = diff_runs(session, "alice", "hello.1", "hello.2")
    print(workspace_text_diff(diff, brief=True))
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from openvre.workflows.provenance import sha256_file
from openvre.workflows.runs import Run, get_run
from openvre.workflows.workspace import list_files

Change = Literal["added", "removed", "modified"]
_TEXT_LIMIT = 1024 * 1024  # larger files are reported as differing, without their lines


@dataclass(frozen=True)
class FileChange:
    path: str
    change: Change  # going from run a to run b


@dataclass(frozen=True)
class RunDiff:
    a: Run
    b: Run
    specification: dict[str, list[str]]  # section → unified diff lines; equal sections are left out
    parameters: dict[str, tuple[Any, Any]]  # name → (value in a, value in b); equal ones left out
    files: list[FileChange]


def diff_runs(session: Session, owner: str, reference_a: str, reference_b: str, *, context_lines: int = 5) -> RunDiff:
    a, b = get_run(session, owner, reference_a), get_run(session, owner, reference_b)
    return RunDiff(a, b, _specification_diff(a, b, context_lines), _parameter_diff(a, b), _file_changes(a, b))


def _effective_spec(run: Run) -> dict[str, Any]:
    """The specification with the parameters the run was started with, so ``-p`` changes show."""
    inputs = dict(run.spec.get("inputs") or {})
    if run.input_parameters:
        inputs["parameters"] = run.input_parameters
    return {**run.spec, "inputs": inputs} if inputs else dict(run.spec)


def _specification_diff(a: Run, b: Run, context_lines: int) -> dict[str, list[str]]:
    spec_a, spec_b = _effective_spec(a), _effective_spec(b)
    sections: dict[str, list[str]] = {}
    for section in sorted(set(spec_a) | set(spec_b)):
        lines = list(
            difflib.unified_diff(
                _lines(spec_a.get(section)),
                _lines(spec_b.get(section)),
                fromfile=a.full_name,
                tofile=b.full_name,
                n=context_lines,
                lineterm="",
            )
        )
        if lines:
            sections[section] = lines
    return sections


def _lines(value: Any) -> list[str]:
    return [] if value is None else json.dumps(value, indent=2, sort_keys=True, default=str).splitlines()


def _parameter_diff(a: Run, b: Run) -> dict[str, tuple[Any, Any]]:
    params_a, params_b = a.input_parameters, b.input_parameters
    return {
        name: (params_a.get(name), params_b.get(name))
        for name in sorted(set(params_a) | set(params_b))
        if params_a.get(name) != params_b.get(name)
    }


def _file_changes(a: Run, b: Run) -> list[FileChange]:
    if a.workspace.resolve() == b.workspace.resolve():
        return []
    files_a = {file.name: file.size for file in list_files(a.workspace)} if a.workspace.is_dir() else {}
    files_b = {file.name: file.size for file in list_files(b.workspace)} if b.workspace.is_dir() else {}
    changes = [FileChange(name, "removed") for name in files_a.keys() - files_b.keys()]
    changes += [FileChange(name, "added") for name in files_b.keys() - files_a.keys()]
    for name in files_a.keys() & files_b.keys():
        if files_a[name] != files_b[name] or sha256_file(a.workspace / name) != sha256_file(b.workspace / name):
            changes.append(FileChange(name, "modified"))
    return sorted(changes, key=lambda change: change.path)


def workspace_text_diff(diff: RunDiff, *, brief: bool = False, context_lines: int = 5) -> str:
    """The file differences as ``diff -r`` writes them (``-q`` when ``brief``)."""
    a, b = diff.a, diff.b
    lines: list[str] = []
    for change in diff.files:
        if change.change == "removed":
            lines.append(f"Only in {a.full_name}: {change.path}")
        elif change.change == "added":
            lines.append(f"Only in {b.full_name}: {change.path}")
        elif brief:
            lines.append(f"Files {a.full_name}/{change.path} and {b.full_name}/{change.path} differ")
        else:
            lines.extend(_content_diff(a, b, change.path, context_lines))
    return "\n".join(lines)


def _content_diff(a: Run, b: Run, path: str, context_lines: int) -> list[str]:
    text_a, text_b = _text(a.workspace / path), _text(b.workspace / path)
    header = f"diff {a.full_name}/{path} {b.full_name}/{path}"
    if text_a is None or text_b is None:
        return [header, f"Binary or large files {a.full_name}/{path} and {b.full_name}/{path} differ"]
    body = difflib.unified_diff(
        text_a.splitlines(),
        text_b.splitlines(),
        fromfile=f"{a.full_name}/{path}",
        tofile=f"{b.full_name}/{path}",
        n=context_lines,
        lineterm="",
    )
    return [header, *body]


def _text(path: Path) -> str | None:
    if path.stat().st_size > _TEXT_LIMIT:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None
