"""Export a run's provenance as an RO-Crate following the Workflow Run Crate profile.

The crate is a folder: ``ro-crate-metadata.json`` plus the reana.yaml and copies of the declared inputs
and outputs, so it can be archived or published on its own. Everything in it comes
from the provenance record the scheduler wrote while the run ran (see :mod:`provenance`), not from
the workspace as it is now — except the file copies, which are checked against the recorded sha256.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from openvre.workflows.errors import WorkflowError
from openvre.workflows.provenance import sha256_file
from openvre.workflows.runs import Run
from openvre.workflows.workspace import safe_path

PROFILES = {
    "process": "https://w3id.org/ro/wfrun/process/0.5",
    "workflow": "https://w3id.org/ro/wfrun/workflow/0.5",
    "wfcrate": "https://w3id.org/workflowhub/workflow-ro-crate/1.0",
}
CONTEXT = "https://w3id.org/ro/crate/1.1/context"
LANGUAGES = {
    "serial": ("REANA serial", "https://docs.reana.io/running-workflows/supported-systems/serial/"),
    "cwl": ("Common Workflow Language", "https://w3id.org/cwl/"),
    "snakemake": ("Snakemake", "https://snakemake.readthedocs.io"),
    "yadage": ("Yadage", "https://yadage.readthedocs.io"),
}


def export_run_crate(run: Run, target: Path) -> Path:
    """Write the crate of a finished (or failed) run into ``target``; returns the metadata file."""
    record = run.provenance
    if not record or "steps" not in record:
        raise WorkflowError(
            f"{run.full_name} has no complete provenance yet (status {run.status.value}); "
            "export it once it has finished or failed"
        )
    target.mkdir(parents=True, exist_ok=True)
    (target / "reana.yaml").write_text(json.dumps(record["specification"], indent=2) + "\n")
    inputs = [_copy(run.workspace, target, entry) for entry in record.get("inputs", [])]
    outputs = [_copy(run.workspace, target, entry) for entry in record.get("outputs", [])]
    graph = [
        _descriptor(),
        _root(run, inputs, outputs),
        _workflow(record),
        *_language(record),
        _person(run.owner),
        _run_action(run, record, inputs, outputs),
        *_software(record),
        *_parameters(record),
        *_step_actions(record),
        *inputs,
        *outputs,
    ]
    metadata = target / "ro-crate-metadata.json"
    metadata.write_text(json.dumps({"@context": CONTEXT, "@graph": graph}, indent=2) + "\n")
    return metadata


def _copy(workspace: Path, target: Path, entry: dict[str, Any]) -> dict[str, Any]:
    """Copy one recorded file into the crate, refusing it if it changed since the run recorded it."""
    source = safe_path(workspace, entry["path"])
    if not source.is_file() or sha256_file(source) != entry["sha256"]:
        raise WorkflowError(
            f"{entry['path']} changed or vanished since the run recorded it; the crate would not describe "
            "what the run used. Restart the run to record the files as they are now"
        )
    destination = safe_path(target, entry["path"])
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, destination)
    return {"@id": entry["path"], "@type": "File", "contentSize": entry["bytes"], "sha256": entry["sha256"]}


def _descriptor() -> dict[str, Any]:
    return {
        "@id": "ro-crate-metadata.json",
        "@type": "CreativeWork",
        "about": {"@id": "./"},
        "conformsTo": [{"@id": "https://w3id.org/ro/crate/1.1"}, {"@id": PROFILES["wfcrate"]}],
    }


def _root(run: Run, inputs: list[dict[str, Any]], outputs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@id": "./",
        "@type": "Dataset",
        "name": f"Run {run.full_name} of workflow {run.name}",
        "description": f"Provenance of the openvre run {run.full_name} ({run.workflow_type} workflow).",
        "conformsTo": [{"@id": url} for url in PROFILES.values()],
        "mainEntity": {"@id": "reana.yaml"},
        "mentions": [{"@id": f"#run-{run.id}"}],
        "hasPart": [{"@id": "reana.yaml"}, *({"@id": f["@id"]} for f in (*inputs, *outputs))],
        "datePublished": run.finished_at.isoformat() if run.finished_at else None,
    }


def _workflow(record: dict[str, Any]) -> dict[str, Any]:
    engine = record["software"]["engine"]
    return {
        "@id": "reana.yaml",
        "@type": ["File", "SoftwareSourceCode", "ComputationalWorkflow"],
        "name": "reana.yaml",
        "programmingLanguage": {"@id": f"#language-{engine}"},
        "input": [{"@id": f"#param-{name}"} for name in sorted(record.get("parameters") or {})],
    }


def _language(record: dict[str, Any]) -> list[dict[str, Any]]:
    engine = record["software"]["engine"]
    name, url = LANGUAGES.get(engine, (engine, None))
    return [{"@id": f"#language-{engine}", "@type": "ComputerLanguage", "name": name, "url": url}]


def _person(owner: str) -> dict[str, Any]:
    return {"@id": f"#account-{owner}", "@type": "Person", "name": owner}


def _run_action(
    run: Run, record: dict[str, Any], inputs: list[dict[str, Any]], outputs: list[dict[str, Any]]
) -> dict[str, Any]:
    finished = record.get("status") == "finished"
    return {
        "@id": f"#run-{run.id}",
        "@type": "CreateAction",
        "name": f"Run {run.full_name}",
        "instrument": {"@id": "reana.yaml"},
        "agent": {"@id": f"#account-{run.owner}"},
        "startTime": record.get("started_at"),
        "endTime": record.get("finished_at"),
        "actionStatus": "http://schema.org/CompletedActionStatus"
        if finished
        else "http://schema.org/FailedActionStatus",
        "error": None if finished else record.get("message"),
        "object": [*({"@id": f["@id"]} for f in inputs), *({"@id": f"#pv-{n}"} for n in sorted(record["parameters"]))],
        "result": [{"@id": f["@id"]} for f in outputs],
    }


def _software(record: dict[str, Any]) -> list[dict[str, Any]]:
    software = record["software"]
    tools = [
        {"@id": "#openvre", "@type": "SoftwareApplication", "name": "openvre", "softwareVersion": software["openvre"]}
    ]
    for name, version in sorted((software.get("engine_versions") or {}).items()):
        tools.append({"@id": f"#tool-{name}", "@type": "SoftwareApplication", "name": name, "softwareVersion": version})
    return tools


def _parameters(record: dict[str, Any]) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    for name, value in sorted((record.get("parameters") or {}).items()):
        entities.append(
            {"@id": f"#param-{name}", "@type": "FormalParameter", "name": name, "additionalType": type(value).__name__}
        )
        entities.append(
            {
                "@id": f"#pv-{name}",
                "@type": "PropertyValue",
                "name": name,
                "value": str(value),
                "exampleOfWork": {"@id": f"#param-{name}"},
            }
        )
    return entities


def _step_actions(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "@id": f"#step-{step['id']}",
            "@type": "CreateAction",
            "name": step["name"],
            "description": step.get("command"),
            "instrument": {"@id": f"#image-{step['id']}"} if step.get("image") else {"@id": "#openvre"},
            "startTime": step.get("started_at"),
            "endTime": step.get("finished_at"),
            "exitCode": step.get("exit_code"),
            "actionStatus": "http://schema.org/CompletedActionStatus"
            if step.get("status") == "finished"
            else "http://schema.org/FailedActionStatus",
        }
        for step in record.get("steps", [])
    ] + [
        {"@id": f"#image-{step['id']}", "@type": "SoftwareApplication", "name": step["image"]}
        for step in record.get("steps", [])
        if step.get("image")
    ]
