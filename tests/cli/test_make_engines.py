"""`make run` gives yadage its own environment (`make engines`), so the demo runs all four workflow kinds."""

from __future__ import annotations

import subprocess
from pathlib import Path

from openvre.workflows.engines.yadage import OWN_ENVIRONMENT, YadageEngine, YadageSettings

ROOT = Path(__file__).resolve().parents[2]


def test_make_engines_builds_the_yadage_environment_make_run_points_openvre_at() -> None:
    built = subprocess.run(["make", "-s", "engines"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    recipe = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout
    python = ROOT / ".venvs" / "yadage" / "bin" / "python"
    assert f'OPENVRE_YADAGE_PYTHON="${{OPENVRE_YADAGE_PYTHON:-{python}}}"' in recipe
    versions = YadageEngine(YadageSettings(python=str(python))).versions()
    pinned = dict(requirement.split("==") for requirement in OWN_ENVIRONMENT if "==" in requirement)
    assert {name: versions[name] for name in pinned} == pinned
