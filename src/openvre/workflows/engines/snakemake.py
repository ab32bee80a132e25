"""Snakemake workflows, run by the ``snakemake`` command line (Snakemake 8 or 9) on local cores.

As in REANA (``reana-workflow-engine-snakemake``), the parameter file named by the spec
(``inputs.parameters.input`` or ``workflow.parameters.file``) is Snakemake's config, the workflow runs
with the workspace as working directory, and an HTML report is written after a successful run
(``report.html``, or the name the ``report`` operational option gives). Other parameters override
the file's values; they reach Snakemake as a second config file, so values keep their types.

Steps are Snakemake jobs. They are read from Snakemake's log: a ``rule NAME:`` block (whose
``jobid`` keys the step and whose ``wildcards`` name it, ``count (sample=A)`` as REANA does) starts a
step; ``Finished jobid: N`` (Snakemake 9) or ``Finished job N.`` (8) ends it; ``Error in rule``
fails it with the exit status of the ``CalledProcessError`` line before it. Output between a job's
start and end goes to its step log when it is the only job running (always, with one core).
Runs use ``--nolock --rerun-incomplete``: the scheduler never runs two runs in one workspace, and a
stopped run must not leave a lock or incomplete files that refuse the next one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from openvre.errors import OpenVREError
from openvre.workflows.engines._steps import StepTracker, outcome
from openvre.workflows.engines._tool import distribution_versions, parameter_file, run_tool, workflow_file
from openvre.workflows.engines.base import EngineJob, EngineOutcome, EngineSettings
from openvre.workflows.errors import WorkflowError
from openvre.workflows.workspace import internal_dir, safe_path

ENTRY_POINT = "snakemake.cli:main"
DEFAULT_REPORT = "report.html"
OPERATIONAL_OPTIONS = ("report",)


@dataclass(frozen=True)
class SnakemakeSettings(EngineSettings):
    cores: int = field(default=1, metadata={"help": "Cores Snakemake may use at once (`--cores`)."})
    report: bool = field(
        default=True,
        metadata={"help": "Write Snakemake's HTML report after a successful run, as REANA does (about 1 s)."},
    )


class SnakemakeEngine:
    name = "snakemake"
    extra: str | None = "snakemake"
    settings_class = SnakemakeSettings

    def __init__(self, settings: SnakemakeSettings | None = None) -> None:
        self.settings = settings or SnakemakeSettings()

    def versions(self) -> dict[str, str]:
        return distribution_versions("snakemake")

    def run(self, job: EngineJob) -> EngineOutcome:
        try:
            args = self._arguments(job)
            report = self._report_path(job)
        except OpenVREError as error:
            job.log(f"error: {error.message}")
            return EngineOutcome("failed", error.message, None)
        tracker = StepTracker(job)
        reader = SnakemakeLog(job, tracker)
        result = run_tool(
            job, tool="snakemake", entry_point=ENTRY_POINT, args=args, reader=reader, settings=self.settings
        )
        ended = outcome(tracker, result, tool="snakemake", total_steps=reader.total_steps)
        if ended.status == "finished" and report is not None:
            self._write_report(job, args, report)
        return ended

    def _arguments(self, job: EngineJob) -> list[str]:
        unknown = sorted(set(job.operational_options) - set(OPERATIONAL_OPTIONS))
        if unknown:
            raise WorkflowError(
                f"Snakemake workflows do not take the operational option(s) {', '.join(unknown)}; "
                f"they take {', '.join(OPERATIONAL_OPTIONS)}"
            )
        config_file, overrides = parameter_file(job)
        config_files = [str(config_file)] if config_file else []
        if overrides:
            overrides_file = internal_dir(job.workspace, "snakemake") / "parameters.json"
            overrides_file.write_text(json.dumps(overrides), encoding="utf-8")
            config_files.append(str(overrides_file))
        args = ["--snakefile", str(workflow_file(job)), "--directory", str(job.workspace)]
        args += ["--cores", str(self.settings.cores), "--printshellcmds", "--nocolor", "--nolock", "--rerun-incomplete"]
        return args + (["--configfile", *config_files] if config_files else [])

    def _report_path(self, job: EngineJob) -> str | None:
        if not self.settings.report:
            return None
        return str(safe_path(job.workspace, str(job.operational_options.get("report") or DEFAULT_REPORT)))

    def _write_report(self, job: EngineJob, args: list[str], report: str) -> None:
        """Write the HTML report; a report that fails is logged, the run stays finished."""
        result = run_tool(
            job,
            tool="snakemake",
            entry_point=ENTRY_POINT,
            args=[*args, "--report", report],
            reader=_Ignore(),
            settings=self.settings,
        )
        job.log(f"report written to {report}" if result.succeeded else f"no report: snakemake {result.describe()}")


class _Ignore:
    def feed(self, line: str) -> None:
        """The report run's output is in snakemake.log; it has no steps to read."""


_RULE = re.compile(r"^(?:local)?(?:rule|checkpoint) (?P<rule>\S+):$")
_FIELD = re.compile(r"^ {4}(?P<key>\w+): (?P<value>.*)$")
_SHELL = re.compile(r"^Shell command: (?P<command>.*)$")
_FINISHED = re.compile(r"^Finished (?:jobid: (?P<v9>\d+)|job (?P<v8>\d+)\.)")
_ERROR = re.compile(r"^Error in rule (?P<rule>\S+):$")
_EXIT_STATUS = re.compile(r"non-zero exit status (?P<code>\d+)")
_TOTAL = re.compile(r"^total\s+(?P<count>\d+)$")
_TIMESTAMP = re.compile(r"^\[\w{3} \w{3} +\d+ [\d:]+ \d{4}\]$")


@dataclass
class _Block:
    """A ``rule X:`` or ``Error in rule X:`` block: the header and its indented ``key: value`` lines."""

    kind: str
    rule: str
    fields: dict[str, str] = field(default_factory=dict)


class SnakemakeLog:
    """Reads Snakemake's output into step events; see the module docstring for the lines it uses."""

    def __init__(self, job: EngineJob, tracker: StepTracker) -> None:
        self._job = job
        self._tracker = tracker
        self._block: _Block | None = None
        self._running: list[str] = []  # jobids, in start order
        self._exit_code: int | None = None
        self.total_steps: int | None = None

    def feed(self, line: str) -> None:
        if self._block is not None:
            if line.startswith(" "):
                if match := _FIELD.match(line):
                    self._block.fields[match["key"]] = match["value"]
                self._job.log(line)
                return
            block, self._block = self._block, None
            if self._close(block, line):
                return
        self._read(line)

    def _read(self, line: str) -> None:
        if match := _RULE.match(line) or _ERROR.match(line):
            self._block = _Block("error" if line.startswith("Error") else "job", match["rule"])
        elif match := _FINISHED.match(line):
            self._end(match["v9"] or match["v8"], "finished", 0)
        elif match := _EXIT_STATUS.search(line):
            self._exit_code = int(match["code"])
        elif (match := _TOTAL.match(line)) and self.total_steps is None:
            self.total_steps = int(match["count"])
        if len(self._running) == 1 and not (self._block or _FINISHED.match(line) or _TIMESTAMP.match(line)):
            self._tracker.write(self._running[0], line)
        else:
            self._job.log(line)

    def _close(self, block: _Block, next_line: str) -> bool:
        """Act on a finished block; True when ``next_line`` (a ``Shell command:``) was used up by it."""
        jobid = block.fields.get("jobid", "")
        if block.kind == "error":
            self._end(jobid, "failed", self._exit_code)
            return False
        wildcards = block.fields.get("wildcards")
        step = f"{block.rule} ({wildcards})" if wildcards else block.rule
        shell = _SHELL.match(next_line)
        self._tracker.start(jobid, step, command=shell["command"] if shell else None)
        self._running.append(jobid)
        if shell:
            self._job.log(next_line)
        return shell is not None

    def _end(self, jobid: str, status: Any, exit_code: int | None) -> None:
        self._tracker.finish(jobid, status, exit_code=exit_code)
        if jobid in self._running:
            self._running.remove(jobid)
        self._exit_code = None
