"""parse_spec/load_spec: the typed spec, and REANA's schema rules as the models state them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from openvre.workflows.errors import InvalidWorkflowSpec
from openvre.workflows.spec import EngineWorkflow, SerialWorkflow, load_spec, parse_spec
from openvre.workflows.validation import Problem, ValidationReport, validate_spec


def check(text: str) -> ValidationReport:
    return validate_spec(textwrap.dedent(text))


def refusal(text: str) -> list[Problem]:
    with pytest.raises(InvalidWorkflowSpec) as caught:
        parse_spec(textwrap.dedent(text))
    return list(caught.value.problems)


HELLO = """\
version: 0.9.0
inputs:
  files: [code/hello.py]
  parameters: {name: Ada, 1: one}
workflow:
  type: serial
  resources:
    cvmfs: [sft.cern.ch]
  specification:
    steps:
      - name: greet
        environment: docker.io/library/python:3.12-slim
        kubernetes_uid: 1000
        kubernetes_job_timeout: 60.0
        commands: ["python code/hello.py ${name}"]
outputs:
  files: [greeting.txt]
workspace:
  retention_days: {"**/*.tmp": 0}
"""


# -- the typed spec --------------------------------------------------------------------------------


def test_parse_spec_gives_typed_serial_steps() -> None:
    spec = parse_spec(HELLO)
    workflow = spec.workflow
    assert isinstance(workflow, SerialWorkflow) and workflow.specification is not None
    (step,) = workflow.specification.steps
    assert (step.name, step.environment, step.commands) == (
        "greet",
        "docker.io/library/python:3.12-slim",
        step.commands,
    )
    assert (step.kubernetes_uid, step.kubernetes_job_timeout, step.compute_backend) == (1000, 60, None)
    assert workflow.resources.cvmfs == ["sft.cern.ch"] and workflow.resources.kerberos is False
    assert spec.inputs.parameters == {"name": "Ada", "1": "one"}  # keys as REANA's server gets them, in JSON
    assert spec.workspace.retention_days == {"**/*.tmp": 0}
    assert spec.tests.files == []


def test_parse_spec_reads_the_json_a_reana_client_sends() -> None:
    spec = parse_spec({"workflow": {"type": "yadage", "file": "workflow.yaml"}})
    assert isinstance(spec.workflow, EngineWorkflow)
    assert (spec.workflow.file, spec.workflow.specification) == ("workflow.yaml", None)


def test_refusal_names_source_line_and_fix_and_counts_the_rest() -> None:
    with pytest.raises(InvalidWorkflowSpec) as caught:
        parse_spec("version: 1\nworkflow:\n  type: snakemak\n", source="analysis/reana.yaml")
    error = caught.value
    assert error.message.startswith("analysis/reana.yaml:1: `version` is the number 1, but must be text")
    assert error.message.endswith("(2 more problems: run `vre validate`)")
    assert error.field == "version"
    assert [problem.path for problem in error.problems] == ["version", "workflow.type", "workflow"]


def test_load_spec_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "reana.yaml").write_text("workflow: {type: cwl}\n")
    with pytest.raises(InvalidWorkflowSpec, match=r"reana\.yaml:1: `workflow` needs `file` or `specification`"):
        load_spec(tmp_path / "reana.yaml")
    with pytest.raises(InvalidWorkflowSpec, match=r"cannot read .*missing\.yaml"):
        load_spec(tmp_path / "missing.yaml")


# -- REANA's schema, as the models state it --------------------------------------------------------


def test_unknown_workflow_type_lists_the_four_and_guesses() -> None:
    (problem,) = refusal("workflow: {type: Serial, file: x}")
    assert problem.path == "workflow.type"
    assert "(did you mean 'serial'?)" in problem.message
    assert problem.fix == "use one of: serial, cwl, yadage, snakemake"


def test_without_a_type_the_serial_rules_apply_as_in_reanas_schema() -> None:
    problems = refusal("workflow: {specification: {steps: [{commands: [a]}]}}")
    assert {problem.path for problem in problems} == {"workflow.type", "workflow.specification.steps.0.environment"}


def test_other_engines_specifications_are_free_form() -> None:
    assert check("inputs: {}\nworkflow: {type: yadage, specification: {stages: [{x: 1}]}}").valid
    (problem,) = refusal("workflow: {type: nextflow, specification: {steps: [{x: 1}]}}")
    assert problem.path == "workflow.type"


def test_empty_values_are_refused_not_defaulted() -> None:
    (problem,) = refusal("inputs:\n  files:\nworkflow: {type: cwl, file: x}\n")
    assert (problem.path, problem.line) == ("inputs.files", 2)
    assert problem.message == "`inputs.files` is empty (null), but must be a list"


@pytest.mark.parametrize(
    ("value", "accepted"), [("3600", True), ("3600.0", True), ("true", False), ('"3600"', False), ("1.5", False)]
)
def test_whole_numbers_as_json_schema_draft_7(value: str, accepted: bool) -> None:
    report = check(f"""\
        inputs: {{}}
        workflow:
          type: serial
          specification:
            steps: [{{environment: e, commands: [a], kubernetes_job_timeout: {value}}}]
    """)
    assert report.valid is accepted


def test_missing_required_key_points_at_its_parent() -> None:
    (problem,) = refusal("""\
        workflow:
          type: serial
          specification:
            steps:
              - environment: e
    """)
    assert (problem.path, problem.line) == ("workflow.specification.steps.0.commands", 5)
    assert problem.fix.startswith("add `commands: ")


@pytest.mark.parametrize(
    ("cvmfs", "problem"),
    [("[cms.cern.ch, cms.cern.ch]", "more than once"), ("['-cms']", "not a CVMFS repository"), ("[[]]", "text")],
)
def test_cvmfs_repositories(cvmfs: str, problem: str) -> None:
    (found,) = refusal(f"workflow: {{type: cwl, file: x, resources: {{cvmfs: {cvmfs}}}}}")
    assert problem in found.message


def test_retention_rules() -> None:
    assert "is empty" in refusal("workflow: {type: cwl, file: x}\nworkspace: {retention_days: {}}")[0].message
    assert "below 0" in refusal("workflow: {type: cwl, file: x}\nworkspace: {retention_days: {a: -1}}")[0].message


# -- unexpected keys: warnings, with where they belong ---------------------------------------------


def test_unexpected_key_is_a_warning_that_says_where_it_belongs() -> None:
    report = check("""\
        inputs: {}
        workflow:
          type: snakemake
          file: Snakefile
          compute_backend: htcondorcern
    """)
    assert report.valid
    (problem,) = report.warnings
    assert (problem.check, problem.path, problem.line) == ("unexpected-key", "workflow.compute_backend", 5)
    assert "`compute_backend` belongs in workflow.specification.steps.N" in problem.fix


def test_misspelt_key_gets_a_guess() -> None:
    report = check("inputs: {}\nworkflow: {type: cwl, file: x}\noutputs: {file: [a]}\n")
    (problem,) = report.warnings
    assert "did you mean `files`?" in problem.fix


def test_keys_newer_reana_knows_are_read_and_warned_about_as_reana_0_9_11_does() -> None:
    report = check(HELLO)
    (problem,) = [p for p in report.warnings if p.check == "unexpected-key"]
    assert problem.path == "workflow.specification.steps.0.kubernetes_uid"
    assert "not in REANA 0.9.11's schema" in problem.message
    assert "keep it" in problem.fix


def test_an_unusable_extension_is_left_out_of_the_typed_spec() -> None:
    report = check("""\
        inputs: {}
        workflow:
          type: cwl
          file: x
          resources:
            dask: {number_of_workers: 2}
    """)
    assert report.valid and report.spec is not None
    assert report.spec.workflow.resources.dask is None
    assert [(p.check, p.path) for p in report.warnings] == [
        ("unexpected-key", "workflow.resources.dask"),
        ("schema", "workflow.resources.dask.image"),
    ]


# -- reading YAML as REANA does --------------------------------------------------------------------


def test_a_repeated_key_keeps_the_last_value_and_its_line() -> None:
    report = check("inputs: {}\nworkflow: {type: cwl, file: x}\nversion: 1\nversion: '1'\n")
    assert report.valid and report.spec is not None and report.spec.version == "1"


def test_anchors_and_merge_keys_resolve_as_in_safe_load() -> None:
    text = textwrap.dedent("""\
        inputs: {}
        workflow:
          type: serial
          specification:
            steps:
              - &base {environment: img, commands: [a]}
              - <<: *base
                commands: [b]
    """)
    assert validate_spec(text).warnings == ()
    spec = parse_spec(text)
    assert isinstance(spec.workflow, SerialWorkflow) and spec.workflow.specification is not None
    assert [step.commands for step in spec.workflow.specification.steps] == [["a"], ["b"]]
    assert spec.workflow.specification.steps[1].environment == "img"


@pytest.mark.parametrize("text", ["", "- workflow\n", "just text\n"])
def test_a_document_that_is_no_mapping_is_refused(text: str) -> None:
    (problem,) = refusal(text)
    assert problem.path == "" and "`workflow:`" in problem.fix


def test_public_surface() -> None:
    from openvre.workflows import spec, validation

    assert sorted(validation.__all__) == ["Problem", "ValidationReport", "validate_spec"]
    assert sorted(spec.__all__) == [
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
    assert all(hasattr(module, name) for module in (spec, validation) for name in module.__all__)
