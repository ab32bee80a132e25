"""The step graph of reana.yaml specs: real ones from the corpus and openvre's CWL / yadage examples."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from openvre.workflows.graph import StepGraph, cwl_graph, executed_graph, run_graph, spec_graph, with_statuses

CORPUS = Path("/work/shared/corpus/reana")
EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "workflows"


def corpus_spec(relative: str) -> dict[str, object]:
    path = CORPUS / relative
    if not path.is_file():
        pytest.skip(f"the shared corpus is not here ({path})")
    loaded: dict[str, object] = yaml.safe_load(path.read_text())
    return loaded


def ids(graph: StepGraph) -> list[str]:
    return [node.id for node in graph.nodes]


def test_serial_steps_form_a_chain_by_name() -> None:
    spec = corpus_spec("cms-opendata-analyses__HiggsTauTauNanoAODOutreachAnalysis/reana.yaml")
    graph = spec_graph(spec)
    assert ids(graph) == ["compiling", "skimming", "histogramming", "plotting"]
    assert graph.edges == (("compiling", "skimming"), ("skimming", "histogramming"), ("histogramming", "plotting"))
    assert {node.status for node in graph.nodes} == {"pending"}


def test_unnamed_serial_steps_are_named_by_index_as_reana_does() -> None:
    graph = spec_graph(corpus_spec("reanahub__reana-demo-helloworld/reana.yaml"))
    assert ids(graph) == ["0"]
    assert graph.edges == ()


def test_every_valid_serial_spec_of_the_corpus_has_a_node_per_step() -> None:
    checked = 0
    for path in sorted(CORPUS.rglob("*.yaml")):
        try:
            spec = yaml.safe_load(path.read_text())
        except yaml.YAMLError:
            continue
        workflow = spec.get("workflow") if isinstance(spec, dict) else None
        if not isinstance(workflow, dict) or workflow.get("type") != "serial":
            continue
        steps = (workflow.get("specification") or {}).get("steps") or []
        graph = spec_graph(spec)
        assert len(graph.nodes) == len(steps), path
        assert len(graph.edges) == max(len(steps) - 1, 0), path
        checked += 1
    if checked == 0:
        pytest.skip("the shared corpus is not here")
    assert checked >= 20


def test_cwl_edges_come_from_step_output_sources() -> None:
    spec = yaml.safe_load((EXAMPLES / "cwl" / "reana.yaml").read_text())
    graph = spec_graph(spec, read=lambda path: (EXAMPLES / "cwl" / path).read_text())
    assert ids(graph) == ["greet", "count"]
    assert graph.edges == (("greet", "count"),)


def test_cwl_spec_from_the_corpus_without_its_file_gives_an_empty_graph() -> None:
    spec = corpus_spec("reanahub__reana-demo-helloworld/reana-cwl.yaml")
    assert spec_graph(spec, read=lambda path: (CORPUS / "missing" / path).read_text()) == StepGraph()
    assert spec_graph(spec) == StepGraph()


def test_packed_cwl_uses_main_and_list_sources() -> None:
    packed = {
        "$graph": [
            {"class": "CommandLineTool", "id": "#tool"},
            {
                "class": "Workflow",
                "id": "#main",
                "steps": [
                    {"id": "#main/a", "in": [{"id": "#main/a/x", "source": "#main/input"}]},
                    {"id": "#main/b", "in": [{"id": "#main/b/y", "source": "#main/a/out"}]},
                    {"id": "#main/c", "in": [{"id": "#main/c/z", "source": ["#main/a/out", "#main/b/out"]}]},
                ],
            },
        ]
    }
    graph = cwl_graph(packed)
    assert ids(graph) == ["a", "b", "c"]
    assert graph.edges == (("a", "b"), ("a", "c"), ("b", "c"))


def test_yadage_stages_with_dependencies() -> None:
    spec = yaml.safe_load((EXAMPLES / "yadage" / "reana.yaml").read_text())
    graph = spec_graph(spec, read=lambda path: (EXAMPLES / "yadage" / path).read_text())
    assert ids(graph) == ["greet", "count"]
    assert graph.edges == (("greet", "count"),)


def test_yadage_long_form_dependencies() -> None:
    document = {
        "stages": [
            {"name": "gen", "dependencies": {"dependency_type": "jsonpath_ready", "expressions": ["init"]}},
            {"name": "fit", "dependencies": {"expressions": ["gen"]}},
            {"name": "plot", "dependencies": ["fit", "gen"]},
        ]
    }
    graph = spec_graph({"workflow": {"type": "yadage", "specification": document}})
    assert graph.edges == (("gen", "fit"), ("fit", "plot"), ("gen", "plot"))


def test_snakemake_graph_is_the_executed_steps_in_start_order() -> None:
    spec = corpus_spec("tiborsimko__reana-demo-wordcount/reana.yaml")
    logs = {
        "j2": {"job_name": "count", "status": "running", "started_at": "2026-11-22T10:00:05"},
        "j1": {"job_name": "split", "status": "finished", "started_at": "2026-11-22T10:00:01"},
    }
    graph = run_graph(spec, logs)
    assert [(n.id, n.status) for n in graph.nodes] == [("split", "finished"), ("count", "running")]
    assert executed_graph({}) == StepGraph()


def test_statuses_are_merged_from_the_latest_job_of_each_step() -> None:
    spec = corpus_spec("cms-opendata-analyses__HiggsTauTauNanoAODOutreachAnalysis/reana.yaml")
    logs = {
        "1": {"job_name": "compiling", "status": "failed", "started_at": "2026-11-22T10:00:00"},
        "2": {"job_name": "compiling", "status": "finished", "started_at": "2026-11-22T10:05:00"},
        "3": {"job_name": "skimming_0", "status": "running", "started_at": "2026-11-22T10:06:00"},
        "4": {"job_name": "unrelated", "status": "failed", "started_at": "2026-11-22T10:07:00"},
    }
    graph = with_statuses(spec_graph(spec), logs)
    assert [n.status for n in graph.nodes] == ["finished", "running", "pending", "pending"]
    assert graph.as_json()["edges"][0] == ["compiling", "skimming"]


def test_a_spec_without_workflow_gives_an_empty_graph() -> None:
    assert spec_graph({}) == StepGraph()
    assert spec_graph({"workflow": {"type": "serial", "specification": "nonsense"}}) == StepGraph()
