from __future__ import annotations

import time
from pathlib import Path

from openvre.workflows.engines import get_engine
from openvre.workflows.engines.snakemake import SnakemakeSettings
from tests.unit.workflows.support import example, make_run, processes_with, stop_while_sleeping, unique_sleep

NO_REPORT = SnakemakeSettings(report=False)


def test_runs_the_example_with_the_parameter_file_and_overrides(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "snakemake")
    run = make_run(workspace, spec, parameters={"greeting": "Hi there"})

    started = time.monotonic()
    outcome = get_engine("snakemake").run(run.job)
    elapsed = time.monotonic() - started

    assert (outcome.status, outcome.total_steps) == ("finished", 3), outcome.message
    assert (workspace / "results/greetings.txt").read_text() == "Hi there Jane Doe!\nHi there Joe Bloggs!\n"
    assert (workspace / "results/count.txt").read_text() == "2\n"
    assert run.statuses() == [
        ("greet", "running"),
        ("greet", "finished"),
        ("count", "running"),
        ("count", "finished"),
        ("all", "running"),
        ("all", "finished"),
    ]
    greet = run.ended("greet")
    assert greet.command == "echo 'greeting people'; sed 's/.*/Hi there &!/' data/names.txt > results/greetings.txt"
    assert greet.exit_code == 0 and greet.started_at is not None and greet.finished_at is not None
    assert greet.log_path is not None and greet.log_path.read_text() == "greeting people\n"
    assert run.ended("count").log_path.read_text() == "counting greetings\n"
    assert any(line.startswith("Building DAG of jobs") for line in run.lines)
    assert (workspace / "report.html").stat().st_size > 0
    assert elapsed < 6


def test_a_failing_rule_fails_the_run_naming_step_exit_code_and_last_lines(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "snakemake")
    snakefile = workspace / "workflow/Snakefile"
    snakefile.write_text(
        snakefile.read_text().replace("| tr -d ' ' > {output}", "; echo 'nothing to count' >&2; exit 3")
    )
    run = make_run(workspace, spec)

    outcome = get_engine("snakemake", NO_REPORT).run(run.job)

    assert outcome.status == "failed"
    assert outcome.message.startswith("step 'count' failed with exit code 3"), outcome.message
    assert "nothing to count" in outcome.message
    assert run.statuses()[-2:] == [("count", "running"), ("count", "failed")]
    assert run.ended("count").exit_code == 3


def test_a_missing_parameter_file_fails_before_snakemake_starts(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "snakemake")
    (workspace / "workflow/inputs.yaml").unlink()
    run = make_run(workspace, spec)

    outcome = get_engine("snakemake").run(run.job)

    assert outcome.status == "failed"
    assert outcome.message == (
        "the parameter file 'workflow/inputs.yaml' is not in the workspace; upload it (list it under inputs.files)"
    )


def test_stop_kills_snakemake_and_its_jobs(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "snakemake")
    marker = unique_sleep()
    snakefile = workspace / "workflow/Snakefile"
    snakefile.write_text(snakefile.read_text().replace("echo 'counting greetings' >&2;", f"sleep {marker};"))
    run = make_run(workspace, spec)

    outcome, seconds = stop_while_sleeping(run, get_engine("snakemake", NO_REPORT), marker)

    assert outcome.status == "stopped"
    assert seconds < 3
    assert processes_with(marker) == []
    assert run.statuses()[-2:] == [("count", "running"), ("count", "stopped")]

    # A stopped run leaves neither a lock nor incomplete files that would refuse the next one.
    snakefile.write_text(snakefile.read_text().replace(f"sleep {marker};", "true;"))
    assert get_engine("snakemake", NO_REPORT).run(make_run(workspace, spec).job).status == "finished"
