"""What the Snakemake, CWL and Yadage engines share: running the tool's command line and finding its inputs.

Each of those engines runs its tool (``snakemake``, ``cwltool``, ``yadage-run``) as a subprocess
rather than importing it: the tool then runs in its own process group that a stop kills whole, its
logging and global state stay out of the server, and a crash in it cannot take openvre down. The
tool is started through the Python running openvre (``python -c "from cwltool.main import run"``),
so it is found in the same environment even when that environment's ``bin`` is not on ``PATH``.
The engine reads the tool's output line by line (a :class:`OutputReader`) to report steps.
"""

from __future__ import annotations

import functools
import json
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from openvre.workflows.engines.base import EngineJob, EngineSettings
from openvre.workflows.errors import WorkflowError
from openvre.workflows.processes import ProcessResult, run_process
from openvre.workflows.workspace import safe_path


class OutputReader(Protocol):
    def feed(self, line: str) -> None:
        """Take one line of the tool's output (stdout and stderr merged)."""


def run_tool(
    job: EngineJob,
    *,
    tool: str,
    entry_point: str,
    args: Sequence[str],
    reader: OutputReader,
    settings: EngineSettings,
    environment: Mapping[str, str] | None = None,
    stdout_to: Path | None = None,
    python: str | None = None,
) -> ProcessResult:
    """Run ``entry_point`` (``module:function``) with ``args`` in the workspace, logging to ``<tool>.log``.

    ``stdout_to`` sends the tool's standard output to a file instead (for tools that print a
    document there, such as ``cwltool --pack``); its standard error is still read line by line.
    ``python`` runs the tool with another environment's interpreter (default: this one).
    """
    module, function = entry_point.split(":")
    redirect = f"sys.stdout = open({str(stdout_to)!r}, 'w', encoding='utf-8'); " if stdout_to else ""
    code = f"import sys; {redirect}from {module} import {function}; sys.exit({function}())"
    argv = [python or sys.executable, "-c", code, *args]
    job.log(f"running {tool} {shlex.join(args)}")
    return run_process(
        argv,
        cwd=job.workspace,
        env={**job.process_environment(), **(environment or {})},
        log_path=job.log_dir() / f"{tool}.log",
        stop=job.stop,
        grace_period=settings.stop_grace_period,
        on_line=reader.feed,
    )


def workflow_file(job: EngineJob) -> Path:
    """The file ``workflow.file`` names, which must be in the workspace."""
    name = job.workflow.get("file")
    if not name:
        raise WorkflowError(f"{job.workflow.get('type')} workflows need workflow.file, the workflow's main file")
    return existing_file(job, str(name), "workflow.file")


def parameter_file(job: EngineJob) -> tuple[Path | None, dict[str, Any]]:
    """The CWL/Snakemake parameter file and the parameters that override what it says.

    The file is ``workflow.parameters.file``, or, as in older reana.yaml, the parameter ``input``
    (which for these two engines names a file, as in REANA). Every other parameter overrides the
    file's value of the same name.
    """
    overrides = dict(job.parameters)
    name = (job.workflow.get("parameters") or {}).get("file")
    if name is None and isinstance(overrides.get("input"), str):
        name = overrides.pop("input")
    if name is None:
        return None, overrides
    return existing_file(job, str(name), "the parameter file"), overrides


def existing_file(job: EngineJob, name: str, what: str) -> Path:
    path = safe_path(job.workspace, name)
    if not path.is_file():
        raise WorkflowError(f"{what} {name!r} is not in the workspace; upload it (list it under inputs.files)")
    return path


def distribution_versions(*names: str, python: str | None = None) -> dict[str, str]:
    """Installed versions of Python distributions, for provenance.

    ``python``: read them in that interpreter's environment, the one a tool with its own environment
    (yadage) really runs in, rather than in openvre's.
    """
    if python:
        return _versions_in(python, names)
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@functools.cache
def _versions_in(python: str, names: tuple[str, ...]) -> dict[str, str]:
    script = (
        "import json, sys\nfrom importlib import metadata\nfound = {}\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n        found[name] = metadata.version(name)\n"
        "    except metadata.PackageNotFoundError:\n        found[name] = 'not installed'\n"
        "print(json.dumps(found))\n"
    )
    try:
        answer = subprocess.run([python, "-c", script, *names], capture_output=True, text=True, timeout=60, check=True)
        found: dict[str, str] = json.loads(answer.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        return dict.fromkeys(names, f"unknown ({python}: {error})")
    return found
