from __future__ import annotations

import time
from pathlib import Path

import pytest

from openvre.workflows.engines import get_engine
from openvre.workflows.engines.serial import SerialSettings
from tests.unit.workflows.support import example, make_run, processes_with, stop_while_sleeping, unique_sleep


def test_runs_the_example_with_parameters_and_reports_steps_in_order(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "serial")
    run = make_run(workspace, spec, parameters={"greeting": "Hi there"})

    started = time.monotonic()
    outcome = get_engine("serial").run(run.job)
    elapsed = time.monotonic() - started

    assert (outcome.status, outcome.total_steps) == ("finished", 2), outcome.message
    assert (workspace / "results/greetings.txt").read_text() == "Hi there Jane Doe!\nHi there Joe Bloggs!\n"
    assert (workspace / "results/count.txt").read_text() == "2\n"
    assert run.statuses() == [("greet", "running"), ("greet", "finished"), ("count", "running"), ("count", "finished")]
    greet = run.ended("greet")
    assert greet.image == "docker.io/library/python:3.12-slim"
    assert greet.exit_code == 0
    assert greet.started_at is not None and greet.finished_at is not None and greet.started_at <= greet.finished_at
    assert greet.command is not None and 'sed "s/.*/Hi there &!/" "data/names.txt"' in greet.command
    assert greet.log_path == workspace / ".openvre/logs/001-greet.log"
    assert greet.log_path.read_text() == "greeting people\n"
    assert run.ended("count").log_path.read_text() == "counting greetings\n"
    assert (
        "step greet: image docker.io/library/python:3.12-slim recorded; running as a local process in the "
        "workspace (no container runtime configured)" in run.lines
    )
    assert elapsed < 5


def test_a_failing_command_fails_the_run_naming_step_exit_code_and_last_lines(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "serial")
    spec["workflow"]["specification"]["steps"][1]["commands"] = ["echo 'no greetings to count' >&2; exit 3"]
    run = make_run(workspace, spec)

    outcome = get_engine("serial").run(run.job)

    assert outcome.status == "failed"
    assert outcome.message.startswith("step 'count' failed with exit code 3")
    assert "no greetings to count" in outcome.message
    assert run.statuses()[-2:] == [("count", "running"), ("count", "failed")]
    assert run.ended("count").exit_code == 3


def test_commands_of_a_failed_step_after_the_failing_one_do_not_run(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "serial")
    spec["workflow"]["specification"]["steps"][0]["commands"] = ["false", "touch should-not-exist"]
    run = make_run(workspace, spec)

    outcome = get_engine("serial").run(run.job)

    assert outcome.status == "failed"
    assert not (workspace / "should-not-exist").exists()
    assert [step for step, _ in run.statuses()] == ["greet", "greet"]


def test_an_undefined_parameter_fails_before_any_step_runs(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "serial")
    spec["workflow"]["specification"]["steps"][1]["commands"] = ["echo ${undefined_thing}"]
    run = make_run(workspace, spec)

    outcome = get_engine("serial").run(run.job)

    assert outcome.status == "failed"
    assert "${undefined_thing}" in outcome.message and "-p undefined_thing=VALUE" in outcome.message
    assert run.events == []
    assert not (workspace / "results").exists()


def test_dollar_dollar_is_a_literal_dollar_and_environment_reaches_steps(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "serial")
    spec["workflow"]["specification"]["steps"] = [
        {"name": "env", "commands": ["echo $$RUCIO_CONFIG $greeting > env.txt"]}
    ]
    run = make_run(workspace, spec, environment={"RUCIO_CONFIG": "/etc/rucio.cfg"})

    assert get_engine("serial").run(run.job).status == "finished"
    assert (workspace / "env.txt").read_text() == "/etc/rucio.cfg Hello\n"


def test_unnamed_steps_are_named_by_their_position(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "serial")
    spec["workflow"]["specification"]["steps"] = [{"commands": ["true"]}, {"commands": ["true"]}]
    run = make_run(workspace, spec)

    get_engine("serial").run(run.job)

    assert [step for step, status in run.statuses() if status == "finished"] == ["step0", "step1"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"TARGET": "b"}, ["a", "b"]),
        ({"FROM": "B"}, ["b", "c"]),
        ({"FROM": "b", "TARGET": "b"}, ["b"]),
        ({"FROM": 1, "TARGET": "2"}, ["b", "c"]),
        ({"CACHE": "off"}, ["a", "b", "c"]),
    ],
)
def test_from_and_target_select_the_steps_to_run(tmp_path: Path, options: dict, expected: list[str]) -> None:
    workspace, spec = example(tmp_path, "serial")
    spec["workflow"]["specification"]["steps"] = [
        {"name": name, "commands": [f"echo {name} >> ran.txt"]} for name in ("a", "b", "c")
    ]
    run = make_run(workspace, spec, options=options)

    outcome = get_engine("serial").run(run.job)

    assert outcome.status == "finished"
    assert outcome.total_steps == len(expected)
    assert (workspace / "ran.txt").read_text().split() == expected


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"TARGET": "nope"}, "TARGET='nope' names no step of this workflow; its steps are 0: greet, 1: count"),
        ({"FROM": "count", "TARGET": "greet"}, "FROM step 'count' comes after TARGET step 'greet'"),
        ({"report": "x.html"}, "serial workflows do not take the operational option(s) report"),
    ],
)
def test_bad_operational_options_fail_with_the_fix(tmp_path: Path, options: dict, words: str) -> None:
    workspace, spec = example(tmp_path, "serial")
    run = make_run(workspace, spec, options=options)

    outcome = get_engine("serial").run(run.job)

    assert outcome.status == "failed"
    assert words in outcome.message
    assert run.events == []


def test_stop_kills_the_step_process_group_promptly(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "serial")
    marker = unique_sleep()
    spec["workflow"]["specification"]["steps"].insert(
        1, {"name": "wait", "commands": [f"sleep {marker} & sleep {marker}; echo never"]}
    )
    run = make_run(workspace, spec)

    outcome, seconds = stop_while_sleeping(run, get_engine("serial", SerialSettings(stop_grace_period=2)), marker)

    assert outcome.status == "stopped"
    assert seconds < 3
    assert processes_with(marker) == []
    assert run.statuses() == [("greet", "running"), ("greet", "finished"), ("wait", "running"), ("wait", "stopped")]
    assert not (workspace / "results/count.txt").exists()


def test_a_restart_in_the_same_workspace_keeps_its_own_step_logs(tmp_path: Path) -> None:
    workspace, spec = example(tmp_path, "serial")
    first = make_run(workspace, spec, parameters={"greeting": "Hi"})
    first.job.log_label = "run-1"
    again = make_run(workspace, spec, parameters={"greeting": "Hey"})
    again.job.log_label = "run-1.1"
    assert get_engine("serial").run(first.job).status == "finished"
    assert get_engine("serial").run(again.job).status == "finished"
    first_log, again_log = first.ended("greet").log_path, again.ended("greet").log_path
    assert first_log == workspace / ".openvre/logs/run-1/001-greet.log"
    assert again_log == workspace / ".openvre/logs/run-1.1/001-greet.log"
    assert first_log.read_text() == again_log.read_text() == "greeting people\n"  # not appended twice
