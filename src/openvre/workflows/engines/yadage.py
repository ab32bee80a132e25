"""Yadage workflows, run by ``yadage-run`` with every step as a local process in the workspace.

As in REANA (``reana-workflow-engine-yadage``): the parameters are the workflow's init data, the
workspace is yadage's data directory, and the operational options ``toplevel`` (where the
workflow file and its references are read from, ``workflow.file`` being relative to it),
``initdir`` (where relative init paths point), ``initfiles`` (YAML files of more init data) and
``accept_metadir`` (reuse the ``_yadage`` directory of an earlier run) are workspace-relative
paths. A ``github:`` toplevel is refused: this machine reaches no code host.

Steps declared ``docker-encapsulated`` (REANA's usual) or ``localproc-env`` run through openvre's
packtivity executor (``_yadage_local``, loaded into yadage-run as a plugin): the image is recorded,
the step runs locally, and the executor reports each step's start, output and exit code on
yadage's stdout.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openvre
from openvre.errors import OpenVREError
from openvre.workflows.engines._steps import StepTracker, outcome
from openvre.workflows.engines._tool import distribution_versions, existing_file, run_tool
from openvre.workflows.engines.base import EngineJob, EngineOutcome, EngineSettings
from openvre.workflows.errors import WorkflowError
from openvre.workflows.workspace import internal_dir, safe_path

ENTRY_POINT = "yadage.steering:main"
EXECUTOR_PLUGIN = "openvre.workflows.engines._yadage_local"
IMPLEMENTATION = "openvre"  # the executor's name in packtivity's handler table
ENVIRONMENTS = ("docker-encapsulated", "localproc-env")  # the step environments it runs
STEP_MARKER = "::openvre-step::"  # + JSON: {"event": "start"|"end", "key", "step", "command", "image", "exit_code"}
OUTPUT_MARKER = "::openvre-output::"  # + "<key>::<one line of the step's output>"
OPERATIONAL_OPTIONS = ("toplevel", "initdir", "initfiles", "accept_metadir")


PYTHON_ENV = "OPENVRE_YADAGE_PYTHON"
# yadage-schemas pins jsonschema <= 4.9.1; JupyterLab 4 (an openvre dependency) needs >= 4.18, under which
# yadage-schemas' validator refuses valid workflows. So yadage runs in an environment of its own.
OWN_ENVIRONMENT = ("yadage==0.21.2", "yadage-schemas==0.11.1", "pydantic>=2.7", "pydantic-settings>=2.4", "pyyaml>=6")


@dataclass(frozen=True)
class YadageSettings(EngineSettings):
    backend: str = field(
        default="multiproc:auto",
        metadata={"help": "packtivity backend (`yadage-run -b`); `multiproc:auto` runs one step per core at once."},
    )
    python: str = field(
        default_factory=lambda: os.environ.get(PYTHON_ENV, ""),
        metadata={
            "help": f"Python of the environment yadage runs in ({PYTHON_ENV}); empty: this one. "
            f"Needed beside JupyterLab 4: pip install {' '.join(OWN_ENVIRONMENT)}"
        },
    )


class YadageEngine:
    name = "yadage"
    extra: str | None = "yadage"
    settings_class = YadageSettings

    def __init__(self, settings: YadageSettings | None = None) -> None:
        self.settings = settings or YadageSettings()

    def versions(self) -> dict[str, str]:
        names = ("yadage", "packtivity", "adage", "yadage-schemas")
        return distribution_versions(*names, python=self.settings.python or None)

    def run(self, job: EngineJob) -> EngineOutcome:
        try:
            args = self._arguments(job)
        except OpenVREError as error:
            job.log(f"error: {error.message}")
            return EngineOutcome("failed", error.message, None)
        if not self.settings.python and _jsonschema_too_new():
            message = (
                "yadage cannot validate workflows next to JupyterLab 4 (yadage-schemas needs jsonschema <= 4.9.1): "
                f"make an environment with `pip install {' '.join(repr(r) for r in OWN_ENVIRONMENT)}` and set "
                f"{PYTHON_ENV} to its python"
            )
            job.log(f"error: {message}")
            return EngineOutcome("failed", message, None)
        tracker = StepTracker(job)
        result = run_tool(
            job,
            tool="yadage",
            entry_point=ENTRY_POINT,
            args=args,
            reader=YadageLog(job, tracker),
            settings=self.settings,
            environment={"PACKTIVITY_SYNCCONFIGFILE": str(_select_executor(job.workspace)), **self._import_path(job)},
            python=self.settings.python or None,
        )
        return outcome(tracker, result, tool="yadage-run", total_steps=None)

    def _import_path(self, job: EngineJob) -> dict[str, str]:
        """In yadage's own environment, openvre's package alone on the path (for the executor plugin).

        Not this environment's site-packages: its jsonschema is the one yadage cannot use.
        """
        if not self.settings.python:
            return {}
        shim = internal_dir(job.workspace, "yadage") / "pythonpath"
        shim.mkdir(parents=True, exist_ok=True)
        link = shim / "openvre"
        if not link.exists():
            link.symlink_to(Path(openvre.__file__).parent, target_is_directory=True)
        return {"PYTHONPATH": str(shim)}

    def _arguments(self, job: EngineJob) -> list[str]:
        options = job.operational_options
        unknown = sorted(set(options) - set(OPERATIONAL_OPTIONS))
        if unknown:
            raise WorkflowError(
                f"yadage workflows do not take the operational option(s) {', '.join(unknown)}; "
                f"they take {', '.join(OPERATIONAL_OPTIONS)}"
            )
        toplevel = _workspace_dir(job, options.get("toplevel"), "toplevel")
        workflow = str(job.workflow.get("file") or "")
        if not workflow:
            raise WorkflowError("yadage workflows need workflow.file, the workflow's main file")
        existing_file(job, str(Path(toplevel.relative_to(job.workspace.resolve()), workflow)), "workflow.file")
        initfiles = [str(existing_file(job, str(name), "the initfile")) for name in options.get("initfiles") or []]
        args = [str(job.workspace), workflow, *initfiles, "-t", str(toplevel)]
        args += ["-d", f"initdir={_workspace_dir(job, options.get('initdir'), 'initdir')}"]
        args += ["-b", self.settings.backend, "--plugins", EXECUTOR_PLUGIN]
        if options.get("accept_metadir"):
            args.append("--accept-metadir")
        for name, value in job.parameters.items():
            args += ["-p", f"{name}={json.dumps(value)}"]  # JSON is YAML, which yadage reads -p values as
        return args


def _jsonschema_too_new() -> bool:
    version = distribution_versions("jsonschema")["jsonschema"].split(".")
    try:
        return (int(version[0]), int(version[1])) >= (4, 18)
    except (ValueError, IndexError):  # "not installed", or a version we cannot read: let yadage say
        return False


def _workspace_dir(job: EngineJob, name: Any, option: str) -> Path:
    if not name:
        return job.workspace.resolve()
    if str(name).startswith("github:"):
        raise WorkflowError(f"{option} {name!r}: workflows are read from the workspace here; upload them")
    return safe_path(job.workspace, str(name))


def _select_executor(workspace: Path) -> Path:
    """The packtivity configuration that routes the step environments to openvre's executor."""
    path = internal_dir(workspace, "yadage") / "packtivity.json"  # JSON is YAML, which packtivity reads
    path.write_text(json.dumps({"executor": dict.fromkeys(ENVIRONMENTS, IMPLEMENTATION)}))
    return path


class YadageLog:
    """Reads the executor's step lines into events and step logs; the rest is yadage's own log."""

    def __init__(self, job: EngineJob, tracker: StepTracker) -> None:
        self._job = job
        self._tracker = tracker

    def feed(self, line: str) -> None:
        if line.startswith(OUTPUT_MARKER):
            key, _, output = line.removeprefix(OUTPUT_MARKER).partition("::")
            self._tracker.write(key, output)
        elif line.startswith(STEP_MARKER):
            self._step(json.loads(line.removeprefix(STEP_MARKER)))
        else:
            self._job.log(line)

    def _step(self, report: dict[str, Any]) -> None:
        if report["event"] == "start":
            if report["image"]:
                self._job.log(
                    f"step {report['step']}: image {report['image']} recorded; running as a local process in the "
                    "workspace (no container runtime configured)"
                )
            self._tracker.start(report["key"], report["step"], command=report["command"], image=report["image"])
        else:
            code = int(report["exit_code"])
            self._tracker.finish(report["key"], "finished" if code == 0 else "failed", exit_code=code)
