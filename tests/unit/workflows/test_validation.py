"""validate_spec: reana-client's checks on top of REANA's verdict, each problem with its line and fix."""

from __future__ import annotations

import doctest
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

from openvre.workflows import spec as spec_module
from openvre.workflows import validation
from openvre.workflows.validation import Problem, ValidationReport, validate_spec


def check(
    text: str, *, base_dir: Path | None = None, compute_backends: Sequence[str] | None = None
) -> ValidationReport:
    return validate_spec(
        textwrap.dedent(text), source="reana.yaml", base_dir=base_dir, compute_backends=compute_backends
    )


def only(problems: tuple[Problem, ...], kind: str) -> list[Problem]:
    return [problem for problem in problems if problem.check == kind]


SERIAL = """\
inputs:
  parameters:
    events: 10
    unused: x
workflow:
  type: serial
  specification:
    steps:
      - name: simulate
        environment: docker.io/library/python:3.12-slim
        compute_backend: {backend}
        commands:
          - python sim.py -n $events -o ${{output}}
          - echo $$HOME done
"""


# -- parameters ------------------------------------------------------------------------------------


def test_undefined_parameter_is_a_warning_at_the_command_that_uses_it() -> None:
    report = check(SERIAL.format(backend="kubernetes"))
    assert report.valid
    (undefined,) = [p for p in only(report.warnings, "parameters") if "output" in p.message]
    assert undefined.path == "workflow.specification.steps.0.commands.0"
    assert undefined.line == 13
    assert "${output} is used in step simulate" in undefined.message
    assert "add `output: <value>` under inputs.parameters" in undefined.fix
    assert "$${output}" in undefined.fix  # how to keep a shell variable


def test_unused_parameter_is_a_warning_at_its_definition() -> None:
    report = check(SERIAL.format(backend="kubernetes"))
    (unused,) = [p for p in only(report.warnings, "parameters") if "`unused`" in p.message]
    assert (unused.path, unused.line) == ("inputs.parameters.unused", 4)


def test_dollar_name_counts_as_a_use_as_in_reanas_serial_engine() -> None:
    # reana-client sees only ${name} and would call `events` unused; REANA's engine substitutes $events.
    report = check(SERIAL.format(backend="kubernetes"))
    assert not [p for p in report.warnings if "`events`" in p.message]
    assert not [p for p in report.warnings if "HOME" in p.message]  # $$ is a literal $


def test_undefined_parameters_are_named_with_every_step_that_uses_them() -> None:
    report = check("""\
        inputs: {}
        workflow:
          type: serial
          specification:
            steps:
              - {name: a, environment: e, commands: ["echo ${x}"]}
              - {environment: e, commands: ["echo ${x}"]}
    """)
    (problem,) = only(report.warnings, "parameters")
    assert "used in steps a, 1" in problem.message
    assert problem.line == 6


def test_a_dollar_that_is_no_parameter_is_a_warning() -> None:
    report = check("""\
        inputs: {}
        workflow:
          type: serial
          specification:
            steps:
              - {environment: e, commands: ["cd $(dirname x)"]}
    """)
    (problem,) = only(report.warnings, "parameters")
    assert "'$('" in problem.message and "$$(" in problem.fix


def test_missing_inputs_is_a_warning_as_in_reana_client() -> None:
    report = check("""\
        workflow:
          type: yadage
          file: workflow.yaml
    """)
    assert report.valid
    assert [p.path for p in report.warnings] == ["inputs"]


# -- dangerous operations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "operation"),
    [("sudo apt-get install x", "sudo"), ("cd / && ls", "cd /"), ("make && cd  /tmp", "cd /")],
)
def test_dangerous_operations_are_warnings(command: str, operation: str) -> None:
    report = check(f"""\
        inputs: {{}}
        workflow:
          type: serial
          specification:
            steps:
              - environment: e
                commands:
                  - {command}
    """)
    (problem,) = only(report.warnings, "dangerous-operation")
    assert f"`{operation}`" in problem.message
    assert (problem.path, problem.line) == ("workflow.specification.steps.0.commands.0", 8)


@pytest.mark.parametrize("command", ["pseudo x", "cd data", "echo sudo", "ls /cd"])
def test_harmless_commands_are_not_flagged(command: str) -> None:
    report = check(f"""\
        inputs: {{}}
        workflow:
          type: serial
          specification:
            steps:
              - {{environment: e, commands: ["{command}"]}}
    """)
    assert not only(report.warnings, "dangerous-operation")


# -- compute backends ------------------------------------------------------------------------------


def test_unsupported_compute_backend_is_an_error_naming_the_offered_ones() -> None:
    report = check(SERIAL.format(backend="htcondorcern"), compute_backends=("kubernetes",))
    (problem,) = report.errors
    assert problem.check == "compute-backend"
    assert (problem.path, problem.line) == ("workflow.specification.steps.0.compute_backend", 11)
    assert "'htcondorcern'" in problem.message and "step simulate" in problem.message
    assert "kubernetes" in problem.fix
    assert report.spec is None


def test_compute_backends_are_not_checked_without_the_servers_list() -> None:
    assert check(SERIAL.format(backend="slurmcern")).valid
    assert check(SERIAL.format(backend="kubernetes"), compute_backends=["kubernetes"]).valid


def test_a_backend_reana_does_not_know_is_a_schema_error() -> None:
    report = check(SERIAL.format(backend="local"), compute_backends=["kubernetes"])
    (problem,) = report.errors
    assert problem.check == "schema"
    assert "kubernetes, htcondorcern, slurmcern, compute4punch" in problem.fix


# -- files -----------------------------------------------------------------------------------------

CWL = """\
inputs:
  files: [code/run.py]
  directories: [data]
  parameters:
    input: workflow/job.yml
workflow:
  type: cwl
  file: workflow/main.cwl
"""


def test_missing_workflow_file_and_inputs_are_errors_when_the_directory_is_given(tmp_path: Path) -> None:
    report = check(CWL, base_dir=tmp_path)
    missing = {problem.path: problem for problem in only(report.errors, "missing-file")}
    assert set(missing) == {"workflow.file", "inputs.parameters.input", "inputs.files.0", "inputs.directories.0"}
    assert missing["workflow.file"].line == 8
    assert "'workflow/main.cwl'" in missing["workflow.file"].message
    assert "relative to the directory of reana.yaml" in missing["workflow.file"].fix


def test_present_files_pass(tmp_path: Path) -> None:
    for name in ("code/run.py", "workflow/job.yml", "workflow/main.cwl"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "data").mkdir()
    assert check(CWL, base_dir=tmp_path).valid


def test_files_are_not_looked_for_without_a_directory() -> None:
    assert check(CWL).valid


# -- what REANA refuses beyond its schema ----------------------------------------------------------


def test_operational_options_must_suit_the_workflow_type() -> None:
    report = check("""\
        inputs:
          options: {TARGET: x, report: y, speed: fast}
        workflow: {type: cwl, file: main.cwl}
    """)
    problems = {problem.path: problem for problem in report.errors}
    assert set(problems) == {"inputs.options.report", "inputs.options.speed"}
    assert "for snakemake workflows, not cwl" in problems["inputs.options.report"].message
    assert "cwl workflows take TARGET" in problems["inputs.options.speed"].fix


@pytest.mark.parametrize(
    ("step", "path"),
    [
        ("htcondor_max_runtime: forever", "htcondor_max_runtime"),
        ("kubernetes_memory_limit: 8 GB", "kubernetes_memory_limit"),
    ],
)
def test_serial_loader_rules(step: str, path: str) -> None:
    report = check(f"""\
        workflow:
          type: serial
          specification:
            steps:
              - environment: e
                commands: [run]
                {step}
    """)
    (problem,) = report.errors
    assert (problem.check, problem.path, problem.line) == ("serial", f"workflow.specification.steps.0.{path}", 7)


def test_a_serial_workflow_needs_a_step() -> None:
    report = check("workflow: {type: serial, specification: {steps: []}}")
    assert [(p.check, p.path) for p in report.errors] == [("serial", "workflow.specification.steps")]


def test_good_runtimes_and_memory_pass() -> None:
    report = check("""\
        inputs: {}
        workflow:
          type: serial
          specification:
            steps:
              - {environment: e, commands: [a], htcondor_max_runtime: "3600", kubernetes_memory_limit: 512Mi}
              - {environment: e, commands: [b], htcondor_max_runtime: workday, kubernetes_memory_limit: "1000"}
    """)
    assert not report.errors and not report.warnings


# -- the report ------------------------------------------------------------------------------------


def test_a_json_document_has_no_lines_but_the_same_checks() -> None:
    report = validate_spec({"workflow": {"type": "serial", "specification": {"steps": [{"commands": ["a"]}]}}})
    (problem,) = report.errors
    assert (problem.path, problem.line) == ("workflow.specification.steps.0.environment", None)
    assert str(problem).startswith("workflow.specification.steps.0.environment: ")


def test_problem_text_names_line_path_and_fix() -> None:
    report = check("""\
        version: 0.9
        workflow: {type: serial, specification: {steps: [{environment: e, commands: [a]}]}}
    """)
    (problem,) = report.errors
    assert str(problem) == (
        "line 1, version: `version` is the number 0.9, but must be text; "
        'write text, in quotes if YAML would read it as something else: version: "0.9"'
    )


def test_a_valid_report_carries_the_typed_spec() -> None:
    report = check(SERIAL.format(backend="kubernetes"))
    assert report.spec is not None
    assert report.spec.workflow.type == "serial"


def test_yaml_syntax_errors_name_the_line() -> None:
    report = check("workflow:\n  type: serial\n   file: x\n")
    (problem,) = report.errors
    assert (problem.check, problem.line) == ("yaml", 3)


def test_module_examples_run() -> None:
    for module in (spec_module, validation):
        assert doctest.testmod(module).failed == 0
