"""reana.yaml as typed models, read from a file, from text or from the JSON a REANA client sends.

>>> spec = parse_spec('''
... inputs:
...   parameters: {name: Ada}
... workflow:
...   type: serial
...   specification:
...     steps:
...       - environment: docker.io/library/python:3.12-slim
...         commands: ["echo hello ${name}"]
... ''')
>>> spec.workflow.type, spec.inputs.parameters
('serial', {'name': 'Ada'})

These models are openvre's one description of reana.yaml. :mod:`openvre.workflows._schema` judges a
document against them with the rules of REANA's JSON schema (reana-commons 0.9.11), so a file gets the
same verdict here as from ``reana-client validate``; engines then read the typed result. A few keys that
newer REANA and openvre use but 0.9.11 does not declare (``resources.dask``, a step's ``kubernetes_uid``)
are marked :class:`Extension`: they are read, and reported as unexpected just as REANA 0.9.11 reports them.

:func:`parse_spec` refuses (raises :class:`InvalidWorkflowSpec` listing every problem, each with its
line) exactly what REANA refuses; :func:`openvre.workflows.validation.validate_spec` also gives warnings
and reana-client's further checks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import pydantic
from annotated_types import Ge, MaxLen, MinLen
from pydantic import BaseModel, ConfigDict, Field

from openvre.workflows._problems import Findings, KeyPath, Problem
from openvre.workflows._rules import check_rules
from openvre.workflows._schema import Extension, Matches, NeedsOneOf, Unique, check_document
from openvre.workflows._yaml import YamlSyntaxError, load_yaml
from openvre.workflows.errors import InvalidWorkflowSpec

ComputeBackend = Literal["kubernetes", "htcondorcern", "slurmcern", "compute4punch"]
"""Every ``compute_backend`` REANA's schema accepts; which ones a server offers is its own business."""

_NEWER_REANA = "openvre and newer REANA (0.95 pre-releases) use it; REANA 0.9 ignores it"
_SERIAL_ENGINE = "REANA 0.9's serial engine and openvre use it even so"

CvmfsRepository = Annotated[
    str,
    MinLen(1),
    MaxLen(60),
    Matches(
        r"^[a-zA-Z0-9][a-zA-Z0-9.\-_]*$",
        "a CVMFS repository name such as cms.cern.ch (letters, digits, '.', '-' and '_', starting with a letter "
        "or digit)",
    ),
]


class _Model(BaseModel):
    # Unknown keys are reported by the schema check, so building the typed spec ignores them.
    model_config = ConfigDict(frozen=True, extra="ignore")


class Inputs(_Model):
    files: list[str] = Field(
        default_factory=list, description="files uploaded with the analysis, relative to reana.yaml"
    )
    directories: list[str] = Field(default_factory=list, description="directories uploaded with the analysis")
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="values steps use as ${name}; `reana-client start -p` overrides them"
    )
    options: dict[str, Any] = Field(default_factory=dict, description="operational options for the engine, e.g. TARGET")


class Dask(_Model):
    image: str = Field(
        description="container image of the Dask workers", examples=["docker.io/coffeateam/coffea-dask:latest"]
    )
    number_of_workers: int | None = None
    single_worker_memory: str | None = None
    single_worker_threads: int | None = None


class Resources(_Model):
    cvmfs: Annotated[list[CvmfsRepository], Unique()] = Field(
        default_factory=list, description="CVMFS repositories to mount"
    )
    kerberos: bool = Field(default=False, description="a Kerberos ticket for the whole workflow")
    dask: Annotated[Dask | None, Extension(_NEWER_REANA)] = None
    voms_proxy: Annotated[bool, Extension(_NEWER_REANA)] = False
    rucio: Annotated[bool, Extension(_NEWER_REANA)] = False


class SerialStep(_Model):
    name: str | None = None
    environment: str = Field(description="the step's container image", examples=["docker.io/library/python:3.12-slim"])
    commands: Annotated[list[str], MinLen(1)] = Field(
        description="shell commands run in order", examples=['["python run.py"]']
    )
    compute_backend: ComputeBackend | None = None
    kerberos: bool = False
    voms_proxy: bool = False
    rucio: bool = False
    unpacked_img: bool = False
    # REANA 0.9's serial engine reads this older spelling (and ignores unpacked_img); 0.95 reads both.
    unpacked_image: Annotated[bool, Extension(_SERIAL_ENGINE)] = False
    kubernetes_uid: Annotated[int | None, Extension(_SERIAL_ENGINE)] = None
    kubernetes_memory_request: str | None = None
    kubernetes_memory_limit: str | None = None
    kubernetes_cpu_request: str | None = None
    kubernetes_cpu_limit: str | None = None
    kubernetes_job_timeout: int | None = Field(default=None, description="seconds the step may run")
    htcondor_max_runtime: str | None = None
    htcondor_accounting_group: str | None = None
    htcondor_request_cpus: Annotated[str | None, Extension(_NEWER_REANA)] = None
    htcondor_request_memory: Annotated[str | None, Extension(_NEWER_REANA)] = None
    htcondor_request_disk: Annotated[str | None, Extension(_NEWER_REANA)] = None
    htcondor_requirements: Annotated[str | None, Extension(_NEWER_REANA)] = None
    slurm_partition: Annotated[str | None, Extension(_SERIAL_ENGINE)] = None
    slurm_time: Annotated[str | None, Extension(_SERIAL_ENGINE)] = None
    c4p_cpu_cores: str | None = None
    c4p_memory_limit: str | None = None
    c4p_additional_requirements: str | None = None


class SerialSpecification(_Model):
    steps: list[SerialStep] = Field(default_factory=list, description="the steps, run one after the other")


class _Workflow(NeedsOneOf, _Model):
    needs_one_of: ClassVar[tuple[str, ...]] = ("file", "specification")
    needs_one_of_fix: ClassVar[str] = (
        "add `file: path/to/workflow` (the workflow file; cwl, snakemake and yadage) or an inline "
        "`specification:` (serial: `steps:`)"
    )

    file: str | None = Field(default=None, description="the workflow file, relative to reana.yaml")
    resources: Resources = Field(default_factory=Resources)


class SerialWorkflow(_Workflow):
    type: Literal["serial"]
    specification: SerialSpecification | None = None


class EngineWorkflow(_Workflow):
    """A workflow run by an external engine; its specification is the engine's own format."""

    type: Literal["cwl", "yadage", "snakemake"]
    specification: dict[str, Any] | None = None


Workflow = Annotated[SerialWorkflow | EngineWorkflow, Field(discriminator="type")]


class Outputs(_Model):
    files: list[str] = []
    directories: list[str] = []


class Tests(_Model):
    files: list[str] = Field(default_factory=list, description="Gherkin feature files that test the results")


class Workspace(_Model):
    root_path: str | None = None
    retention_days: Annotated[dict[str, Annotated[int, Ge(0)]], MinLen(1)] | None = Field(
        default=None, description="days to keep the files matching each glob"
    )


class ReanaSpec(_Model):
    """A whole reana.yaml."""

    version: str | None = None
    inputs: Inputs = Field(default_factory=Inputs)
    workflow: Workflow = Field(description="what to run", examples=["{type: serial, specification: {steps: [...]}}"])
    outputs: Outputs = Field(default_factory=Outputs)
    workspace: Workspace = Field(default_factory=Workspace)
    tests: Tests = Field(default_factory=Tests)


def load_spec(path: Path) -> ReanaSpec:
    """Read and check the reana.yaml at ``path``; problems name ``path`` and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        raise InvalidWorkflowSpec(f"cannot read {path}: {reason}; pass the path of your reana.yaml") from None
    return parse_spec(text, source=str(path))


def parse_spec(document: str | Mapping[Any, Any], source: str = "reana.yaml") -> ReanaSpec:
    """The typed spec of reana.yaml text (or of the JSON object a REANA client sends).

    Raises :class:`InvalidWorkflowSpec` with every error when REANA would refuse it; warnings are
    :func:`~openvre.workflows.validation.validate_spec`'s business.
    """
    spec, findings = read_spec(document)
    if findings.errors or spec is None:
        raise _refusal(source, findings)
    return spec


def read_spec(document: object) -> tuple[ReanaSpec | None, Findings]:
    """The typed spec (None when REANA would refuse it) and every schema problem, for this package's checks."""
    lines: dict[KeyPath, int] = {}
    if isinstance(document, str):
        try:
            loaded = load_yaml(document)
        except YamlSyntaxError as error:
            findings = Findings()
            findings.errors.append(_yaml_problem(error))
            return None, findings
        document, lines = loaded.document, loaded.lines
    findings = check_document(document, ReanaSpec, lines)
    if findings.errors:
        return None, findings
    try:
        spec = ReanaSpec.model_validate(_json_like(document, findings.unusable, ()))
    except pydantic.ValidationError as error:  # the schema check let through what the models refuse: a bug
        findings.error((), f"openvre cannot read this specification: {error}", "report this as a bug in openvre")
        return None, findings
    check_rules(spec, findings)
    return spec, findings


def _refusal(source: str, findings: Findings) -> InvalidWorkflowSpec:
    """The error for a refused spec: its first problem (with ``source:line``) and how many more there are."""
    first = findings.errors[0]
    where = f"{source}:{first.line}" if first.line else source
    more = len(findings.errors) - 1
    tail = f" ({more} more problem{'s' if more > 1 else ''}: run `vre validate`)" if more else ""
    return InvalidWorkflowSpec(
        f"{where}: {first.message}; {first.fix}{tail}", problems=findings.errors, field=first.path or None
    )


def _yaml_problem(error: YamlSyntaxError) -> Problem:
    return Problem(
        "",
        error.line,
        f"this is not valid YAML: {error.message}",
        "check the indentation and quoting at that line (a ':' inside a value needs quotes)",
        "yaml",
    )


def _json_like(value: object, leave_out: list[KeyPath], path: KeyPath) -> object:
    """``value`` as the JSON object REANA's server receives from reana-client (keys become strings)."""
    if isinstance(value, dict):
        return {
            key if isinstance(key, str) else _json_key(key): _json_like(item, leave_out, (*path, key))
            for key, item in value.items()
            if (*path, key) not in leave_out
        }
    if isinstance(value, list):
        return [_json_like(item, leave_out, (*path, index)) for index, item in enumerate(value)]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _json_key(key: object) -> str:
    return json.dumps(key) if isinstance(key, bool | int | float) or key is None else str(key)


__all__ = [
    "ComputeBackend",
    "Dask",
    "EngineWorkflow",
    "Inputs",
    "Outputs",
    "ReanaSpec",
    "Resources",
    "SerialSpecification",
    "SerialStep",
    "SerialWorkflow",
    "Tests",
    "Workflow",
    "Workspace",
    "load_spec",
    "parse_spec",
]
