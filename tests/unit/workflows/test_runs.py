"""Runs core on SQLite and PostgreSQL: numbering, references, transitions (and refusals), restart, list, diff."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import select

from openvre.db import Database
from openvre.errors import InvalidInput
from openvre.workflows import runs
from openvre.workflows._tables import RunRow, StateChangeRow
from openvre.workflows.config import WorkflowsConfig
from openvre.workflows.diff import diff_runs, workspace_text_diff
from openvre.workflows.errors import InvalidWorkflowSpec, RunStateError, WorkflowNotFound
from openvre.workflows.transitions import (
    DEFAULT_POLICY,
    EndRunningRun,
    QueueCreatedRun,
    RunStatus,
    transition,
)
from tests.unit.workflows.conftest import upload_inputs


def _create(
    database: Database, config: WorkflowsConfig, spec: dict[str, Any], name: str = "hello", owner: str = "alice"
) -> runs.Run:
    with database.transaction() as session:
        return runs.create_run(session, owner, name, spec, config=config)


def _move(database: Database, run_id: str, *states: RunStatus) -> None:
    with database.transaction() as session:
        row = session.get(RunRow, run_id)
        assert row is not None
        for state in states:
            transition(session, row, state, "test")


def _finish(database: Database, run: runs.Run) -> None:
    with database.transaction() as session:
        runs.start_run(session, run.owner, run.full_name)
    _move(database, run.id, RunStatus.PENDING, RunStatus.RUNNING, RunStatus.FINISHED)


# -- numbering and names ----------------------------------------------------------------------------
def test_runs_are_numbered_per_owner_and_name(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    first, second = _create(database, config, hello_spec), _create(database, config, hello_spec)
    other = _create(database, config, hello_spec, owner="bob")
    assert (first.full_name, second.full_name, other.full_name) == ("hello.1", "hello.2", "hello.1")
    assert first.status is RunStatus.CREATED
    assert first.workspace == config.workspaces / "alice" / "hello" / "1"
    assert first.workspace.is_dir()
    assert other.workspace == config.workspaces / "bob" / "hello" / "1"


@pytest.mark.parametrize("name", ["my.analysis", "", "../up", "a b", "0e9b2b0c-6c0f-4e8a-9f44-7b3c1a2d5e6f"])
def test_bad_workflow_names_are_refused_with_the_rule(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any], name: str
) -> None:
    with pytest.raises(InvalidInput, match=r"workflow name|UUID"):
        _create(database, config, hello_spec, name=name)


def test_an_invalid_spec_is_refused_naming_its_problems(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    del hello_spec["workflow"]["specification"]["steps"][0]["environment"]
    hello_spec["workflow"]["type"] = "nextflow"
    with pytest.raises(InvalidWorkflowSpec) as raised:
        _create(database, config, hello_spec)
    assert "workflow.type" in raised.value.message
    assert raised.value.problems


def test_references_name_the_latest_run_a_number_a_restart_or_an_id(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    first = _create(database, config, hello_spec)
    _finish(database, first)
    with database.transaction() as session:
        restart = runs.restart_run(session, "alice", "hello.1", config=config)
    second = _create(database, config, hello_spec)
    with database.transaction() as session:
        assert runs.get_run(session, "alice", "hello").id == second.id
        assert runs.get_run(session, "alice", "hello.1").id == first.id
        assert runs.get_run(session, "alice", "hello.1.1").id == restart.id
        assert runs.get_run(session, "alice", first.id).id == first.id
        assert runs.get_run(session, "alice", first.id.upper()).id == first.id
        for missing in ("hello.3", "hello.1.2", "nothing", "hello.x"):
            with pytest.raises(WorkflowNotFound, match="reana-client list"):
                runs.get_run(session, "alice", missing)
        with pytest.raises(WorkflowNotFound):  # someone else's run does not exist for bob
            runs.get_run(session, "bob", first.id)


# -- transitions ------------------------------------------------------------------------------------
def test_a_run_goes_created_queued_pending_running_finished_and_each_change_is_recorded(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    run = _create(database, config, hello_spec)
    with database.transaction() as session:
        started = runs.start_run(
            session, "alice", "hello.1", parameters={"greeting": "Hi"}, operational_options={"TARGET": "greet"}
        )
    assert started.status is RunStatus.QUEUED
    assert started.input_parameters == {"greeting": "Hi", "sleeptime": 0}
    assert started.operational_options == {"TARGET": "greet"}
    _move(database, run.id, RunStatus.PENDING, RunStatus.RUNNING, RunStatus.FINISHED)
    with database.transaction() as session:
        done = runs.get_run(session, "alice", run.id)
        history = session.scalars(
            select(StateChangeRow).where(StateChangeRow.run_id == run.id).order_by(StateChangeRow.id)
        ).all()
    assert done.status is RunStatus.FINISHED
    assert done.started_at is not None and done.finished_at is not None and done.started_at <= done.finished_at
    assert [(change.from_status, change.to_status) for change in history] == [
        ("created", "queued"),
        ("queued", "pending"),
        ("pending", "running"),
        ("running", "finished"),
    ]
    assert history[0].reason == "started by alice"


@pytest.mark.parametrize(
    ("path", "refused", "message"),
    [
        ((), RunStatus.RUNNING, "cannot become running"),
        ((), RunStatus.FINISHED, "cannot become finished"),
        ((RunStatus.QUEUED,), RunStatus.RUNNING, "cannot become running"),
        ((RunStatus.QUEUED, RunStatus.PENDING, RunStatus.RUNNING), RunStatus.QUEUED, "reana-client restart"),
        ((RunStatus.QUEUED, RunStatus.PENDING, RunStatus.RUNNING), RunStatus.DELETED, "stop it first"),
        ((RunStatus.QUEUED, RunStatus.PENDING), RunStatus.DELETED, "stop it first"),
        ((RunStatus.QUEUED, RunStatus.STOPPED), RunStatus.RUNNING, "cannot become running"),
        ((RunStatus.DELETED,), RunStatus.QUEUED, "cannot be started again"),
        ((RunStatus.DELETED,), RunStatus.DELETED, "cannot become deleted"),
        ((), RunStatus.STOPPED, "nothing to stop"),
    ],
)
def test_changes_no_rule_allows_are_refused_and_leave_the_run_as_it_was(
    database: Database,
    config: WorkflowsConfig,
    hello_spec: dict[str, Any],
    path: tuple[RunStatus, ...],
    refused: RunStatus,
    message: str,
) -> None:
    run = _create(database, config, hello_spec)
    _move(database, run.id, *path)
    with pytest.raises(RunStateError, match=message):
        _move(database, run.id, refused)
    with database.transaction() as session:
        assert runs.get_run(session, "alice", run.id).status == (path[-1] if path else RunStatus.CREATED)


def test_the_policy_can_be_swapped(database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]) -> None:
    class SkipTheQueue(QueueCreatedRun):
        """A policy for a test: created runs may go straight to running."""

        to_states = frozenset({RunStatus.RUNNING})

    run = _create(database, config, hello_spec)
    with database.transaction() as session:
        row = session.get(RunRow, run.id)
        assert row is not None
        transition(session, row, RunStatus.RUNNING, "test", policy=(SkipTheQueue(), EndRunningRun()))
        assert row.status == "running"
        with pytest.raises(RunStateError):
            transition(session, row, RunStatus.STOPPED, "test", policy=(SkipTheQueue(), EndRunningRun()))
    assert len(DEFAULT_POLICY) > 2


def test_starting_twice_is_refused_with_the_fix(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    _create(database, config, hello_spec)
    with database.transaction() as session:
        runs.start_run(session, "alice", "hello")
    with database.transaction() as session, pytest.raises(RunStateError, match=r"reana-client restart -w hello\.1"):
        runs.start_run(session, "alice", "hello")


# -- stop and delete --------------------------------------------------------------------------------
def test_stop_ends_a_queued_run_at_once_and_asks_a_running_one(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    queued, running = _create(database, config, hello_spec), _create(database, config, hello_spec)
    with database.transaction() as session:
        runs.start_run(session, "alice", queued.id)
        runs.start_run(session, "alice", running.id)
    _move(database, running.id, RunStatus.PENDING, RunStatus.RUNNING)
    with database.transaction() as session:
        assert runs.stop_run(session, "alice", queued.id).status is RunStatus.STOPPED
        asked = runs.stop_run(session, "alice", running.id)
    assert asked.status is RunStatus.RUNNING and asked.stop_requested
    with database.transaction() as session, pytest.raises(RunStateError, match="nothing to stop"):
        runs.stop_run(session, "alice", queued.id)


def test_delete_keeps_a_workspace_a_restart_still_uses(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    run = _create(database, config, hello_spec)
    upload_inputs(run.workspace)
    _finish(database, run)
    with database.transaction() as session:
        restart = runs.restart_run(session, "alice", "hello.1", config=config)
    _move(database, restart.id, RunStatus.PENDING, RunStatus.RUNNING, RunStatus.FAILED)
    with database.transaction() as session:
        deleted = runs.delete_runs(session, "alice", "hello.1")
    assert [d.status for d in deleted] == [RunStatus.DELETED]
    assert run.workspace.is_dir()  # hello.1.1 still uses it
    with database.transaction() as session:
        runs.delete_runs(session, "alice", "hello.1.1")
    assert not run.workspace.exists()
    third = _create(database, config, hello_spec)
    assert third.full_name == "hello.2"  # deleted runs keep their numbers


def test_delete_all_runs_and_refuse_deleting_a_running_one(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    first, second = _create(database, config, hello_spec), _create(database, config, hello_spec)
    with database.transaction() as session:
        runs.start_run(session, "alice", second.id)
    _move(database, second.id, RunStatus.PENDING, RunStatus.RUNNING)
    with database.transaction() as session, pytest.raises(RunStateError, match=r"stop -w hello\.2 --force"):
        runs.delete_runs(session, "alice", "hello.1", all_runs=True)
    with database.transaction() as session:
        assert runs.get_run(session, "alice", first.id).status is RunStatus.CREATED  # nothing half-deleted
    _move(database, second.id, RunStatus.STOPPED)
    with database.transaction() as session:
        deleted = runs.delete_runs(session, "alice", "hello", all_runs=True)
    assert {run.full_name for run in deleted} == {"hello.1", "hello.2"}
    assert not first.workspace.exists() and not second.workspace.exists()
    kept = _create(database, config, hello_spec)
    with database.transaction() as session:
        runs.delete_runs(session, "alice", kept.full_name, remove_workspace=False)
    assert kept.workspace.is_dir()


# -- restart ----------------------------------------------------------------------------------------
def test_restart_numbers_N_M_shares_the_workspace_and_keeps_given_parameters(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    run = _create(database, config, hello_spec)
    with database.transaction() as session:
        runs.start_run(session, "alice", "hello", parameters={"greeting": "Hi"})
    _move(database, run.id, RunStatus.PENDING, RunStatus.RUNNING, RunStatus.FAILED)
    new_spec = copy.deepcopy(hello_spec)
    new_spec["inputs"]["parameters"]["greeting"] = "Hey"
    with database.transaction() as session:
        first = runs.restart_run(session, "alice", "hello.1", config=config, operational_options={"FROM": "shout"})
        second = runs.restart_run(
            session, "alice", "hello.1", config=config, parameters={"sleeptime": 1}, spec=new_spec
        )
    assert (first.full_name, second.full_name) == ("hello.1.1", "hello.1.2")
    assert first.status is RunStatus.QUEUED and first.restarted_from == run.id
    assert first.workspace == second.workspace == run.workspace
    assert first.input_parameters["greeting"] == "Hi" and first.operational_options == {"FROM": "shout"}
    assert second.input_parameters == {"greeting": "Hi", "sleeptime": 1}  # given values win over the spec's
    assert second.spec["inputs"]["parameters"]["greeting"] == "Hey"


def test_restart_is_refused_before_a_run_ended_and_for_an_invalid_spec(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    run = _create(database, config, hello_spec)
    with database.transaction() as session, pytest.raises(RunStateError, match="reana-client start"):
        runs.restart_run(session, "alice", "hello.1", config=config)
    _finish(database, run)
    broken = copy.deepcopy(hello_spec)
    broken["workflow"]["specification"]["steps"] = []
    with database.transaction() as session, pytest.raises(InvalidWorkflowSpec):
        runs.restart_run(session, "alice", "hello.1", config=config, spec=broken)


# -- list -------------------------------------------------------------------------------------------
def test_list_filters_by_status_and_name_and_pages_newest_first(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    for name in ("hello", "hello", "analysis", "hello-big"):
        _create(database, config, hello_spec, name=name)
    _create(database, config, hello_spec, name="hello", owner="bob")
    with database.transaction() as session:
        runs.start_run(session, "alice", "hello.2")
        everything = runs.list_runs(session, "alice")
        queued = runs.list_runs(session, "alice", statuses=[RunStatus.QUEUED])
        hellos = runs.list_runs(session, "alice", names=["hello"])
        page = runs.list_runs(session, "alice", page=2, size=3)
        oldest = runs.list_runs(session, "alice", newest_first=False, size=1)
        with pytest.raises(InvalidInput):
            runs.list_runs(session, "alice", page=0)
    assert everything.total == 4 and everything.items[0].full_name == "hello-big.1"
    assert [r.full_name for r in queued.items] == ["hello.2"]
    assert sorted(r.full_name for r in hellos.items) == ["hello-big.1", "hello.1", "hello.2"]
    assert page.total == 4 and len(page.items) == 1
    assert [r.full_name for r in oldest.items] == ["hello.1"]


# -- diff -------------------------------------------------------------------------------------------
def test_diff_shows_spec_parameter_and_file_differences(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any]
) -> None:
    a = _create(database, config, hello_spec)
    other_spec = copy.deepcopy(hello_spec)
    other_spec["outputs"]["files"] = ["results/out.txt"]
    b = _create(database, config, other_spec)
    with database.transaction() as session:
        runs.start_run(session, "alice", b.id, parameters={"greeting": "Hi"})
    for run, text in ((a, "Hello, World!\n"), (b, "Hi, World!\n")):
        upload_inputs(run.workspace)
        (run.workspace / "results").mkdir()
        (run.workspace / "results" / "out.txt").write_text(text)
    (a.workspace / "results" / "loud.txt").write_text("HELLO, WORLD!\n")
    with database.transaction() as session:
        diff = diff_runs(session, "alice", "hello.1", "hello.2")
    assert diff.parameters == {"greeting": ("Hello", "Hi")}
    assert set(diff.specification) == {"inputs", "outputs"}
    assert any(line.startswith('-    "results/loud.txt"') for line in diff.specification["outputs"])
    assert [(c.path, c.change) for c in diff.files] == [
        ("results/loud.txt", "removed"),
        ("results/out.txt", "modified"),
    ]
    assert "data/name.txt" not in workspace_text_diff(diff)  # same bytes, no difference
    brief = workspace_text_diff(diff, brief=True)
    assert "Only in hello.1: results/loud.txt" in brief
    assert "Files hello.1/results/out.txt and hello.2/results/out.txt differ" in brief
    full = workspace_text_diff(diff)
    assert "-Hello, World!" in full and "+Hi, World!" in full


@pytest.mark.parametrize("escape", ["../../etc/passwd", "/etc/passwd", "results/../../x"])
def test_paths_leaving_the_workspace_are_refused_at_creation(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any], escape: str
) -> None:
    from openvre.workflows.errors import InvalidWorkspacePath

    spec = {**hello_spec, "outputs": {"files": ["results/out.txt", escape]}}
    with pytest.raises(InvalidWorkspacePath, match=r"outputs\.files\[1\]"):
        _create(database, config, spec)
