"""What REANA refuses beyond its JSON schema, checked on the typed spec.

Two checks run inside ``reana-client validate`` (and on the server) before any workflow starts, outside
``reana_analysis_schema.json``:

* operational options (reana-commons ``operational_options.py``): each workflow type takes its own few;
* the serial loader (reana-commons ``serial.py``): a serial workflow needs at least one step,
  ``htcondor_max_runtime`` is a number of seconds or an HTCondor job flavour, and
  ``kubernetes_memory_limit`` is a Kubernetes quantity.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from openvre.workflows._problems import Findings

if TYPE_CHECKING:
    from openvre.workflows.spec import ReanaSpec, SerialStep

OPERATIONAL_OPTIONS: dict[str, tuple[str, ...]] = {
    "serial": ("CACHE", "FROM", "TARGET"),
    "cwl": ("TARGET",),
    "yadage": ("toplevel", "initdir", "initfiles", "accept_metadir"),
    "snakemake": ("report",),
}
"""The ``inputs.options`` each workflow type takes (REANA translates cwl's TARGET to ``--target``)."""

HTCONDOR_JOB_FLAVOURS = ("espresso", "microcentury", "longlunch", "workday", "tomorrow", "testmatch", "nextweek")
"""CERN HTCondor job flavours, shortest first; REANA accepts these or a number of seconds."""

# A Kubernetes quantity as REANA's serial loader checks it: searched, not matched from the start.
_KUBERNETES_MEMORY = re.compile(r"(?:\d+|(?:\d+\.)?\d+[EPTGMK]i?)$")


def check_rules(spec: ReanaSpec, findings: Findings) -> None:
    """Add an error to ``findings`` for each option and serial step REANA would refuse."""
    _check_options(spec, findings)
    workflow = spec.workflow
    if workflow.type == "serial" and workflow.specification is not None:
        steps = workflow.specification.steps
        if not steps:
            findings.error(
                ("workflow", "specification", "steps"),
                "a serial workflow needs at least one step",
                "add `steps:` with items of `environment:` and `commands:`",
                check="serial",
            )
        for index, step in enumerate(steps):
            _check_step(index, step, findings)


def _check_options(spec: ReanaSpec, findings: Findings) -> None:
    workflow_type = spec.workflow.type
    mine = OPERATIONAL_OPTIONS[workflow_type]
    for option in spec.inputs.options:
        path = ("inputs", "options", option)
        others = [kind for kind, options in OPERATIONAL_OPTIONS.items() if option in options]
        if option in mine:
            continue
        if others:
            message = f"operational option {option!r} is for {' and '.join(others)} workflows, not {workflow_type}"
        else:
            message = f"{option!r} is not an operational option REANA knows"
        fix = f"remove it; {workflow_type} workflows take {', '.join(mine)}"
        findings.error(path, message, fix, check="options")


def _check_step(index: int, step: SerialStep, findings: Findings) -> None:
    path = ("workflow", "specification", "steps", index)
    runtime = step.htcondor_max_runtime
    if runtime and not runtime.isdigit() and runtime not in HTCONDOR_JOB_FLAVOURS:
        findings.error(
            (*path, "htcondor_max_runtime"),
            f"htcondor_max_runtime {runtime!r} is neither a number of seconds nor an HTCondor job flavour",
            f'write seconds in quotes (e.g. "3600") or one of {", ".join(HTCONDOR_JOB_FLAVOURS)}',
            check="serial",
        )
    memory = step.kubernetes_memory_limit
    if memory is not None and not _KUBERNETES_MEMORY.search(memory):
        findings.error(
            (*path, "kubernetes_memory_limit"),
            f"kubernetes_memory_limit {memory!r} is not a Kubernetes memory quantity",
            "write a number with an optional unit and no space, e.g. 512Mi, 2Gi or 1G",
            check="serial",
        )
