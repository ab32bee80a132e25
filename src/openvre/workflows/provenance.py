"""What a run did, recorded for reproduction and later export (RO-Crate): the run's provenance record.

The scheduler writes one JSON document per run into ``wf_runs.provenance``: openvre's and the engine's
versions, the specification, parameters and operational options as run, SHA-256 checksums of the
declared inputs before the run and of the declared outputs after it, and each step's command, image,
times and exit code. It is written at the start (so a crashed run still says what it was given) and
completed when the run ends.

    record = start_record(run, engine_type="serial", engine_versions={"serial": "1.0"})
    record = finish_record(record, run, steps, status="finished")
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from openvre import __version__
from openvre.db import utcnow
from openvre.workflows.runs import Run
from openvre.workflows.steps import Step

FORMAT = "openvre-run-provenance/1"
_CHUNK = 1024 * 1024


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def workspace_files(workspace: Path, files: Iterable[str] = (), directories: Iterable[str] = ()) -> Iterator[Path]:
    """The regular files named (directly, or inside named directories), in name order, never outside."""
    root = workspace.resolve()
    found: set[Path] = set()
    for name in files:
        candidate = (root / name).resolve()
        if candidate.is_file() and candidate.is_relative_to(root):
            found.add(candidate)
    for name in directories:
        directory = (root / name).resolve()
        if directory.is_dir() and directory.is_relative_to(root):
            found.update(
                path for path in directory.rglob("*") if path.is_file() and path.resolve().is_relative_to(root)
            )
    yield from sorted(found)


def checksums(workspace: Path, files: Iterable[str] = (), directories: Iterable[str] = ()) -> list[dict[str, Any]]:
    """``[{"path", "bytes", "sha256"}]`` for the named files, paths relative to the workspace."""
    root = workspace.resolve()
    return [
        {"path": path.relative_to(root).as_posix(), "bytes": path.stat().st_size, "sha256": sha256_file(path)}
        for path in workspace_files(root, files, directories)
    ]


def start_record(run: Run, *, engine_type: str, engine_versions: dict[str, str]) -> dict[str, Any]:
    """What the run was given, taken before the engine touches the workspace."""
    inputs = run.spec.get("inputs") or {}
    return {
        "format": FORMAT,
        "run": {"id": run.id, "name": run.full_name, "owner": run.owner, "restarted_from": run.restarted_from},
        "software": {"openvre": __version__, "engine": engine_type, "engine_versions": engine_versions},
        "specification": run.spec,
        "parameters": run.input_parameters,
        "operational_options": run.engine_options,
        "inputs": checksums(run.workspace, inputs.get("files") or [], inputs.get("directories") or []),
        "started_at": _iso(utcnow()),
    }


def finish_record(record: dict[str, Any], run: Run, steps: list[Step], *, status: str, message: str) -> dict[str, Any]:
    """The record completed with the steps as run and checksums of the declared outputs."""
    outputs = run.spec.get("outputs") or {}
    return {
        **record,
        "steps": [_step_record(step) for step in steps],
        "outputs": checksums(run.workspace, outputs.get("files") or [], outputs.get("directories") or []),
        "status": status,
        "message": message,
        "finished_at": _iso(utcnow()),
    }


def _step_record(step: Step) -> dict[str, Any]:
    return {
        "id": step.id,
        "name": step.name,
        "status": step.status,
        "command": step.command,
        "image": step.image,
        "exit_code": step.exit_code,
        "started_at": _iso(step.started_at),
        "finished_at": _iso(step.finished_at),
    }


def _iso(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat()
