"""The preservation story as a user lives it, with real `vre up` servers and `vre` as subprocesses.

The demo analysis reads user.demo:dimuon-2012 from the data lake in its step (openvre.data), runs as a
REANA workflow, is published with `vre publish run` and reproduced from its DOI with `vre reproduce`:
every output identical, exit 0. A variant that stamps the time into its summary is reproduced too:
that output differs, exit 1. A second `vre up` stands in for a remote Zenodo: `vre publish files` and
`vre publish run` reach it through OPENVRE_REPOSITORY__URL and __TOKEN, and runs published there are
reproduced from there.

Steps find the data lake as any program on this machine does: OPENVRE_HOME (given to `vre up`),
the server's port from HOME's openvre.toml, and the token `vre login` would save in HOME.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from openvre.credentials import save_token
from openvre.settings import load_settings
from tests.support.vre_server import VRE, VreServer, create_token, start_vre

DIMUON = Path(__file__).resolve().parents[1] / "data" / "workflows" / "dimuon"
_DOI = re.compile(r"published DOI (\S+)")


@dataclass
class Vre:
    env: dict[str, str]
    cwd: Path

    def __call__(self, *args: str, expect: int = 0, env: dict[str, str] | None = None) -> str:
        result = subprocess.run(
            [str(VRE), *args],
            env={**self.env, **(env or {})},
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        output = result.stdout + result.stderr
        assert result.returncode == expect, f"vre {' '.join(args)} → {result.returncode}\n{output}"
        return output


def token_for(home: Path, user: str) -> str:
    return create_token(home, user)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VreServer]:
    """`vre up --demo`: data lake with the dimuon dataset, workflows, repository; steps run this venv's python."""
    home = tmp_path_factory.mktemp("lab") / "home"
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    server = start_vre(
        home, "--demo", env={"OPENVRE_HOME": str(home), "PATH": path, "OPENVRE_ADMIN_PASSWORD": "x" * 20}
    )
    (home / "openvre.toml").write_text(f"port = {server.url.rsplit(':', 1)[1]}\n")
    save_token(load_settings(home=home), token_for(home, "demo"))  # what `vre login --user demo` saves
    yield server
    server.stop()


@pytest.fixture(scope="module")
def zenodo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VreServer]:
    """A second openvre, standing in for a remote Zenodo."""
    server = start_vre(
        tmp_path_factory.mktemp("remote") / "home", "--no-demo", env={"OPENVRE_ADMIN_PASSWORD": "y" * 20}
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def vre(lab: VreServer, tmp_path_factory: pytest.TempPathFactory) -> Vre:
    analysis = Path(shutil.copytree(DIMUON, tmp_path_factory.mktemp("work") / "analysis"))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OPENVRE_")}
    environment.update(NO_COLOR="1", COLUMNS="200", OPENVRE_HOME=str(lab.home))
    return Vre(environment, analysis)


def published_doi(output: str) -> str:
    match = _DOI.search(output)
    assert match, output
    return match.group(1)


def test_demo_analysis_publish_reproduce_identical(vre: Vre, lab: VreServer, tmp_path: Path) -> None:
    ran = vre("run", "reana.yaml", "-w", "dimuon", "--follow")
    assert "dimuon.1 finished" in ran, ran

    published = vre("publish", "run", "dimuon.1")
    assert re.search(r"ok reference user\.demo:dimuon-2012 +dataset, 3 file\(s\)", published), published
    assert "ok upload dimuon.1.crate.zip" in " ".join(published.split())
    doi = published_doi(published)
    recid = doi.rsplit(".", 1)[1]
    assert f"landing page {lab.url}/zenodo/records/{recid}" in published
    record = httpx.get(f"{lab.url}/zenodo/api/records/{recid}").json()
    metadata = record["metadata"]
    assert (record["title"], metadata["upload_type"], metadata["license"]) == (
        "dimuon run 1",
        "software",
        {"id": "mit"},
    )
    assert metadata["creators"] == [{"name": "Researcher, Demo", "affiliation": "openvre demo lab"}]  # codemeta.json
    assert {"dimuon", "workflow run"} <= set(metadata["keywords"])
    assert sorted(f["key"] for f in record["files"]) == ["README.md", "codemeta.json", "dimuon.1.crate.zip"]

    restored = tmp_path / "repro"
    reproduced = vre("reproduce", doi, "--dir", str(restored))
    flat = " ".join(reproduced.split())
    assert "ok fetch user.demo:dimuon-2012" in flat
    assert "ok compare results/histogram.csv identical" in flat and "ok compare results/summary.json identical" in flat
    assert "all 2 outputs identical" in flat
    assert (restored / "reproduced" / "results" / "histogram.csv").read_bytes() == (
        restored / "workspace" / "results" / "histogram.csv"
    ).read_bytes()
    lake_inputs = (restored / "datalake-inputs.json").read_text()
    assert "user.demo:dimuon_run3.csv" in lake_inputs and "adler32" in lake_inputs


def test_a_nondeterministic_output_is_caught(vre: Vre, tmp_path: Path) -> None:
    ran = vre("run", "reana.yaml", "-w", "stamped", "-p", "stamp=yes", "--follow")
    assert "stamped.1 finished" in ran, ran
    doi = published_doi(vre("publish", "run", "stamped.1"))
    reproduced = vre("reproduce", doi, "--dir", str(tmp_path / "repro"), expect=1)
    flat = " ".join(reproduced.split())
    assert "ok compare results/histogram.csv identical" in flat
    assert "error compare results/summary.json different: published sha256" in flat
    assert "1 of 2 outputs differ" in flat


def test_publish_to_a_remote_zenodo_and_reproduce_from_it(
    vre: Vre, zenodo: VreServer, lab: VreServer, tmp_path: Path
) -> None:
    remote = {
        "OPENVRE_REPOSITORY__URL": f"{zenodo.url}/zenodo",
        "OPENVRE_REPOSITORY__TOKEN": token_for(zenodo.home, "admin"),
    }
    data = tmp_path / "spectra.csv"
    data.write_text("energy,count\n1.0,42\n")
    output = vre(
        "publish", "files", str(data), "--title", "Muon spectra", "--creator", "Doe, Jane;CERN;0000-0002-1825-0097",
        "--keyword", "muons", env=remote,
    )  # fmt: skip
    doi = published_doi(output)
    found = httpx.get(f"{zenodo.url}/zenodo/api/records", params={"q": f'doi:"{doi}"'}).json()["hits"]["hits"]
    assert [hit["title"] for hit in found] == ["Muon spectra"]
    assert found[0]["metadata"]["creators"][0] == {
        "name": "Doe, Jane",
        "affiliation": "CERN",
        "orcid": "0000-0002-1825-0097",
    }
    assert f"{zenodo.url}/zenodo/records/" in output
    # It went to the remote only. (Both servers mint under the test prefix 10.5072, so DOIs alone cannot tell.)
    on_lab = httpx.get(f"{lab.url}/zenodo/api/records", params={"q": 'title:"Muon spectra"'}).json()
    assert on_lab["hits"]["total"] == 0

    ran = vre("run", "reana.yaml", "-w", "remote", "--follow")
    assert "remote.1 finished" in ran
    run_doi = published_doi(vre("publish", "run", "remote.1", env=remote))
    reproduced = vre("reproduce", run_doi, "--dir", str(tmp_path / "repro"), env=remote)
    assert "all 2 outputs identical" in " ".join(reproduced.split())


def test_errors_say_the_fix(vre: Vre, tmp_path: Path) -> None:
    assert "workflow nothing.1 does not exist" in vre("publish", "run", "nothing.1", expect=1)
    missing = vre("publish", "files", str(tmp_path / "none.csv"), "--title", "x", "--creator", "X", expect=1)
    assert "is not a file" in missing
    bad = tmp_path / "a.csv"
    bad.write_text("x\n")
    refused = vre("publish", "files", str(bad), "--title", "T", "--creator", "Doe;CERN;0000-0002-1825-0098", expect=1)
    assert "metadata.creators.0.orcid" in refused and "check digit" in refused
    assert "is not a DOI" in vre("reproduce", "not-a-doi", expect=1)
    assert "no record at" in vre("reproduce", "10.5072/openvre.99999", expect=1)
