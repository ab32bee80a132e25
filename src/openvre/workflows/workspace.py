"""A run's workspace: the one directory its steps work in, and the files users put in and take out.

Every path a user gives (an upload, a download, a file named in reana.yaml) goes through
:func:`safe_path`, which refuses anything that would land outside the workspace: absolute paths,
``..``, and symlinks that point out. openvre keeps its own files (step logs, engine scratch) under
``.openvre/`` inside the workspace; listings skip it and users cannot write or delete there.

>>> from pathlib import Path
>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> write_file(root, "data/names.txt", b"Jane Doe\\n").name
'data/names.txt'
>>> [f.name for f in list_files(root)]
['data/names.txt']
>>> safe_path(root, "../etc/passwd")
Traceback (most recent call last):
...
openvre.workflows.errors.InvalidWorkspacePath: refusing path '../etc/passwd': '..' segments are not allowed
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from openvre.datalake.checksums import Checksums, checksum_file
from openvre.workflows.errors import InvalidWorkspacePath, WorkspaceFileNotFound

INTERNAL_DIR = ".openvre"
"""openvre's own files inside a workspace: step logs and engine scratch space."""

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class WorkspaceFile:
    """One file of a workspace, named by its POSIX path relative to the workspace."""

    name: str
    size: int
    last_modified: datetime


def safe_path(workspace: Path, user_path: str | PathLike[str]) -> Path:
    """The absolute path of ``user_path`` inside ``workspace``, or :class:`InvalidWorkspacePath`.

    The check is lexical first (no absolute path, no ``..``, no NUL or backslash), then physical:
    the path with its symlinks resolved must still be inside the resolved workspace, so a symlink
    a step left behind cannot be used to read or write elsewhere. ``.`` segments are dropped.
    The path need not exist.
    """
    text = os.fspath(user_path)
    problem = _lexical_problem(text)
    if problem:
        raise InvalidWorkspacePath(f"refusing path {text!r}: {problem}", field="path")
    root = workspace.resolve()
    candidate = root.joinpath(*(part for part in text.split("/") if part not in ("", ".")))
    if not candidate.resolve().is_relative_to(root):
        raise InvalidWorkspacePath(
            f"refusing path {text!r}: it leads outside the workspace through a symbolic link", field="path"
        )
    return candidate


def _lexical_problem(text: str) -> str | None:
    if not text.strip():
        return "it is empty"
    if "\0" in text:
        return "it contains a NUL character"
    if "\\" in text:
        return "it contains a backslash; separate directories with '/'"
    if text.startswith("/"):
        return "it is absolute; give a path relative to the workspace"
    if ".." in text.split("/"):
        return "'..' segments are not allowed"
    return None


def relative_name(workspace: Path, path: Path) -> str:
    """The POSIX name of ``path`` relative to ``workspace``, as listings and the REST API show it."""
    return path.relative_to(workspace.resolve()).as_posix()


def is_internal(name: str) -> bool:
    """Whether a workspace-relative name is openvre's own (under ``.openvre/``)."""
    return PurePosixPath(name).parts[:1] == (INTERNAL_DIR,)


def internal_dir(workspace: Path, *parts: str) -> Path:
    """A directory under ``.openvre/`` (created), for logs and engine scratch space."""
    directory = workspace.joinpath(INTERNAL_DIR, *parts)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def list_files(workspace: Path) -> list[WorkspaceFile]:
    """Every regular file of the workspace, sorted by name, skipping ``.openvre/``.

    Symlinks are listed only when they resolve to a file inside the workspace, so a listing never
    reveals the size of a file elsewhere.
    """
    root = workspace.resolve()
    files: list[WorkspaceFile] = []
    for directory, subdirs, names in os.walk(root):
        if Path(directory) == root and INTERNAL_DIR in subdirs:
            subdirs.remove(INTERNAL_DIR)
        for name in names:
            path = Path(directory, name)
            if not path.resolve().is_relative_to(root) or not path.is_file():
                continue
            stat = path.stat()
            files.append(
                WorkspaceFile(relative_name(root, path), stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))
            )
    return sorted(files, key=lambda f: f.name)


def checksum_files(workspace: Path, names: Iterable[str]) -> dict[str, Checksums]:
    """Size, adler32 and md5 of each named file, as the data lake records them (for publishing outputs)."""
    return {name: checksum_file(_existing_file(workspace, name)) for name in names}


def write_file(workspace: Path, user_path: str, content: bytes | BinaryIO) -> WorkspaceFile:
    """Write an uploaded file, creating its directories; a reader never sees half a file.

    The bytes go to a temporary file next to the target, which is then renamed over it.
    """
    target = _writable(workspace, user_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            if isinstance(content, bytes | bytearray | memoryview):
                out.write(content)
            else:
                shutil.copyfileobj(content, out, _CHUNK)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    stat = target.stat()
    return WorkspaceFile(relative_name(workspace, target), stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))


def open_file(workspace: Path, user_path: str) -> BinaryIO:
    """An open binary file for streaming a download; the caller closes it."""
    return _existing_file(workspace, user_path).open("rb")


def read_file(workspace: Path, user_path: str) -> bytes:
    """The whole content of a (small) workspace file."""
    with open_file(workspace, user_path) as source:
        return source.read()


def delete_files(workspace: Path, patterns: Iterable[str]) -> list[str]:
    """Delete what each pattern names (a path or a glob such as ``results/*.csv``), as ``reana-client rm``.

    Directories are deleted with their content. Returns the deleted names; a pattern that matches
    nothing deletes nothing. ``.openvre/`` is never matched.
    """
    root = workspace.resolve()
    deleted: list[str] = []
    for pattern in patterns:
        problem = _lexical_problem(pattern)  # lexical only: removing a symlink that points out is fine
        if problem:
            raise InvalidWorkspacePath(f"refusing pattern {pattern!r}: {problem}", field="path")
        for match in sorted(root.glob(_strip_dots(pattern))):
            # A symlink is removed itself; anything reached through a symlinked directory is left alone.
            if not match.parent.resolve().is_relative_to(root):
                continue
            name = relative_name(root, match)
            if is_internal(name) or name in deleted:
                continue
            if match.is_dir() and not match.is_symlink():
                shutil.rmtree(match)
            else:
                match.unlink()
            deleted.append(name)
    return deleted


def check_spec_paths(workspace: Path, specification: Mapping[str, Any]) -> None:
    """Refuse a reana.yaml whose input, output or workflow paths would leave the workspace.

    Checked: ``inputs.files``, ``inputs.directories``, ``outputs.files``, ``outputs.directories``,
    ``workflow.file``, ``workflow.parameters.file`` and ``inputs.parameters.input`` (the CWL and
    Snakemake parameter file). The error's field names the entry, e.g. ``outputs.files[1]``.
    """
    for field_name, value in _spec_paths(specification):
        try:
            safe_path(workspace, value)
        except InvalidWorkspacePath as error:
            raise InvalidWorkspacePath(f"{field_name}: {error.message}", field=field_name) from None


def _spec_paths(specification: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    for section in ("inputs", "outputs"):
        for key in ("files", "directories"):
            entries = (specification.get(section) or {}).get(key) or []
            for index, entry in enumerate(entries):
                yield f"{section}.{key}[{index}]", str(entry)
    workflow = specification.get("workflow") or {}
    if workflow.get("file"):
        yield "workflow.file", str(workflow["file"])
    if (workflow.get("parameters") or {}).get("file"):
        yield "workflow.parameters.file", str(workflow["parameters"]["file"])
    if workflow.get("type") in ("cwl", "snakemake"):
        parameter_file = ((specification.get("inputs") or {}).get("parameters") or {}).get("input")
        if isinstance(parameter_file, str):
            yield "inputs.parameters.input", parameter_file


def _writable(workspace: Path, user_path: str) -> Path:
    path = safe_path(workspace, user_path)
    if is_internal(relative_name(workspace, path)):
        raise InvalidWorkspacePath(
            f"refusing path {user_path!r}: {INTERNAL_DIR}/ is reserved for openvre", field="path"
        )
    return path


def _existing_file(workspace: Path, user_path: str) -> Path:
    path = safe_path(workspace, user_path)
    if not path.is_file():
        raise WorkspaceFileNotFound(f"the workspace has no file {user_path!r}", field="path")
    return path


def _strip_dots(pattern: str) -> str:
    return "/".join(part for part in pattern.split("/") if part not in ("", "."))


_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def step_log_path(log_dir: Path, sequence: int, step: str) -> Path:
    """Where a step's output goes: ``.openvre/logs/003-count.log``, numbered in the order steps start.

    The number keeps two runs of one rule (Snakemake wildcards, CWL scatter) apart and sorts the
    files in execution order; the step name is reduced to characters safe in a file name.
    """
    safe_name = _UNSAFE_IN_FILE_NAME.sub("_", step).strip("._") or "step"
    return log_dir / f"{sequence:03d}-{safe_name}.log"
