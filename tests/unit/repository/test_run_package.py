"""Packaging a run's files: the crate zip, its RO-Crate metadata, the README and datalake-inputs.json."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from openvre.errors import InvalidInput
from openvre.repository.rocrate import COMPLETED, PROFILES, run_crate
from openvre.repository.run_package import (
    ExecutedStep,
    LakeFile,
    LakeInput,
    PackagedFile,
    RunPackage,
    dump_json,
    extract_crate,
    lake_inputs_document,
    readme_text,
    run_of_crate,
    write_crate,
)

METADATA: dict[str, Any] = {
    "title": "dimuon run 1",
    "description": "<p>Histogram of dimuon masses.</p>",
    "creators": [{"name": "Doe, Jane", "affiliation": "CERN", "orcid": "0000-0002-1825-0097"}],
    "license": "cc-by-4.0",
}


@pytest.fixture
def package(tmp_path: Path) -> RunPackage:
    staged = tmp_path / "staged"
    contents = {
        "reana.yaml": ("specification", "version: 0.9.0\n"),
        "code/histogram.py": ("input", "print('histogram')\n"),
        "results/histogram.csv": ("output", "bin,count\n90,12\n"),
        "results/summary.json": ("output", '{"events": 12}\n'),
    }
    files = []
    for path, (role, text) in contents.items():
        local = staged / path
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_text(text)
        files.append(PackagedFile.from_local(path, local, role))  # type: ignore[arg-type]
    lake = LakeInput(
        "user.demo:dimuon-2012",
        "DATASET",
        "dataset",
        (
            LakeFile("user.demo:dimuon_run1.csv", 100, "0a0b0c0d", None),
            LakeFile("user.demo:dimuon_run2.csv", 50, "01020304", None),
        ),
    )
    return RunPackage(
        run="dimuon.1",
        workflow_type="serial",
        specification={"version": "0.9.0"},
        parameters={"dataset": "user.demo:dimuon-2012", "bins": 40},
        account="demo",
        full_name="Demo Researcher",
        created_at="2026-01-02T10:00:00",
        started_at="2026-01-02T10:00:01",
        finished_at="2026-01-02T10:00:09",
        steps=(
            ExecutedStep("histogram", "mkdir -p results\n  python code/histogram.py --bins 40", "finished", "py:3"),
            ExecutedStep("summary", "python code/summary.py", "finished", "py:3"),
        ),
        files=tuple(files),
        lake_inputs=(lake,),
        software=("openvre 0.1.0 (REANA 0.9 API)",),
    )


def test_the_crate_zip_holds_the_workspace_under_workspace_and_the_metadata_at_its_root(
    package: RunPackage, tmp_path: Path
) -> None:
    documents = {"README.md": "# x\n", "codemeta.json": "{}\n", "ro-crate-metadata.json": "{}\n"}
    target = write_crate(package, tmp_path / "dimuon.1.crate.zip", documents)
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == [
            "README.md",
            "codemeta.json",
            "ro-crate-metadata.json",
            "workspace/code/histogram.py",
            "workspace/reana.yaml",
            "workspace/results/histogram.csv",
            "workspace/results/summary.json",
        ]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    restored = tmp_path / "restored"
    assert len(extract_crate(target, restored)) == 7
    assert (restored / "workspace" / "results" / "summary.json").read_text() == '{"events": 12}\n'
    assert run_of_crate(target.name) == "dimuon.1" and run_of_crate("README.md") is None


def test_a_crate_with_a_path_leading_out_is_refused(tmp_path: Path) -> None:
    evil = tmp_path / "evil.crate.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("workspace/ok.txt", "fine")
        archive.writestr("../../outside.txt", "nope")
    with pytest.raises(InvalidInput, match="would land outside"):
        extract_crate(evil, tmp_path / "restored")
    assert not (tmp_path / "outside.txt").exists() and not (tmp_path / "restored").exists()


def test_the_ro_crate_is_a_workflow_run_crate_whose_ids_all_resolve(package: RunPackage) -> None:
    crate = run_crate(package, metadata=METADATA, doi="10.5072/openvre.7")
    entities = {entity["@id"]: entity for entity in crate["@graph"]}
    assert len(entities) == len(crate["@graph"]), "every entity once"
    root = entities["./"]
    assert {p["@id"] for p in root["conformsTo"]} == set(PROFILES)
    assert root["identifier"] == "https://doi.org/10.5072/openvre.7"
    assert root["license"] == {"@id": "https://spdx.org/licenses/CC-BY-4.0"}
    assert root["description"] == "Histogram of dimuon masses."
    assert [part["@id"] for part in root["hasPart"][:3]] == ["README.md", "codemeta.json", "datalake-inputs.json"]
    workflow = entities[root["mainEntity"]["@id"]]
    assert workflow["@id"] == "workspace/reana.yaml"
    assert {"File", "SoftwareSourceCode", "ComputationalWorkflow"} <= set(workflow["@type"])
    run = entities["#run"]
    assert run["instrument"] == {"@id": "workspace/reana.yaml"} and run["actionStatus"] == COMPLETED
    assert entities[run["agent"]["@id"]]["name"] == "Demo Researcher"
    assert [r["@id"] for r in run["result"]] == ["workspace/results/histogram.csv", "workspace/results/summary.json"]
    objects = {o["@id"] for o in run["object"]}
    assert {"workspace/code/histogram.py", "#value/dataset", "#did/user.demo:dimuon-2012"} <= objects
    assert entities["#value/bins"]["value"] == "40" and entities["#param/bins"]["additionalType"] == "Integer"
    output = entities["workspace/results/summary.json"]
    assert output["sha256"] == package.files[3].sha256 and output["contentSize"] == str(package.files[3].size)
    assert entities[output["exampleOfWork"]["@id"]]["@type"] == "FormalParameter"
    steps = [entities[step["@id"]] for step in workflow["step"]]
    assert [step["name"] for step in steps] == ["histogram", "summary"]
    control = entities["#control/1"]
    assert control["instrument"] == {"@id": "#step/1"} and entities[control["object"]["@id"]]["@type"] == "CreateAction"
    assert entities["#engine-run"]["result"] == {"@id": "#run"}
    assert sum(1 for e in crate["@graph"] if e["@type"] == "ContainerImage") == 1  # one image, two steps
    assert entities["https://orcid.org/0000-0002-1825-0097"]["affiliation"] == "CERN"
    dangling = {target for target in _references(crate["@graph"]) if target not in entities}
    assert {target for target in dangling if not target.startswith("http")} == set()


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["@id"]] if set(value) == {"@id"} else []
        return found + [ref for item in value.values() for ref in _references(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _references(item)]
    return []


def test_the_readme_says_how_to_reproduce_and_lists_everything(package: RunPackage) -> None:
    text = readme_text(package, METADATA, "10.5072/openvre.7")
    assert text.startswith("# dimuon run 1\n")
    assert "vre reproduce 10.5072/openvre.7" in text and "reana-client run -w dimuon" in text
    assert "| `workspace/reana.yaml` | specification |" in text.splitlines()[text.splitlines().index("## Files") + 4]
    assert "| `user.demo:dimuon-2012` | `dataset` | 2 | 150 |" in text
    assert "1. `histogram` (finished): `mkdir -p results; python code/histogram.py --bins 40`" in text


def test_datalake_inputs_keep_every_files_checksums(package: RunPackage) -> None:
    document = json.loads(dump_json(lake_inputs_document(package.lake_inputs)))
    (entry,) = document["dids"]
    assert (entry["did"], entry["type"], entry["parameter"], entry["bytes"]) == (
        "user.demo:dimuon-2012",
        "DATASET",
        "dataset",
        150,
    )
    assert entry["files"][0] == {"did": "user.demo:dimuon_run1.csv", "bytes": 100, "adler32": "0a0b0c0d"}
