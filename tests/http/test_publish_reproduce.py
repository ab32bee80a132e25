"""Publishing a run and reproducing it, in-process: REANA and Zenodo APIs of one app, real scheduler."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from openvre.clients.reana import ReanaClient
from openvre.clients.zenodo import ZenodoClient
from openvre.connections import Connections
from openvre.errors import InvalidInput
from openvre.publish import files_metadata, parse_creator, publish_files, publish_run
from openvre.reproduce import reproduce
from openvre.results import Result
from openvre.settings import Settings
from openvre.workflows.errors import RunStateError
from openvre.workflows.submit import follow, load_submission, submit_run

HELLO = Path(__file__).resolve().parents[1] / "data" / "workflows" / "serial-hello"


@pytest.fixture
def services(app_client: TestClient, alice_token: str, settings: Settings) -> Connections:
    # One app, two protocols: the REANA client's paths are relative to /reana, Zenodo's are absolute.
    reana_http = TestClient(app_client.app, base_url="http://testserver/reana")
    return Connections(
        settings,
        workflows=ReanaClient("http://testserver/reana", token=alice_token, http=reana_http),
        repository=ZenodoClient("http://testserver/zenodo", token=alice_token, http=app_client),
    )


def run_hello(services: Connections, tmp_path: Path, **parameters: str) -> str:
    analysis = Path(shutil.copytree(HELLO, tmp_path / "analysis"))
    results = list(submit_run(services.workflows, analysis / "reana.yaml", name="hello", parameters=parameters))
    name = results[-1].target
    assert list(follow(services.workflows, name, interval=0.05))[-1]["status"] == "finished"
    return name


def statuses(results: list[Result]) -> list[tuple[str, str, str]]:
    return [(r.action, r.target, r.status) for r in results]


def test_publish_a_run_then_reproduce_it_identically(services: Connections, tmp_path: Path) -> None:
    run = run_hello(services, tmp_path, greeting="Hi")
    published = list(publish_run(run, connections=services))
    assert statuses(published)[:3] == [
        ("download", "data/name.txt", "ok"),
        ("download", "results/out.txt", "ok"),
        ("download", "results/loud.txt", "ok"),
    ]
    assert [r.target for r in published if r.action == "upload"] == ["README.md", "codemeta.json", "hello.1.crate.zip"]
    final = published[-1]
    assert (final.action, final.status) == ("publish", "ok") and final.target.startswith("10.5072/openvre.")
    record = services.repository.search_records(f'doi:"{final.target}"')["hits"]["hits"][0]
    assert record["title"] == "hello run 1" and record["metadata"]["creators"] == [{"name": "Alice"}]
    assert final.message == record["links"]["html"]

    crate = next(f for f in record["files"] if f["key"] == "hello.1.crate.zip")
    archive = services.repository.download_file(crate, tmp_path / "downloaded")
    with zipfile.ZipFile(archive) as opened:
        spec = opened.read("workspace/reana.yaml").decode()
        graph = json.loads(opened.read("ro-crate-metadata.json"))["@graph"]
    assert "greeting: Hi" in spec  # the parameter the run was started with, not the default
    assert any(entity["@id"] == "#run" for entity in graph)

    reproduced = list(reproduce(final.target, directory=tmp_path / "repro", connections=services, interval=0.05))
    assert [r for r in reproduced if r.failed] == []
    assert statuses(reproduced)[-2:] == [
        ("compare", "results/loud.txt", "ok"),
        ("compare", "results/out.txt", "ok"),
    ]
    assert (tmp_path / "repro" / "reproduced" / "results" / "loud.txt").read_text() == "HI, WORLD!\n"
    assert ("run", "hello.2", "ok") in statuses(reproduced)


def test_a_changed_output_is_reported_different(services: Connections, tmp_path: Path) -> None:
    run = run_hello(services, tmp_path)
    doi = list(publish_run(run, connections=services))[-1].target
    # Published files cannot change; the restored workspace can: the rerun reads another name.
    restored, seen = tmp_path / "repro", []
    for result in reproduce(doi, directory=restored, connections=services, interval=0.05):
        seen.append(result)
        if result.action == "restore":
            (restored / "workspace" / "data" / "name.txt").write_text("Moon\n")
    compared = {r.target: r for r in seen if r.action == "compare"}
    assert {name: r.status for name, r in compared.items()} == {"results/loud.txt": "error", "results/out.txt": "error"}
    assert compared["results/out.txt"].message.startswith("different: published sha256")
    assert (restored / "reproduced" / "results" / "out.txt").read_text() == "Hello, Moon!\n"


def test_only_finished_runs_are_published(services: Connections, tmp_path: Path) -> None:
    analysis = Path(shutil.copytree(HELLO, tmp_path / "analysis"))
    services.workflows.create_workflow(load_submission(analysis / "reana.yaml"), "hello")  # created, never started
    with pytest.raises(RunStateError, match="only finished runs can be published"):
        list(publish_run("hello.1", connections=services))


def test_publish_files_with_metadata_from_options(services: Connections, tmp_path: Path) -> None:
    data = tmp_path / "spectra.csv"
    data.write_text("energy,count\n1,2\n")
    metadata = files_metadata(
        [data], title="Spectra", creators=[parse_creator("Doe, Jane;CERN;0000-0002-1825-0097")], keywords=["muons"]
    )
    assert metadata["description"] == "Files: spectra.csv." and metadata["license"] == "cc-by-4.0"
    results = list(publish_files([data], metadata, connections=services))
    assert statuses(results)[1] == ("upload", "spectra.csv", "ok") and results[-1].status == "ok"
    with pytest.raises(InvalidInput, match="--title and --creator"):
        files_metadata([data])
    with pytest.raises(InvalidInput, match="NAME\\[;AFFILIATION"):
        parse_creator("a;b;c;d")
