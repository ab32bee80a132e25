"""``ro-crate-metadata.json`` for a published workflow run: a Workflow Run Crate (profiles 0.5).

The crate says what ran (the reana.yaml, as a ``ComputationalWorkflow``), with what (input files,
parameter values, data-lake DIDs), what came out (the declared outputs, with sha256 and size), who ran
it, when, and how each step went (Provenance Run Crate: one ``CreateAction`` per step, tied to the
workflow's ``HowToStep`` by a ``ControlAction``; the engine's run is an ``OrganizeAction``). Paths are
those of :mod:`openvre.repository.run_package`'s crate zip, so every ``@id`` names a file in it::

    crate = run_crate(package, metadata=deposit_metadata, doi="10.5072/openvre.7")

Written by hand rather than with ro-crate-py, to keep openvre's dependencies few; the shapes follow
https://w3id.org/ro/wfrun/workflow/0.5 and the RO-Crate 1.1 specification.
"""

from __future__ import annotations

import mimetypes
import re
from datetime import date
from typing import Any

from openvre.repository.licenses import find_license
from openvre.repository.run_package import (
    CRATE_METADATA,
    LakeInput,
    PackagedFile,
    RunPackage,
    root_documents,
)

CONTEXT = ["https://w3id.org/ro/crate/1.1/context", "https://w3id.org/ro/terms/workflow-run/context"]
RO_CRATE = "https://w3id.org/ro/crate/1.1"
WORKFLOW_RO_CRATE = "https://w3id.org/workflowhub/workflow-ro-crate/1.0"
PROFILES = {
    "https://w3id.org/ro/wfrun/process/0.5": "Process Run Crate",
    "https://w3id.org/ro/wfrun/workflow/0.5": "Workflow Run Crate",
    "https://w3id.org/ro/wfrun/provenance/0.5": "Provenance Run Crate",
    WORKFLOW_RO_CRATE: "Workflow RO-Crate",
}
DOCKER_IMAGE = "https://w3id.org/ro/terms/workflow-run#DockerImage"
COMPLETED = "http://schema.org/CompletedActionStatus"
FAILED = "http://schema.org/FailedActionStatus"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.:/-]")


def ref(identifier: str) -> dict[str, str]:
    return {"@id": identifier}


def run_crate(package: RunPackage, *, metadata: dict[str, Any], doi: str | None) -> dict[str, Any]:
    """The crate's JSON-LD, for ``metadata`` (the record's deposit metadata) and the record's ``doi``."""
    documents = root_documents(package)
    people = _people(metadata, package)
    graph: list[dict[str, Any]] = [
        {
            "@id": CRATE_METADATA,
            "@type": "CreativeWork",
            "about": ref("./"),
            "conformsTo": [ref(RO_CRATE), ref(WORKFLOW_RO_CRATE)],
        },
        _root(package, metadata, doi, documents, [person["@id"] for person in people[1:]]),
        *(
            {"@id": url, "@type": "CreativeWork", "name": name, "version": url.rsplit("/", 1)[1]}
            for url, name in PROFILES.items()
        ),
        *_workflow(package),
        *(_file(file) for file in package.files if file.role != "specification"),
        *(_document(name) for name in documents),
        *_lake_entities(package.lake_inputs),
        *_run_actions(package, people[0]["@id"]),
        *people,
        *_license(metadata.get("license")),
    ]
    return {"@context": CONTEXT, "@graph": graph}


def _root(
    package: RunPackage, metadata: dict[str, Any], doi: str | None, documents: list[str], authors: list[str]
) -> dict[str, Any]:
    license_entity = _license(metadata.get("license"))
    root: dict[str, Any] = {
        "@id": "./",
        "@type": "Dataset",
        "name": metadata.get("title") or package.run,
        "description": re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", str(metadata.get("description", "")))).strip(),
        "datePublished": date.today().isoformat(),
        "conformsTo": [ref(url) for url in PROFILES],
        "mainEntity": ref(_specification(package).crate_path),
        "hasPart": [ref(name) for name in documents] + [ref(file.crate_path) for file in package.files],
        "mentions": [ref("#run")],
        "author": [ref(identifier) for identifier in authors],
    }
    if doi:
        root["identifier"] = f"https://doi.org/{doi}"
    if license_entity:
        root["license"] = ref(license_entity[0]["@id"])
    return root


def _specification(package: RunPackage) -> PackagedFile:
    return next(file for file in package.files if file.role == "specification")


def _workflow(package: RunPackage) -> list[dict[str, Any]]:
    """The reana.yaml as the workflow, its language, its formal inputs and outputs, and its steps."""
    spec = _specification(package)
    parameters: list[dict[str, Any]] = [
        {"@id": f"#param/{_safe(name)}", "@type": "FormalParameter", "name": name, "additionalType": _kind(value)}
        for name, value in package.parameters.items()
    ]
    file_parameters = [
        {"@id": _formal(file), "@type": "FormalParameter", "name": file.path, "additionalType": "File"}
        for file in package.files
        if file.role != "specification"
    ]
    steps: list[dict[str, Any]] = [
        {
            "@id": f"#step/{i}",
            "@type": "HowToStep",
            "position": str(i),
            "name": s.name,
            "workExample": ref(f"#tool/{i}"),
        }
        for i, s in enumerate(package.steps, 1)
    ]
    workflow = {
        **_file(spec),
        "@type": ["File", "SoftwareSourceCode", "ComputationalWorkflow", "HowTo"],
        "name": f"{package.workflow} ({package.workflow_type} workflow)",
        "programmingLanguage": ref("#reana"),
        "input": [ref(p["@id"]) for p in parameters] + [ref(_formal(f)) for f in package.files_with("input")],
        "output": [ref(_formal(f)) for f in package.files_with("output")],
        "step": [ref(step["@id"]) for step in steps],
    }
    language = {
        "@id": "#reana",
        "@type": "ComputerLanguage",
        "name": "REANA",
        "alternateName": f"reana.yaml, {package.workflow_type} workflow",
        "version": str(package.specification.get("version", "")),
        "url": ref("https://docs.reana.io/reference/reana-yaml/"),
    }
    return [workflow, language, *parameters, *file_parameters, *steps]


def _formal(file: PackagedFile) -> str:
    return f"#{file.role}/{_safe(file.path)}"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    return {int: "Integer", float: "Float"}.get(type(value), "Text")


def _file(file: PackagedFile) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "@id": file.crate_path,
        "@type": "File",
        "name": file.path,
        "contentSize": str(file.size),
        "sha256": file.sha256,
    }
    kind = mimetypes.guess_type(file.path)[0]
    if kind:
        entity["encodingFormat"] = kind
    if file.role != "specification":
        entity["exampleOfWork"] = ref(_formal(file))
    return entity


def _document(name: str) -> dict[str, Any]:
    kind = mimetypes.guess_type(name)[0] or ("text/markdown" if name.endswith(".md") else None)
    return {"@id": name, "@type": "File", "name": name, **({"encodingFormat": kind} if kind else {})}


def _lake_entities(inputs: tuple[LakeInput, ...]) -> list[dict[str, Any]]:
    """DIDs are referenced, not in the crate: contextual entities pointing at datalake-inputs.json."""
    return [
        {
            "@id": f"#did/{_safe(item.did)}",
            "@type": "File" if item.did_type.upper() == "FILE" else "Dataset",
            "name": item.did,
            "identifier": item.did,
            "contentSize": str(item.bytes),
            "description": f"Data-lake {item.did_type.lower()} of {len(item.files)} file(s), referenced (not copied);"
            " its files and checksums are listed in datalake-inputs.json.",
            "subjectOf": ref("datalake-inputs.json"),
        }
        for item in inputs
    ]


def _run_actions(package: RunPackage, agent: str) -> list[dict[str, Any]]:
    """The run (CreateAction), the engine's orchestration (OrganizeAction) and each step's execution."""
    inputs = [ref(file.crate_path) for file in package.files_with("input")]
    values: list[dict[str, Any]] = [
        {"@id": f"#value/{_safe(name)}", "@type": "PropertyValue", "name": name, "value": str(value)}
        | {"exampleOfWork": ref(f"#param/{_safe(name)}")}
        for name, value in package.parameters.items()
    ]
    run = {
        "@id": "#run",
        "@type": "CreateAction",
        "name": f"Run {package.run} of {package.workflow}",
        "instrument": ref(_specification(package).crate_path),
        "agent": ref(agent),
        "actionStatus": COMPLETED,  # only finished runs are published
        "object": inputs + [ref(v["@id"]) for v in values] + [ref(f"#did/{_safe(i.did)}") for i in package.lake_inputs],
        "result": [ref(file.crate_path) for file in package.files_with("output")],
        **_times(package.started_at, package.finished_at),
    }
    engine_name = package.software[0] if package.software else "REANA-compatible workflow service"
    engine = {"@id": "#engine", "@type": "SoftwareApplication", "name": engine_name}
    steps = _step_actions(package)
    organize = {
        "@id": "#engine-run",
        "@type": "OrganizeAction",
        "name": f"Orchestration of {package.run}",
        "instrument": ref("#engine"),
        "result": ref("#run"),
        "object": [ref(entity["@id"]) for entity in steps if entity["@type"] == "ControlAction"],
        **_times(package.started_at, package.finished_at),
    }
    return [run, *values, engine, organize, *steps]


def _step_actions(package: RunPackage) -> list[dict[str, Any]]:
    entities: list[dict[str, Any]] = []
    for index, step in enumerate(package.steps, 1):
        tool = {"@id": f"#tool/{index}", "@type": "SoftwareApplication", "name": step.name, "description": step.command}
        execution: dict[str, Any] = {
            "@id": f"#step-run/{index}",
            "@type": "CreateAction",
            "name": f"Step {step.name} of {package.run}",
            "instrument": ref(tool["@id"]),
            "description": step.command,
            "actionStatus": COMPLETED if step.status == "finished" else FAILED,
            **_times(step.started_at, step.finished_at),
        }
        image: list[dict[str, Any]] = []
        if step.image:
            image_id = f"#image/{_safe(step.image)}"
            execution["containerImage"] = ref(image_id)
            image = [{"@id": image_id, "@type": "ContainerImage", "additionalType": ref(DOCKER_IMAGE),
                      "name": step.image}]  # fmt: skip
        control = {
            "@id": f"#control/{index}",
            "@type": "ControlAction",
            "name": f"Orchestrate step {step.name}",
            "instrument": ref(f"#step/{index}"),
            "object": ref(execution["@id"]),
        }
        entities += [tool, execution, control, *image]
    return list({entity["@id"]: entity for entity in entities}.values())  # one entity per image


def _times(start: str | None, end: str | None) -> dict[str, str]:
    return {key: value for key, value in (("startTime", start), ("endTime", end)) if value}


def _people(metadata: dict[str, Any], package: RunPackage) -> list[dict[str, Any]]:
    """The agent who ran it first, then the record's creators (ORCID URLs as ids when known)."""
    agent = {
        "@id": f"#person/{_safe(package.account)}",
        "@type": "Person",
        "name": package.full_name or package.account,
    }
    people = [agent]
    for index, creator in enumerate(metadata.get("creators") or [], 1):
        identifier = f"https://orcid.org/{creator['orcid']}" if creator.get("orcid") else f"#creator/{index}"
        person: dict[str, Any] = {"@id": identifier, "@type": "Person", "name": creator["name"]}
        if creator.get("affiliation"):
            person["affiliation"] = str(creator["affiliation"])
        people.append(person)
    return list({person["@id"]: person for person in people}.values())


def _license(identifier: Any) -> list[dict[str, Any]]:
    found = find_license(identifier) if isinstance(identifier, str) else None
    if found is None:
        return []
    return [{"@id": found.url.removesuffix(".html"), "@type": "CreativeWork", "name": found.title}]


def _safe(text: str) -> str:
    """``text`` usable inside a ``#fragment`` identifier."""
    return _UNSAFE.sub("_", text)
