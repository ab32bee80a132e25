from __future__ import annotations

import sys

import pytest

import openvre.workflows.engines
from openvre.errors import InvalidSettings
from openvre.workflows.engines import get_engine
from openvre.workflows.engines.serial import SerialSettings
from openvre.workflows.errors import EngineNotAvailable, WorkflowError


def test_exports() -> None:
    assert sorted(openvre.workflows.engines.__all__) == [
        "Engine",
        "EngineJob",
        "EngineOutcome",
        "EngineSettings",
        "StepEvent",
        "WORKFLOW_TYPES",
        "get_engine",
    ]
    for name in openvre.workflows.engines.__all__:
        assert hasattr(openvre.workflows.engines, name)


@pytest.mark.parametrize(
    ("workflow_type", "module", "extra"),
    [("cwl", "cwltool", "cwl"), ("snakemake", "snakemake", "snakemake"), ("yadage", "yadage", "yadage")],
)
def test_a_missing_engine_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, workflow_type: str, module: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as if the package were not installed

    with pytest.raises(EngineNotAvailable, match=rf"pip install 'openvre\[{extra}\]'") as caught:
        get_engine(workflow_type)
    assert isinstance(caught.value, WorkflowError)


def test_unknown_type_and_wrong_settings_are_refused() -> None:
    with pytest.raises(EngineNotAvailable, match="serial, cwl, snakemake, yadage"):
        get_engine("nextflow")
    with pytest.raises(InvalidSettings, match="snakemake engine takes SnakemakeSettings, not SerialSettings"):
        get_engine("snakemake", SerialSettings())


def test_settings_fields_carry_help() -> None:
    from dataclasses import fields

    from openvre.workflows.engines.cwl import CWLSettings
    from openvre.workflows.engines.snakemake import SnakemakeSettings
    from openvre.workflows.engines.yadage import YadageSettings

    for settings_class in (SerialSettings, CWLSettings, SnakemakeSettings, YadageSettings):
        for field in fields(settings_class):
            assert field.metadata.get("help"), f"{settings_class.__name__}.{field.name} has no help"


@pytest.mark.parametrize("workflow_type", ["serial", "cwl", "snakemake", "yadage"])
def test_versions_name_the_tools(workflow_type: str) -> None:
    versions = get_engine(workflow_type).versions()
    assert versions and all(isinstance(v, str) and v for v in versions.values())
    if workflow_type != "serial":
        assert {"cwl": "cwltool"}.get(workflow_type, workflow_type) in versions
