"""The demo analysis `vre up --demo` puts in the lab folder: written once, valid, and it runs.

`vre validate` and `vre run` are real subprocesses against a real `vre up --demo` (embedded lake,
workflows and scheduler), run in the lab folder as a user would from JupyterLab's terminal.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from openvre.bootstrap import prepare
from openvre.credentials import save_token
from openvre.repository.codemeta import codemeta_to_deposit
from openvre.repository.metadata import validate_metadata
from openvre.settings import load_settings
from tests.support.vre_server import VRE, create_token, start_vre

DEMO_FILES = {
    "README.md",
    "analysis.ipynb",
    "reana.yaml",
    "codemeta.json",
    "code/histogram.py",
    "data/dimuon_run1.csv",
    "data/dimuon_run2.csv",
    "data/dimuon_run3.csv",
}


def files_under(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()}


def test_demo_workspace_is_written_once_and_never_overwrites(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    analysis = settings.lab_root / "dimuon"
    (analysis).mkdir(parents=True)
    (analysis / "README.md").write_text("my own notes\n")
    prepare(settings, demo=True).database.dispose()
    assert files_under(analysis) == DEMO_FILES
    assert (analysis / "README.md").read_text() == "my own notes\n"
    (analysis / "reana.yaml").write_text("# changed by the user\n")
    (analysis / "data" / "dimuon_run2.csv").unlink()
    prepare(settings, demo=True).database.dispose()
    assert (analysis / "reana.yaml").read_text() == "# changed by the user\n"
    assert (analysis / "data" / "dimuon_run2.csv").is_file()  # missing files come back


def test_no_demo_writes_no_workspace(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    prepare(settings, demo=False).database.dispose()
    assert not settings.lab_root.exists()


def test_demo_files_are_valid_and_the_workflow_runs_to_finished(tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    server = start_vre(home, "--demo", env={"OPENVRE_HOME": str(home), "PATH": path})
    try:
        (home / "openvre.toml").write_text(f"port = {server.url.rsplit(':', 1)[1]}\n")
        token = create_token(str(home), "demo")
        save_token(load_settings(home=home), token)
        analysis = home / "lab" / "dimuon"
        env = {**os.environ, "OPENVRE_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "200"}

        def vre(*args: str) -> str:
            done = subprocess.run(
                [str(VRE), *args], cwd=analysis, env=env, capture_output=True, text=True, timeout=300, check=False
            )
            assert done.returncode == 0, f"vre {' '.join(args)} → {done.returncode}\n{done.stdout}{done.stderr}"
            return done.stdout

        assert "valid REANA specification" in vre("validate")
        ran = vre("run", "reana.yaml", "-w", "dimuon", "--follow")
        assert "dimuon.1 finished" in ran, ran
        vre("runs", "download", "dimuon.1", "results/histogram.csv", "-o", str(tmp_path / "out"))
        (downloaded,) = (tmp_path / "out").rglob("histogram.csv")
        rows = list(csv.DictReader(downloaded.read_text().splitlines()))
        assert len(rows) == 30
        peak = max(rows, key=lambda row: int(row["events"]))
        assert (peak["low_gev"], peak["high_gev"]) == ("90.00", "92.00")
    finally:
        server.stop()


def test_codemeta_prefills_the_publish_form() -> None:
    template = Path(__file__).resolve().parents[2] / "src" / "openvre" / "jupyter" / "demo" / "dimuon"
    deposit = codemeta_to_deposit(json.loads((template / "codemeta.json").read_text()))
    assert deposit["title"].startswith("Dimuon invariant mass")
    assert deposit["creators"][0]["name"] == "Researcher, Demo"
    assert deposit["license"] == "mit"
    assert "dimuon" in deposit["keywords"]
    assert validate_metadata(deposit).title == deposit["title"]  # nothing left for the form to complain about
