"""Everything ``reana-client validate`` checks in a reana.yaml, as one report of errors and warnings.

>>> report = validate_spec('''
... workflow:
...   type: serial
...   specification:
...     steps:
...       - environment: docker.io/library/python:3.12-slim
...         commands: ["sudo python run.py --n ${events}"]
... ''', source="reana.yaml")
>>> report.valid, [problem.check for problem in report.warnings]
(True, ['parameters', 'parameters', 'dangerous-operation'])
>>> print(report.warnings[2])
line 7, workflow.specification.steps.0.commands.0: step 0 runs `sudo`, which might be dangerous; install what \
the step needs in its container image instead; steps do not run as root

The verdict is reana-commons 0.9.11's: the document either is refused (``errors``: YAML, schema,
operational options, REANA's serial loader), or passes with ``warnings`` on unexpected keys, or is valid.
On top come reana-client's checks, as warnings where reana-client warns:

* parameters (serial): ``$name``/``${name}`` used but not in ``inputs.parameters``, parameters never used,
  and ``$`` signs REANA's serial engine cannot substitute. REANA's engine replaces ``$name`` as well as
  ``${name}`` (``string.Template``), so both count as uses; reana-client sees only ``${name}`` and wrongly
  reports parameters used as ``$name`` as unused;
* dangerous operations: ``sudo`` and ``cd /`` in a serial command (as words, where reana-client matches
  the bare text, so ``pseudo x`` is no alarm here);
* compute backends, when ``compute_backends`` says what the server offers (``--server-capabilities``):
  a step asking for another one is an error;
* files, when ``base_dir`` is the analysis directory: ``workflow.file``, the cwl/snakemake parameter
  file, ``inputs.files`` and ``inputs.directories`` must exist there (reana-client fails on them later,
  when it loads or uploads).

Steps of cwl, snakemake and yadage workflows live in their own files, which only their engines can read
(cwltool, snakemake, yadage), so their parameters and operations are checked when the engine loads them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from openvre.workflows._problems import Findings, KeyPath, Problem
from openvre.workflows.spec import ReanaSpec, SerialStep, read_spec

_DANGEROUS_OPERATIONS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"(?<![\w-])sudo\s"),
        "sudo",
        "install what the step needs in its container image instead; steps do not run as root",
    ),
    (
        re.compile(r"(?<![\w-])cd\s+/"),
        "cd /",
        "stay in the workspace (the step's working directory) and use paths relative to it",
    ),
)


@dataclass(frozen=True)
class ValidationReport:
    """What is wrong with one reana.yaml. ``spec`` is the typed spec when there are no errors."""

    source: str
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    spec: ReanaSpec | None

    @property
    def valid(self) -> bool:
        """No errors: REANA would accept it (warnings or not)."""
        return not self.errors


def validate_spec(
    document: str | Mapping[Any, Any],
    *,
    source: str = "reana.yaml",
    base_dir: Path | None = None,
    compute_backends: Sequence[str] | None = None,
) -> ValidationReport:
    """Check reana.yaml text (or the JSON object a REANA client sends) as REANA and reana-client do.

    ``source`` names the file in messages. ``base_dir`` is the analysis directory the spec's paths are
    relative to; without it files are not looked for. ``compute_backends`` is what the server offers;
    without it backends are not checked (as ``reana-client validate`` without ``--server-capabilities``).
    """
    spec, findings = read_spec(document)
    if spec is not None:  # the further checks need a document REANA's schema accepts
        if "inputs" not in spec.model_fields_set:
            findings.warn(
                ("inputs",),
                "there are no `inputs`; REANA uploads only the files and parameters listed there",
                "add `inputs:` with the `files`, `directories` and `parameters` the analysis needs",
                check="parameters",
            )
        steps = _serial_steps(spec)
        _check_parameters(spec.inputs.parameters, steps, findings)
        _check_operations(steps, findings)
        if compute_backends is not None:
            _check_compute_backends(steps, compute_backends, findings)
        if base_dir is not None:
            _check_files(spec, base_dir, findings)
    return ValidationReport(
        source=source,
        errors=tuple(findings.errors),
        warnings=tuple(findings.warnings),
        spec=spec if not findings.errors else None,
    )


def _serial_steps(spec: ReanaSpec) -> list[tuple[KeyPath, str, SerialStep]]:
    """Each serial step with its path and the name REANA's messages use (its ``name``, else its index)."""
    workflow = spec.workflow
    if workflow.type != "serial" or workflow.specification is None:
        return []
    return [
        (("workflow", "specification", "steps", index), step.name or str(index), step)
        for index, step in enumerate(workflow.specification.steps)
    ]


def _check_parameters(
    parameters: Mapping[str, object], steps: list[tuple[KeyPath, str, SerialStep]], findings: Findings
) -> None:
    if not steps:
        return
    used: dict[str, tuple[KeyPath, str, list[str]]] = {}  # parameter -> first use: command, as written; steps
    for path, name, step in steps:
        for number, command in enumerate(step.commands):
            command_path = (*path, "commands", number)
            for match in Template.pattern.finditer(command):
                parameter = match.group("named") or match.group("braced")
                if parameter:
                    users = used.setdefault(parameter, (command_path, match.group(0), []))[2]
                    if name not in users:
                        users.append(name)
                elif match.group("invalid") is not None:
                    _invalid_placeholder(command, match.start(), command_path, name, findings)
    for parameter, (first, written, users) in used.items():
        if parameter not in parameters:
            findings.warn(
                first,
                f"{written} is used in step{'s' if len(users) > 1 else ''} {', '.join(users)} but `{parameter}` is "
                "not in inputs.parameters, so the step would fail",
                f"add `{parameter}: <value>` under inputs.parameters; for a shell variable write ${written} "
                "(REANA replaces $name and ${name} with parameters before a step runs)",
                check="parameters",
            )
    for parameter in parameters:
        if parameter not in used:
            findings.warn(
                ("inputs", "parameters", parameter),
                f"input parameter `{parameter}` is not used by any command",
                f"use it in a command as ${{{parameter}}}, or remove it from inputs.parameters",
                check="parameters",
            )


def _invalid_placeholder(command: str, at: int, path: KeyPath, step: str, findings: Findings) -> None:
    text = command[at : at + 2]
    findings.warn(
        path,
        f"step {step} has {text!r}, a '$' that is not a parameter: REANA's serial engine cannot substitute it "
        "and the step would fail",
        f"write $$ for a literal $ (e.g. $${text[1:]}); parameter names are letters, digits and _",
        check="parameters",
    )


def _check_operations(steps: list[tuple[KeyPath, str, SerialStep]], findings: Findings) -> None:
    for path, name, step in steps:
        for number, command in enumerate(step.commands):
            for pattern, operation, fix in _DANGEROUS_OPERATIONS:
                if pattern.search(command):
                    findings.warn(
                        (*path, "commands", number),
                        f"step {name} runs `{operation}`, which might be dangerous",
                        fix,
                        check="dangerous-operation",
                    )


def _check_compute_backends(
    steps: list[tuple[KeyPath, str, SerialStep]], offered: Sequence[str], findings: Findings
) -> None:
    for path, name, step in steps:
        if step.compute_backend and step.compute_backend not in offered:
            findings.error(
                (*path, "compute_backend"),
                f"step {name} asks for compute backend {step.compute_backend!r}, which this server does not offer",
                f"use {' or '.join(offered) or 'no compute_backend'}, or remove compute_backend for the default",
                check="compute-backend",
            )


def _check_files(spec: ReanaSpec, base_dir: Path, findings: Findings) -> None:
    where = f"in {base_dir}" if str(base_dir) not in ("", ".") else "here"
    wanted: list[tuple[KeyPath, str, bool]] = []  # path in the spec, file, is it a directory
    if spec.workflow.file:
        wanted.append((("workflow", "file"), spec.workflow.file, False))
    parameter_file = spec.inputs.parameters.get("input")
    if spec.workflow.type in ("cwl", "snakemake") and isinstance(parameter_file, str):
        wanted.append((("inputs", "parameters", "input"), parameter_file, False))
    wanted += [(("inputs", "files", index), name, False) for index, name in enumerate(spec.inputs.files)]
    wanted += [(("inputs", "directories", index), name, True) for index, name in enumerate(spec.inputs.directories)]
    for path, name, directory in wanted:
        target = base_dir / name
        if not (target.is_dir() if directory else target.is_file()):
            kind = "directory" if directory else "file"
            findings.error(
                path,
                f"the {kind} {name!r} ({'.'.join(map(str, path))}) does not exist {where}",
                "create it, or correct the path: it is relative to the directory of reana.yaml",
                check="missing-file",
            )


__all__ = ["Problem", "ValidationReport", "validate_spec"]
