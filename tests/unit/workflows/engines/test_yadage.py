from __future__ import annotations

import time
from pathlib import Path

import pytest

from openvre.workflows.engines import get_engine
from openvre.workflows.engines.yadage import OWN_ENVIRONMENT, PYTHON_ENV
from tests.support.rucio_server import ensure_venv
from tests.unit.workflows.support import example, make_run, processes_with, stop_while_sleeping, unique_sleep


@pytest.fixture(autouse=True)
def yadage_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """yadage in its own venv, as openvre's settings say to beside JupyterLab 4 (built once, then reused)."""
    monkeypatch.setenv(PYTHON_ENV, str(ensure_venv("yadage", OWN_ENVIRONMENT) / "python"))


def test_without_its_own_environment_yadage_fails_saying_how_to_make_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PYTHON_ENV)
    workspace, spec = example(tmp_path, "yadage")
    run = make_run(workspace, spec)
    outcome = get_engine("yadage").run(run.job)
    assert outcome.status == "failed"
    assert PYTHON_ENV in outcome.message and "yadage-schemas==0.11.1" in outcome.message


def test_runs_the_example_with_parameters_as_init_data(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "yadage")
    run = make_run(workspace, spec, parameters={"greeting": "Hi there"})

    started = time.monotonic()
    outcome = get_engine("yadage").run(run.job)
    elapsed = time.monotonic() - started

    assert outcome.status == "finished", outcome.message
    assert (workspace / "greet/greetings.txt").read_text() == "Hi there Jane Doe!\nHi there Joe Bloggs!\n"
    assert (workspace / "count/count.txt").read_text() == "2\n"
    assert run.statuses() == [("greet", "running"), ("greet", "finished"), ("count", "running"), ("count", "finished")]
    greet = run.ended("greet")
    assert greet.image == "docker.io/library/python:3.12-slim"
    assert greet.command is not None and f'"{workspace}/data/names.txt"' in greet.command
    assert greet.exit_code == 0 and greet.log_path is not None
    assert greet.log_path.read_text() == "greeting people\n"
    assert run.ended("count").log_path.read_text() == "counting greetings\n"
    assert (
        "step greet: image docker.io/library/python:3.12-slim recorded; running as a local process in the "
        "workspace (no container runtime configured)" in run.lines
    )
    assert any("workflow completed successfully" in line for line in run.lines)
    assert elapsed < 5


def test_a_failing_step_fails_the_run_naming_step_exit_code_and_last_lines(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "yadage")
    steps = workspace / "workflow/steps.yaml"
    steps.write_text(steps.read_text().replace('echo "counting greetings" >&2', "echo 'nothing to count'; exit 3"))
    run = make_run(workspace, spec)

    outcome = get_engine("yadage").run(run.job)

    assert outcome.status == "failed"
    assert outcome.message.startswith("step 'count' failed with exit code 3"), outcome.message
    assert "nothing to count" in outcome.message
    assert run.statuses()[-2:] == [("count", "running"), ("count", "failed")]


def test_a_github_toplevel_is_refused(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "yadage")
    run = make_run(workspace, spec, options={"toplevel": "github:reanahub/reana-demo-helloworld"})

    outcome = get_engine("yadage").run(run.job)

    assert outcome.status == "failed" and "upload them" in outcome.message


def test_stop_kills_yadage_and_its_steps(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "yadage")
    marker = unique_sleep()
    steps = workspace / "workflow/steps.yaml"
    steps.write_text(steps.read_text().replace('echo "counting greetings" >&2', f"sleep {marker}"))
    run = make_run(workspace, spec)

    outcome, seconds = stop_while_sleeping(run, get_engine("yadage"), marker)

    assert outcome.status == "stopped"
    assert seconds < 3
    assert processes_with(marker) == []
    assert run.statuses()[-2:] == [("count", "running"), ("count", "stopped")]


def test_provenance_names_the_versions_of_yadages_own_environment() -> None:
    versions = get_engine("yadage").versions()
    pinned = dict(requirement.split("==") for requirement in OWN_ENVIRONMENT if "==" in requirement)
    assert versions["yadage"] == pinned["yadage"] and versions["yadage-schemas"] == pinned["yadage-schemas"]
    assert versions["packtivity"] not in ("", "not installed")


def test_provenance_of_an_environment_that_cannot_be_asked_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PYTHON_ENV, "/nonexistent/python")
    assert get_engine("yadage").versions()["yadage"].startswith("unknown (/nonexistent/python:")
