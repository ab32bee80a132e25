"""CWL workflows, run by ``cwltool`` with the workspace as the place for everything it writes.

As in REANA (``reana-workflow-engine-cwl``): the job parameters are the parameter file
(``inputs.parameters.input`` or ``workflow.parameters.file``) with the other parameters on top, and
``File``/``Directory`` locations in it are relative to the workspace (REANA dumps them to the
workspace root); outputs go to ``outputs/``; the ``TARGET`` operational option is cwltool's
``--target``. cwltool's temporary directories are kept under ``.openvre/cwl/`` so nothing is written
outside the workspace, and its output object is kept in ``.openvre/cwl/outputs.json``.

The workflow is first packed into one document (``cwltool --pack``, as REANA does), which gives the
steps, their images and their number. Steps run as local processes (``--no-container``) unless the
settings name podman; cwltool refuses ``--no-container`` for a tool whose ``DockerRequirement`` is
under ``requirements`` (REANA's examples put it there), so the packed copy moves every
``DockerRequirement`` to ``hints``: the image is recorded in the step's events, and the step runs
locally.

Steps are read from cwltool's log (``--disable-color``): ``[step X] start`` starts a step,
``[job X] <dir>$ command`` gives its command, ``[job X] exited with status: N`` its exit code, and
``[step X] completed <status>`` ends it. A document that is a single tool has no ``[step]`` lines;
its ``[job X]`` becomes the one step. Output lines without a log level between a job's command and
its end are the job's own output and go to the step log.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from openvre.errors import OpenVREError
from openvre.workflows.engines._steps import StepTracker, outcome
from openvre.workflows.engines._tool import distribution_versions, parameter_file, run_tool, workflow_file
from openvre.workflows.engines.base import EngineJob, EngineOutcome, EngineSettings
from openvre.workflows.errors import WorkflowError
from openvre.workflows.workspace import internal_dir, safe_path

ENTRY_POINT = "cwltool.main:run"  # not `python -m cwltool`: its __main__ drops the exit code
OPERATIONAL_OPTIONS = ("TARGET",)


@dataclass(frozen=True)
class CWLSettings(EngineSettings):
    stop_grace_period: float = field(
        default=1.0,
        metadata={
            "help": "Seconds between SIGTERM and SIGKILL when a run is stopped. Short, because cwltool 3.3 "
            "does not exit on SIGTERM (its steps do), so the rest of the wait is always spent."
        },
    )
    container_runtime: Literal["none", "podman"] = field(
        default="none",
        metadata={
            "help": "`none` runs steps as local processes (`--no-container`); `podman` runs DockerRequirement "
            "steps with podman (`--podman`; needs podman configured as in the admin guide)."
        },
    )


class CWLEngine:
    name = "cwl"
    extra: str | None = "cwl"
    settings_class = CWLSettings

    def __init__(self, settings: CWLSettings | None = None) -> None:
        self.settings = settings or CWLSettings()

    def versions(self) -> dict[str, str]:
        return distribution_versions("cwltool")

    def run(self, job: EngineJob) -> EngineOutcome:
        try:
            self._check_options(job)
            job_order = write_job_order(job)
            packed = self._pack(job, workflow_file(job))
        except OpenVREError as error:
            job.log(f"error: {error.message}")
            return EngineOutcome("failed", error.message, None)
        if packed is None:
            return EngineOutcome("stopped", "the run was stopped on request", None)
        document, workflow, processes = packed
        local = self.settings.container_runtime == "none"
        tracker = StepTracker(job)
        reader = CwltoolLog(job, tracker, step_images(workflow, processes), local=local)
        result = run_tool(
            job,
            tool="cwltool",
            entry_point=ENTRY_POINT,
            args=self._arguments(job, document, job_order),
            reader=reader,
            settings=self.settings,
        )
        return outcome(tracker, result, tool="cwltool", total_steps=len(workflow.get("steps") or []) or 1)

    def _pack(self, job: EngineJob, document: Path) -> tuple[str, dict[str, Any], dict[str, Any]] | None:
        """Pack the workflow into ``.openvre/cwl/workflow.json``: the document to run, its main process,
        and every process by id.

        None when the run was stopped meanwhile.
        """
        scratch = internal_dir(job.workspace, "cwl")
        result = run_tool(
            job,
            tool="cwltool",
            entry_point=ENTRY_POINT,
            args=["--disable-color", "--quiet", "--pack", str(document)],
            reader=_Log(job),
            settings=self.settings,
            stdout_to=scratch / "packed.json",
        )
        if result.stopped:
            return None
        if not result.succeeded:
            raise WorkflowError(f"cwltool cannot read {document.name}:\n" + "\n".join(result.tail[-10:]))
        packed = json.loads((scratch / "packed.json").read_text(encoding="utf-8"))
        if self.settings.container_runtime == "none":
            _docker_requirements_to_hints(packed)
        (scratch / "workflow.json").write_text(json.dumps(packed), encoding="utf-8")
        if "$graph" in packed:
            processes = {str(p.get("id")): p for p in packed["$graph"] if isinstance(p, dict)}
            main = processes.get("#main") or next(iter(processes.values()), {})
            return f"{scratch / 'workflow.json'}{main.get('id', '#main')}", main, processes
        return str(scratch / "workflow.json"), packed, {}

    def _check_options(self, job: EngineJob) -> None:
        unknown = sorted(set(job.operational_options) - set(OPERATIONAL_OPTIONS))
        if unknown:
            raise WorkflowError(
                f"CWL workflows do not take the operational option(s) {', '.join(unknown)}; they take TARGET"
            )

    def _arguments(self, job: EngineJob, document: str, job_order: Path) -> list[str]:
        scratch = internal_dir(job.workspace, "cwl")
        args = ["--disable-color", "--no-container" if self.settings.container_runtime == "none" else "--podman"]
        args += ["--outdir", str(job.workspace / "outputs")]
        args += ["--tmpdir-prefix", f"{internal_dir(job.workspace, 'cwl', 'tmp')}/"]
        args += ["--tmp-outdir-prefix", f"{internal_dir(job.workspace, 'cwl', 'out')}/"]
        args += ["--write-summary", str(scratch / "outputs.json")]
        if job.operational_options.get("TARGET"):
            args += ["--target", str(job.operational_options["TARGET"])]
        return [*args, document, str(job_order)]


class _Log:
    """Packing prints only warnings and errors; they belong in the workflow log."""

    def __init__(self, job: EngineJob) -> None:
        self._job = job

    def feed(self, line: str) -> None:
        self._job.log(line)


def write_job_order(job: EngineJob) -> Path:
    """Write the job parameters cwltool reads, with file locations made absolute inside the workspace."""
    path, overrides = parameter_file(job)
    parameters: Any = {}
    if path is not None:
        with path.open(encoding="utf-8") as source:
            parameters = yaml.safe_load(source) or {}
        if not isinstance(parameters, dict):
            raise WorkflowError(f"the parameter file {path.name!r} must hold a mapping of input names to values")
    job_order = internal_dir(job.workspace, "cwl") / "inputs.json"
    job_order.write_text(json.dumps(_locate_files(job.workspace, {**parameters, **overrides})), encoding="utf-8")
    return job_order


def _locate_files(workspace: Path, value: Any) -> Any:
    """Resolve every relative ``location``/``path`` of a File or Directory against the workspace.

    Paths go through :func:`safe_path`, so a job file cannot hand a step a file outside the workspace.
    """
    if isinstance(value, list):
        return [_locate_files(workspace, item) for item in value]
    if not isinstance(value, dict):
        return value
    located = {key: _locate_files(workspace, item) for key, item in value.items()}
    if located.get("class") in ("File", "Directory"):
        for key in ("location", "path"):
            where = located.get(key)
            if isinstance(where, str) and (where.startswith("file:") or "://" not in where):
                located[key] = str(safe_path(workspace, where.removeprefix("file://")))
    return located


def _docker_requirements_to_hints(node: Any) -> None:
    """Move every DockerRequirement of the packed document from ``requirements`` to ``hints``."""
    if isinstance(node, list):
        for item in node:
            _docker_requirements_to_hints(item)
    if not isinstance(node, dict):
        return
    requirements = node.get("requirements")
    if isinstance(requirements, list):
        docker = [r for r in requirements if isinstance(r, dict) and r.get("class") == "DockerRequirement"]
        node["requirements"] = [r for r in requirements if r not in docker]
        node["hints"] = [*(node.get("hints") or []), *docker]
    for value in node.values():
        _docker_requirements_to_hints(value)


def step_images(workflow: dict[str, Any], processes: dict[str, Any]) -> dict[str, str]:
    """The container image of each step of the main workflow, from its own or its tool's DockerRequirement.

    A step's ``run`` is the tool inline, or (in a packed ``$graph``) the tool's id in ``processes``.
    """
    images = {}
    for step in workflow.get("steps") or []:
        if not isinstance(step, dict):
            continue
        name = str(step.get("id", "")).rsplit("/", 1)[-1].lstrip("#")
        tool = step.get("run")
        image = _image(step) or _image(processes.get(tool) if isinstance(tool, str) else tool) or _image(workflow)
        if image:
            images[name] = image
    return images


def _image(process: Any) -> str | None:
    if not isinstance(process, dict):
        return None
    for entry in [*(process.get("requirements") or []), *(process.get("hints") or [])]:
        if isinstance(entry, dict) and entry.get("class") == "DockerRequirement":
            image = entry.get("dockerPull") or entry.get("dockerImageId")
            return str(image) if image else None
    return None


_LOG = re.compile(r"^(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL) \[(?P<kind>step|job|workflow) ?(?P<name>[^\]]*)\] ?")
_COMMAND = re.compile(r"^\S+\$ (?P<command>.*)$")
_EXIT = re.compile(r"^exited with status: (?P<code>-?\d+)")
_COMPLETED = re.compile(r"^completed (?P<status>\w+)")


class CwltoolLog:
    """Reads cwltool's log into step events; see the module docstring for the lines it uses."""

    def __init__(self, job: EngineJob, tracker: StepTracker, images: dict[str, str], *, local: bool) -> None:
        self._job = job
        self._tracker = tracker
        self._images = images
        self._local = local
        self._steps: list[str] = []  # running steps, in start order
        self._job_step: dict[str, str] = {}  # job name -> step it runs for
        self._command: dict[str, list[str]] = {}  # step -> command lines being read
        self._exit: dict[str, int] = {}
        self._output_of: str | None = None  # the step whose job is printing

    def feed(self, line: str) -> None:
        match = _LOG.match(line)
        if match is None:
            self._plain(line)
            return
        self._job.log(line)
        text = line[match.end() :]
        if match["kind"] == "step":
            self._step_line(match["name"], text)
        elif match["kind"] == "job":
            self._job_line(match["name"], text)

    def _plain(self, line: str) -> None:
        reading = next((step for step, lines in self._command.items() if lines[-1].endswith("\\")), None)
        if reading is not None:
            self._command[reading].append(line.strip())
            self._job.log(line)
        elif self._output_of is not None:
            self._tracker.write(self._output_of, line)
        else:
            self._job.log(line)

    def _step_line(self, name: str, text: str) -> None:
        if text == "start":
            self._start(name)
        elif completed := _COMPLETED.match(text):
            self._end(name, completed["status"])

    def _job_line(self, name: str, text: str) -> None:
        step = self._job_step.get(name)
        if step is None and (command := _COMMAND.match(text)):
            step = self._steps[-1] if self._steps else name
            if not self._steps:  # a single tool: its job is the step
                self._start(name)
            self._job_step[name] = step
            self._command[step] = [command["command"]]
            self._output_of = step
        elif step is None:
            return
        elif exited := _EXIT.match(text):
            self._exit[step] = int(exited["code"])
        elif completed := _COMPLETED.match(text):
            self._output_of = None
            if step == name:
                self._end(name, completed["status"])

    def _start(self, step: str) -> None:
        image = self._images.get(step)
        if image and self._local:
            self._job.log(
                f"step {step}: image {image} recorded; running as a local process in the workspace "
                "(no container runtime configured)"
            )
        self._tracker.start(step, step, image=image)
        self._steps.append(step)

    def _end(self, step: str, status: str) -> None:
        command = " ".join(part.removesuffix("\\").strip() for part in self._command.pop(step, [])) or None
        succeeded = status in ("success", "skipped")
        exit_code = 0 if succeeded else self._exit.pop(step, None)
        self._tracker.finish(step, "finished" if succeeded else "failed", exit_code=exit_code, command=command)
        if step in self._steps:
            self._steps.remove(step)
        if self._output_of == step:
            self._output_of = None
