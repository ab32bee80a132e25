from __future__ import annotations

import json
import time
from pathlib import Path

from openvre.workflows.engines import get_engine
from tests.unit.workflows.support import example, make_run, processes_with, stop_while_sleeping, unique_sleep


def test_runs_the_example_with_the_job_file_and_overrides(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "cwl")
    run = make_run(workspace, spec, parameters={"greeting": "Hi there"})

    started = time.monotonic()
    outcome = get_engine("cwl").run(run.job)
    elapsed = time.monotonic() - started

    assert (outcome.status, outcome.total_steps) == ("finished", 2), outcome.message
    assert (workspace / "outputs/greetings.txt").read_text() == "Hi there Jane Doe!\nHi there Joe Bloggs!\n"
    assert (workspace / "outputs/count.txt").read_text() == "2\n"
    assert run.statuses() == [("greet", "running"), ("greet", "finished"), ("count", "running"), ("count", "finished")]
    greet = run.ended("greet")
    assert (greet.image, run.ended("count").image) == ("docker.io/library/python:3.12-slim", None)
    assert (
        "step greet: image docker.io/library/python:3.12-slim recorded; running as a local process in the "
        "workspace (no container runtime configured)" in run.lines
    )
    assert greet.exit_code == 0 and greet.command is not None and greet.command.startswith("sh -c 'echo")
    assert greet.log_path is not None and greet.log_path.read_text() == "greeting people\n"
    assert run.ended("count").log_path.read_text() == "counting greetings\n"
    summary = json.loads((workspace / ".openvre/cwl/outputs.json").read_text())
    assert summary["count"]["path"] == str(workspace / "outputs/count.txt")
    assert not any(p.name.startswith("tmp") for p in Path(workspace).iterdir())
    assert elapsed < 5


def test_a_failing_step_fails_the_run_naming_step_exit_code_and_last_lines(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "cwl")
    document = workspace / "workflow/hello.cwl"
    document.write_text(document.read_text().replace("> count.txt", "> count.txt; echo 'nothing to count'; exit 3"))
    run = make_run(workspace, spec)

    outcome = get_engine("cwl").run(run.job)

    assert outcome.status == "failed"
    assert outcome.message.startswith("step 'count' failed with exit code 3"), outcome.message
    assert "nothing to count" in outcome.message
    assert run.statuses()[-2:] == [("count", "running"), ("count", "failed")]


def test_the_target_option_runs_only_what_the_output_needs(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "cwl")
    run = make_run(workspace, spec, options={"TARGET": "greetings"})

    outcome = get_engine("cwl").run(run.job)

    assert outcome.status == "finished", outcome.message
    assert [step for step, _ in run.statuses()] == ["greet", "greet"]
    assert not (workspace / "outputs/count.txt").exists()


def test_job_files_cannot_point_outside_the_workspace(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "cwl")
    (workspace / "workflow/job.yml").write_text("greeting: Hi\ninputfile: {class: File, location: /etc/passwd}\n")
    run = make_run(workspace, spec)

    outcome = get_engine("cwl").run(run.job)

    assert outcome.status == "failed"
    assert outcome.message == "refusing path '/etc/passwd': it is absolute; give a path relative to the workspace"


def test_stop_kills_cwltool_and_its_jobs(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "cwl")
    marker = unique_sleep()
    document = workspace / "workflow/hello.cwl"
    document.write_text(document.read_text().replace('echo "counting greetings" >&2;', f"sleep {marker};"))
    run = make_run(workspace, spec)

    outcome, seconds = stop_while_sleeping(run, get_engine("cwl"), marker)

    assert outcome.status == "stopped"
    assert seconds < 3
    assert processes_with(marker) == []
    assert run.statuses()[-2:] == [("count", "running"), ("count", "stopped")]


def test_a_document_cwltool_cannot_read_fails_with_its_words(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "cwl")
    (workspace / "workflow/hello.cwl").write_text("cwlVersion: v1.2\nclass: Workflow\nsteps: {}\ninputs: 3\n")
    run = make_run(workspace, spec)

    outcome = get_engine("cwl").run(run.job)

    assert outcome.status == "failed"
    assert outcome.message.startswith("cwltool cannot read hello.cwl:"), outcome.message
    assert run.events == []
