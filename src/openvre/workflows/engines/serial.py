"""REANA's serial workflows: a list of steps, each a list of shell commands, run one after another.

Semantics follow ``reana-workflow-engine-serial``:

- ``$name`` and ``${name}`` in commands are replaced by parameters (Python's ``string.Template``,
  as REANA), for the whole specification before the first step runs; ``$$`` is a literal ``$``.
  A parameter that is not defined fails the run before anything runs.
- Each command runs on its own (``bash -c``, in the workspace), so ``cd`` or ``export`` in one
  command does not carry over to the next, as each command is a separate job in REANA.
- The operational options ``FROM`` and ``TARGET`` run the steps from one step to another, both
  included, named case-insensitively or given by their 0-based index (REANA's log numbering).
  Unlike REANA, which then runs the whole workflow, an unknown step or ``FROM`` after ``TARGET``
  fails the run with a message listing the steps. ``CACHE`` is accepted; openvre does not cache.
- A step's ``environment`` (its container image) is recorded in its events. With the default
  ``container_runtime = none`` the step runs as a local process in the workspace, and the log says
  so. With ``podman`` each command runs as ``sh -c COMMAND`` inside the image (images need not
  have bash), which sees only the workspace and no network (:mod:`._podman`), so a step cannot
  write outside its workspace whatever paths it is given; a step without an image fails, as it
  could not be confined.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any, Literal, NamedTuple

from openvre import __version__
from openvre.errors import OpenVREError
from openvre.workflows.engines import _podman
from openvre.workflows.engines._steps import StepTracker, step_failure_message
from openvre.workflows.engines.base import EngineJob, EngineOutcome, EngineSettings
from openvre.workflows.errors import WorkflowError
from openvre.workflows.processes import ProcessResult, run_process

OPERATIONAL_OPTIONS = ("FROM", "TARGET", "CACHE")


@dataclass(frozen=True)
class SerialSettings(EngineSettings):
    shell: str = field(
        default="bash",
        metadata={
            "help": "Shell that runs each local command as `<shell> -c COMMAND`; `sh` is used if it is missing. "
            "Inside an image commands always run with `sh`."
        },
    )
    container_runtime: Literal["none", "podman"] = field(
        default="none",
        metadata={
            "help": "`none` runs steps as local processes in the workspace; `podman` runs each step inside its "
            "`environment` image with only the workspace mounted and no network."
        },
    )
    podman_options: tuple[str, ...] = field(
        default=_podman.DEFAULT_OPTIONS,
        metadata={
            "help": "Extra `podman run` options; the default (runc, explicit ulimits) is what podman needs on "
            "openvre's kind of machine. Use () when containers.conf already sets them."
        },
    )


class _Step(NamedTuple):
    position: int
    name: str
    commands: tuple[str, ...]
    image: str | None


class SerialEngine:
    name = "serial"
    extra: str | None = None
    settings_class = SerialSettings

    def __init__(self, settings: SerialSettings | None = None) -> None:
        self.settings = settings or SerialSettings()

    def versions(self) -> dict[str, str]:
        shell = self._shell()
        probe = subprocess.run(
            [shell, "-c", 'echo "${BASH_VERSION:-unknown}"'], capture_output=True, text=True, check=False
        )
        versions = {"openvre": __version__, shell: probe.stdout.strip() or "unknown"}
        if self._in_containers:
            versions["podman"] = _podman.podman_version()
        return versions

    def run(self, job: EngineJob) -> EngineOutcome:
        try:
            steps = select_steps(expand_parameters(load_steps(job), job.parameters), job.operational_options)
        except OpenVREError as error:
            job.log(f"error: {error.message}")
            return EngineOutcome("failed", error.message, None)
        tracker = StepTracker(job)
        for step in steps:
            if job.stop.is_set():
                return EngineOutcome("stopped", f"the run was stopped before step {step.name!r}", len(steps))
            ended = self._run_step(job, tracker, step, len(steps))
            if ended is not None:
                return ended
        return EngineOutcome("finished", f"{len(steps)} step(s) finished", len(steps))

    @property
    def _in_containers(self) -> bool:
        return self.settings.container_runtime == "podman"

    def _run_step(self, job: EngineJob, tracker: StepTracker, step: _Step, total: int) -> EngineOutcome | None:
        """Run one step's commands in order; the run's outcome if the step did not finish, else None."""
        problem = self._announce(job, step)
        key = str(step.position)
        log_path = tracker.start(key, step.name, command="\n".join(step.commands), image=step.image)
        if problem is not None:
            with log_path.open("a", encoding="utf-8") as log:
                log.write(problem + "\n")
            tracker.finish(key, "failed", tail=(problem,))
            message = f"step {step.name!r} cannot run: {problem}"
            job.log(f"error: {message}")
            return EngineOutcome("failed", message, total)
        for command in step.commands:
            job.log(f"step {step.position} ({step.name}): {command}")
            result = self._run_command(job, step, command, log_path)
            if result.stopped:
                tracker.finish(key, "stopped", exit_code=result.exit_code)
                job.log(f"step {step.name}: stopped")
                return EngineOutcome("stopped", f"the run was stopped during step {step.name!r}", total)
            if not result.succeeded:
                tracker.finish(key, "failed", exit_code=result.exit_code, tail=result.tail)
                message = step_failure_message(tracker.failed[-1][0], result.tail)
                job.log(f"error: {message}")
                return EngineOutcome("failed", message, total)
        tracker.finish(key, "finished", exit_code=0)
        return None

    def _announce(self, job: EngineJob, step: _Step) -> str | None:
        """Say in the run log where the step runs; why it cannot run, if it cannot."""
        if not self._in_containers:
            if step.image:
                job.log(
                    f"step {step.name}: image {step.image} recorded; running as a local process in the workspace "
                    "(no container runtime configured)"
                )
            else:
                job.log(f"step {step.name}: no environment given; running as a local process in the workspace")
            return None
        if not step.image:
            return (
                "it has no environment, and with container_runtime = podman every step runs inside its image: "
                "give the step `environment: IMAGE`"
            )
        if not _podman.image_exists(step.image):
            return _podman.missing_image_message(step.image)
        job.log(f"step {step.name}: running inside image {step.image} with podman (only the workspace mounted)")
        return None

    def _run_command(self, job: EngineJob, step: _Step, command: str, log_path: Path) -> ProcessResult:
        """One command as its own process group: locally, or as ``podman run`` of the step's image."""
        name: str | None = None
        if not self._in_containers or step.image is None:
            argv = [self._shell(), "-c", command]
        else:
            name = _podman.new_container_name(step.name)
            argv = _podman.run_command_argv(
                image=step.image,
                workspace=job.workspace,
                command=command,
                name=name,
                environment=job.environment,
                options=self.settings.podman_options,
            )
        result = run_process(
            argv,
            cwd=job.workspace,
            env=job.process_environment(),
            log_path=log_path,
            stop=job.stop,
            grace_period=self.settings.stop_grace_period,
        )
        if name is not None and not result.succeeded:
            _podman.remove_container(name)  # podman run killed after the grace period leaves it running
        return result

    def _shell(self) -> str:
        return self.settings.shell if shutil.which(self.settings.shell) else "sh"


def load_steps(job: EngineJob) -> list[_Step]:
    """The steps of ``workflow.specification``.

    A serial spec kept in a separate file (``workflow.file``) is read into ``specification`` when
    the workflow is created, as ``reana-client`` does, so the engine sees it there too.
    """
    specification = job.workflow.get("specification")
    raw_steps = specification.get("steps") if isinstance(specification, dict) else None
    if not isinstance(raw_steps, list) or not raw_steps:
        raise WorkflowError("the serial workflow has no steps: give workflow.specification.steps, a list of steps")
    return [_parse_step(index, raw) for index, raw in enumerate(raw_steps)]


def _parse_step(index: int, raw: Any) -> _Step:
    commands = raw.get("commands") if isinstance(raw, dict) else None
    if not isinstance(commands, list) or not commands or not all(isinstance(c, str) for c in commands):
        raise WorkflowError(f"step {index} has no commands: give it `commands`, a list of shell commands")
    name = raw.get("name") or f"step{index}"
    image = raw.get("environment")
    return _Step(index, str(name), tuple(commands), str(image) if image else None)


def expand_parameters(steps: list[_Step], parameters: dict[str, Any]) -> list[_Step]:
    """Substitute ``$name`` / ``${name}`` in every command, as REANA does with ``string.Template``."""
    expanded = []
    for step in steps:
        commands = []
        for command in step.commands:
            try:
                commands.append(Template(command).substitute(parameters))
            except KeyError as missing:
                raise WorkflowError(
                    f"step {step.name!r} uses the parameter ${{{missing.args[0]}}}, which is not defined: add it "
                    f"to inputs.parameters or give -p {missing.args[0]}=VALUE (write $$ for a literal $, as in $$HOME)"
                ) from None
            except ValueError as invalid:
                raise WorkflowError(
                    f"step {step.name!r} has a '$' that is not a parameter reference ({invalid}); "
                    "write $$ for a literal $"
                ) from None
        expanded.append(step._replace(commands=tuple(commands)))
    return expanded


def select_steps(steps: list[_Step], options: dict[str, Any]) -> list[_Step]:
    """The steps from ``FROM`` to ``TARGET`` (both included), or all of them."""
    unknown = sorted(set(options) - set(OPERATIONAL_OPTIONS))
    if unknown:
        raise WorkflowError(
            f"serial workflows do not take the operational option(s) {', '.join(unknown)}; "
            f"they take {', '.join(OPERATIONAL_OPTIONS)}"
        )
    first = _find_step(steps, options["FROM"], "FROM") if options.get("FROM") is not None else 0
    last = _find_step(steps, options["TARGET"], "TARGET") if options.get("TARGET") is not None else len(steps) - 1
    if first > last:
        raise WorkflowError(
            f"FROM step {steps[first].name!r} comes after TARGET step {steps[last].name!r}; "
            "FROM must be the same step as TARGET or an earlier one"
        )
    return steps[first : last + 1]


def _find_step(steps: list[_Step], wanted: Any, option: str) -> int:
    for step in steps:
        if step.name.lower() == str(wanted).lower():
            return step.position
    if isinstance(wanted, int) or (isinstance(wanted, str) and wanted.isdigit()):
        index = int(wanted)
        if 0 <= index < len(steps):
            return index
    names = ", ".join(f"{step.position}: {step.name}" for step in steps)
    raise WorkflowError(f"{option}={wanted!r} names no step of this workflow; its steps are {names}")
