"""A finished run exported as a Workflow Run Crate: the metadata says what ran, with what, producing what."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openvre.db import Database
from openvre.workflows.config import WorkflowsConfig
from openvre.workflows.errors import WorkflowError
from openvre.workflows.rocrate import export_run_crate
from openvre.workflows.scheduler import Scheduler
from openvre.workflows.transitions import RunStatus
from tests.unit.workflows.test_scheduler import FAST, _get, _queued_run, _run_scheduler, _until


def finished_run(database: Database, config: WorkflowsConfig, spec: dict[str, Any]) -> Any:
    run = _queued_run(database, config, spec, greeting="Bonjour")

    async def body() -> None:
        await _until(lambda: _get(database, run.id).status is RunStatus.FINISHED)

    _run_scheduler(Scheduler(database, config, FAST), body)
    return _get(database, run.id)


def test_export_describes_the_run_and_copies_verified_files(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any], tmp_path: Path
) -> None:
    run = finished_run(database, config, hello_spec)
    metadata = export_run_crate(run, tmp_path / "crate")
    graph = {entity["@id"]: entity for entity in json.loads(metadata.read_text())["@graph"]}
    root = graph["./"]
    assert {"@id": "https://w3id.org/ro/wfrun/workflow/0.5"} in root["conformsTo"]
    assert root["mainEntity"] == {"@id": "reana.yaml"}
    action = graph[f"#run-{run.id}"]
    assert action["@type"] == "CreateAction" and action["actionStatus"].endswith("CompletedActionStatus")
    assert action["instrument"] == {"@id": "reana.yaml"}
    assert {"@id": "data/name.txt"} in action["object"] and {"@id": "#pv-greeting"} in action["object"]
    assert sorted(r["@id"] for r in action["result"]) == ["results/loud.txt", "results/out.txt"]
    assert graph["#pv-greeting"]["value"] == "Bonjour"
    assert "ComputationalWorkflow" in graph["reana.yaml"]["@type"]
    steps = [e for e in graph.values() if e["@id"].startswith("#step-")]
    assert [s["name"] for s in sorted(steps, key=lambda s: s["startTime"])] == ["greet", "shout"]
    assert all(s["exitCode"] == 0 for s in steps)
    assert (tmp_path / "crate" / "results" / "out.txt").read_text() == "Bonjour, World!\n"
    assert len(graph["results/out.txt"]["sha256"]) == 64


def test_a_changed_output_is_refused(
    database: Database, config: WorkflowsConfig, hello_spec: dict[str, Any], tmp_path: Path
) -> None:
    run = finished_run(database, config, hello_spec)
    (run.workspace / "results" / "out.txt").write_text("edited by hand\n")
    with pytest.raises(WorkflowError, match="changed or vanished since the run recorded it"):
        export_run_crate(run, tmp_path / "crate")
