"""The interface between the scheduler and the workflow engines.

The scheduler hands an engine an :class:`EngineJob` (the reana.yaml ``workflow`` section, the
workspace, parameters, operational options, callbacks) and gets back an :class:`EngineOutcome`;
while the workflow runs the engine reports each step's life as :class:`StepEvent` s. Engines never
raise for a workflow that fails or a spec they cannot run: that is a ``failed`` outcome whose
message tells the user what to fix. :func:`get_engine` is the one way to obtain an engine; it
raises :class:`EngineNotAvailable` naming the pip extra when the engine's tool is not installed.

>>> engine = get_engine("serial")
>>> engine.name, engine.extra
('serial', None)
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, NamedTuple, Protocol

from openvre.errors import InvalidSettings
from openvre.workflows.engines import _podman
from openvre.workflows.errors import EngineNotAvailable
from openvre.workflows.workspace import internal_dir

StepStatus = Literal["running", "finished", "failed", "stopped"]
OutcomeStatus = Literal["finished", "failed", "stopped"]
ContainerRuntime = Literal["none", "podman"]


@dataclass(frozen=True)
class StepEvent:
    """One step's life, reported as it happens: once ``running``, then once finished, failed or stopped."""

    step: str
    status: StepStatus
    command: str | None
    image: str | None
    exit_code: int | None
    started_at: datetime | None
    finished_at: datetime | None
    log_path: Path | None  # per-step log file inside the workspace's .openvre/logs/


@dataclass
class EngineJob:
    """Everything an engine needs to run one workflow run."""

    workflow: dict[str, Any]  # the reana.yaml `workflow` section (type, file, specification, resources)
    workspace: Path  # run's workspace; cwd of every step
    parameters: dict[str, Any]  # inputs.parameters merged with user -p overrides
    operational_options: dict[str, Any]  # e.g. FROM/TARGET for serial, engine-specific for others
    environment: dict[str, str]  # extra env for steps (e.g. RUCIO_CONFIG when resources.rucio)
    on_event: Callable[[StepEvent], None]
    stop: threading.Event  # set → kill the whole process group promptly, report "stopped"
    log: Callable[[str], None]  # workflow-level log lines (engine messages)
    # Subdirectory of .openvre/logs for this run: restarts share a workspace but never each other's logs.
    log_label: str = ""

    def log_dir(self) -> Path:
        return internal_dir(self.workspace, "logs", *([self.log_label] if self.log_label else []))

    def process_environment(self) -> dict[str, str]:
        """The environment every process of this run gets: openvre's own plus the run's extras."""
        return {**os.environ, **self.environment}


@dataclass(frozen=True)
class EngineOutcome:
    """How a run ended; ``message`` is written for the user, ``total_steps`` is None when unknown."""

    status: OutcomeStatus
    message: str
    total_steps: int | None


class Engine(Protocol):
    name: str
    extra: str | None  # pip extra that provides it

    def versions(self) -> dict[str, str]: ...  # tool versions for provenance

    def run(self, job: EngineJob) -> EngineOutcome: ...


@dataclass(frozen=True)
class EngineSettings:
    """Settings every engine has; each engine's settings class adds its own fields."""

    stop_grace_period: float = field(
        default=5.0, metadata={"help": "Seconds a stopped run's processes get between SIGTERM and SIGKILL."}
    )


class _Registration(NamedTuple):
    module: str
    class_name: str
    tool_module: str | None  # the Python package the engine runs, None when built in
    extra: str | None


_ENGINES: dict[str, _Registration] = {
    "serial": _Registration("openvre.workflows.engines.serial", "SerialEngine", None, None),
    "cwl": _Registration("openvre.workflows.engines.cwl", "CWLEngine", "cwltool", "cwl"),
    "snakemake": _Registration("openvre.workflows.engines.snakemake", "SnakemakeEngine", "snakemake", "snakemake"),
    "yadage": _Registration("openvre.workflows.engines.yadage", "YadageEngine", "yadage", "yadage"),
}

WORKFLOW_TYPES: tuple[str, ...] = tuple(_ENGINES)


def get_engine(
    workflow_type: str, settings: EngineSettings | None = None, *, container_runtime: ContainerRuntime | None = None
) -> Engine:
    """The engine for a reana.yaml ``workflow.type``, configured with ``settings`` (its own settings class).

    Without ``settings``, the engine gets its defaults with ``container_runtime`` (openvre's setting)
    applied when the engine runs steps in containers; the scheduler passes it, so one setting
    configures every engine. Raises :class:`EngineNotAvailable` for an unknown type, when the
    engine's tool is not installed (with the ``pip install`` line that fixes it), or when the
    settings ask for podman and it is missing (with the Debian packages to install).
    """
    registration = _ENGINES.get(workflow_type)
    if registration is None:
        raise EngineNotAvailable(
            f"no engine for workflow type {workflow_type!r}; openvre runs {', '.join(WORKFLOW_TYPES)} workflows",
            field="workflow.type",
        )
    if registration.tool_module and not _installed(registration.tool_module):
        raise EngineNotAvailable(
            f"{workflow_type} workflows need {registration.tool_module}, which is not installed here: "
            f"pip install 'openvre[{registration.extra}]'",
            field="workflow.type",
        )
    engine_class = getattr(importlib.import_module(registration.module), registration.class_name)
    settings_class: type[EngineSettings] = engine_class.settings_class
    if settings is None:
        settings = _default_settings(settings_class, container_runtime)
    if not isinstance(settings, settings_class):
        raise InvalidSettings(
            f"the {workflow_type} engine takes {settings_class.__name__}, not {type(settings).__name__}"
        )
    if getattr(settings, "container_runtime", "none") == "podman":
        _podman.require_podman()
    return engine_class(settings)  # type: ignore[no-any-return]


def _default_settings(
    settings_class: type[EngineSettings], container_runtime: ContainerRuntime | None
) -> EngineSettings:
    """The engine's default settings, with openvre's ``container_runtime`` if the engine has that setting."""
    takes_runtime = any(f.name == "container_runtime" for f in dataclasses.fields(settings_class))
    if container_runtime is None or not takes_runtime:
        return settings_class()
    return settings_class(container_runtime=container_runtime)  # type: ignore[call-arg]


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (the tools are slow to import)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: sys.modules holds None for it (import blocked)
        return False
