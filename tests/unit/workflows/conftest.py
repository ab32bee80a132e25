"""Fixtures for the runs core and the scheduler: a workflows config in a temporary HOME and a test spec."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from openvre.workflows.config import WorkflowsConfig

HELLO = Path(__file__).resolve().parents[2] / "data" / "workflows" / "serial-hello"


@pytest.fixture
def config(tmp_path: Path) -> WorkflowsConfig:
    return WorkflowsConfig(workspaces=tmp_path / "workspaces", logs=tmp_path / "logs" / "runs")


@pytest.fixture
def hello_spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((HELLO / "reana.yaml").read_text())
    return copy.deepcopy(spec)


def upload_inputs(workspace: Path) -> None:
    """What `reana-client upload` does for the hello workflow: its input file into the workspace."""
    shutil.copytree(HELLO / "data", workspace / "data", dirs_exist_ok=True)
