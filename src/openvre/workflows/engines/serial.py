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
- A step's ``environment`` (its container image) is recorded in its events, but the step runs as
  a local process: there is no container runtime here, and the log says so.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from string import Template
from typing import Any, NamedTuple

from openvre import __version__
from openvre.errors import OpenVREError
from openvre.workflows.engines._steps import StepTracker, step_failure_message
from openvre.workflows.engines.base import EngineJob, EngineOutcome, EngineSettings
from openvre.workflows.errors import WorkflowError
from openvre.workflows.processes import run_process

OPERATIONAL_OPTIONS = ("FROM", "TARGET", "CACHE")


@dataclass(frozen=True)
class SerialSettings(EngineSettings):
    shell: str = field(
        default="bash",
        metadata={"help": "Shell that runs each command as `<shell> -c COMMAND`; `sh` is used if it is missing."},
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
        return {"openvre": __version__, shell: probe.stdout.strip() or "unknown"}

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

    def _run_step(self, job: EngineJob, tracker: StepTracker, step: _Step, total: int) -> EngineOutcome | None:
        """Run one step's commands in order; the run's outcome if the step did not finish, else None."""
        if step.image:
            job.log(
                f"step {step.name}: image {step.image} recorded; running as a local process in the workspace "
                "(no container runtime configured)"
            )
        else:
            job.log(f"step {step.name}: no environment given; running as a local process in the workspace")
        key = str(step.position)
        log_path = tracker.start(key, step.name, command="\n".join(step.commands), image=step.image)
        for command in step.commands:
            job.log(f"step {step.position} ({step.name}): {command}")
            result = run_process(
                [self._shell(), "-c", command],
                cwd=job.workspace,
                env=job.process_environment(),
                log_path=log_path,
                stop=job.stop,
                grace_period=self.settings.stop_grace_period,
            )
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
