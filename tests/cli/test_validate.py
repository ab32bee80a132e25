"""`vre validate` as a user runs it: a real subprocess, its output and its exit status."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.support.vre_server import VRE

VALID = """\
version: 0.9.0
inputs:
  files: [code/hello.py]
  parameters: {{name: Ada}}
workflow:
  type: serial
  specification:
    steps:
      - name: greet
        environment: docker.io/library/python:3.12-slim
        compute_backend: {backend}
        commands: ["python code/hello.py ${{name}}"]
"""


def vre_validate(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "NO_COLOR": "1", "COLUMNS": "250", "OPENVRE_HOME": str(directory / "home")}
    return subprocess.run(
        [str(VRE), "validate", *args], capture_output=True, text=True, env=environment, cwd=directory, timeout=60
    )


@pytest.fixture
def analysis(tmp_path: Path) -> Path:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "hello.py").write_text("print('hello')\n")
    (tmp_path / "reana.yaml").write_text(VALID.format(backend="kubernetes"))
    return tmp_path


def test_a_valid_spec_exits_0(analysis: Path) -> None:
    result = vre_validate(analysis)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "reana.yaml is a valid REANA specification"


def test_warnings_show_file_line_and_fix_and_exit_0(analysis: Path) -> None:
    spec = VALID.format(backend="kubernetes").replace(
        "        commands:", "        kubernetes_uid: 500\n        commands:"
    )
    (analysis / "other.yaml").write_text(spec)
    result = vre_validate(analysis, "-f", "other.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "other.yaml:12: warning: `kubernetes_uid` in workflow.specification.steps.0 is not in REANA" in result.stdout
    assert "    fix: " in result.stdout
    assert result.stdout.rstrip().endswith("other.yaml is valid, with 1 warning")


def test_errors_exit_1_with_file_line_and_fix(analysis: Path) -> None:
    (analysis / "reana.yaml").write_text("workflow:\n  type: serial\n  specification:\n    steps: [{commands: [a]}]\n")
    result = vre_validate(analysis, "--file", "reana.yaml")
    assert result.returncode == 1
    assert "reana.yaml:4: error: `workflow.specification.steps.0` has no `environment`" in result.stdout
    assert "    fix: add `environment: docker.io/library/python:3.12-slim`" in result.stdout
    assert "reana.yaml is not a valid REANA specification: 1 error\n" in result.stdout


def test_server_capabilities_checks_the_compute_backends_this_server_offers(analysis: Path) -> None:
    (analysis / "reana.yaml").write_text(VALID.format(backend="slurmcern"))
    assert vre_validate(analysis).returncode == 0  # without the server's list, as reana-client
    result = vre_validate(analysis, "--server-capabilities")
    assert result.returncode == 1
    assert "reana.yaml:11: error: step greet asks for compute backend 'slurmcern'" in result.stdout
    assert "fix: use kubernetes, or remove compute_backend" in result.stdout


def test_files_the_spec_names_must_exist_unless_told_not_to_look(analysis: Path) -> None:
    (analysis / "code" / "hello.py").unlink()
    result = vre_validate(analysis)
    assert result.returncode == 1
    assert "reana.yaml:3: error: the file 'code/hello.py' (inputs.files.0) does not exist" in result.stdout
    assert vre_validate(analysis, "--no-files").returncode == 0


def test_yaml_text_is_shown_as_written_not_as_markup(analysis: Path) -> None:
    (analysis / "reana.yaml").write_text(
        textwrap.dedent("""\
            inputs: {}
            workflow:
              type: serial
              specification:
                steps: [{environment: e, commands: ["echo [bold]${missing}"]}]
        """)
    )
    result = vre_validate(analysis)
    assert result.returncode == 0
    assert "${missing} is used in step 0" in result.stdout


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    result = vre_validate(tmp_path)
    assert result.returncode == 1
    assert "error: cannot read reana.yaml" in result.stdout
    assert "give the file with -f" in result.stdout
