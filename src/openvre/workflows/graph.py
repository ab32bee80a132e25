"""The step graph of a reana.yaml workflow, and how far each step got, for drawing a run.

A run's panel shows its steps as a graph before, while and after they run. Where the steps come from
depends on the workflow type, so each type has its reader::

    >>> graph = spec_graph({"workflow": {"type": "serial", "specification": {"steps": [
    ...     {"name": "fit", "commands": ["python fit.py"]}, {"name": "plot", "commands": ["python plot.py"]}]}}})
    >>> [node.id for node in graph.nodes], graph.edges
    (['fit', 'plot'], (('fit', 'plot'),))
    >>> with_statuses(graph, {"1": {"job_name": "fit", "status": "finished"}}).nodes[0].status
    'finished'

* serial: the steps in order, each feeding the next (``name``, else its index, as REANA names them);
* CWL: the workflow's steps, an edge wherever a step's ``in:`` takes ``step/output`` of another one
  (plain and packed ``$graph`` documents alike);
* yadage: the stages, an edge from each of a stage's ``dependencies`` (``init`` is the workflow's
  input, not a stage);
* snakemake: rules only become jobs when snakemake plans the run, so the graph is the steps the run
  executed, in the order they started (:func:`executed_graph`).

The workflow file of CWL and yadage lives beside reana.yaml; ``read`` gives its text by workspace path.
A spec whose steps cannot be read gives an empty graph rather than an error: the run still runs.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

PENDING = "pending"


@dataclass(frozen=True)
class Node:
    """One step: ``id`` as the engine names it in the logs, ``label`` as people read it."""

    id: str
    label: str
    status: str = PENDING


@dataclass(frozen=True)
class StepGraph:
    nodes: tuple[Node, ...] = ()
    edges: tuple[tuple[str, str], ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "nodes": [{"id": n.id, "label": n.label, "status": n.status} for n in self.nodes],
            "edges": [list(edge) for edge in self.edges],
        }


Reader = Callable[[str], str]


def spec_graph(specification: Mapping[str, Any], read: Reader | None = None) -> StepGraph:
    """The graph a reana.yaml (as loaded JSON) describes; ``read(path)`` gives the workflow file's text."""
    workflow = specification.get("workflow") or {}
    kind = workflow.get("type")
    document = workflow.get("specification")
    if not isinstance(document, Mapping) and workflow.get("file") and read is not None and kind != "serial":
        document = _load(read, str(workflow["file"]))
    if not isinstance(document, Mapping):
        return StepGraph()
    if kind == "serial":
        return serial_graph(document)
    if kind == "cwl":
        return cwl_graph(document)
    if kind == "yadage":
        return yadage_graph(document)
    return StepGraph()


def _load(read: Reader, path: str) -> Any:
    try:
        return yaml.safe_load(read(path))
    except (OSError, yaml.YAMLError, LookupError, ValueError):
        return None  # an unreadable workflow file: no graph; the engine reports what is wrong


def serial_graph(specification: Mapping[str, Any]) -> StepGraph:
    """The serial steps as a chain."""
    steps = [step for step in specification.get("steps") or [] if isinstance(step, Mapping)]
    ids = [str(step.get("name") or index) for index, step in enumerate(steps)]
    return StepGraph(tuple(Node(i, i) for i in ids), tuple(itertools.pairwise(ids)))


def cwl_graph(document: Mapping[str, Any]) -> StepGraph:
    """A CWL Workflow's steps; ``step/output`` sources of a step's inputs become edges."""
    workflow = _cwl_main(document)
    steps = _cwl_steps(workflow.get("steps"))
    ids = [step_id for step_id, _ in steps]
    edges: list[tuple[str, str]] = []
    for step_id, step in steps:
        for source in _cwl_sources(step.get("in")):
            parts = source.lstrip("#").split("/")
            upstream = parts[-2] if len(parts) >= 2 else None
            if upstream in ids and upstream != step_id and (upstream, step_id) not in edges:
                edges.append((upstream, step_id))
    return StepGraph(tuple(Node(i, i) for i in ids), tuple(edges))


def _cwl_main(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The top Workflow: the document itself, or ``#main`` (else the first Workflow) of a packed ``$graph``."""
    graph = document.get("$graph")
    if not isinstance(graph, list):
        return document
    workflows = [item for item in graph if isinstance(item, Mapping) and item.get("class") == "Workflow"]
    main = [item for item in workflows if str(item.get("id", "")).lstrip("#") == "main"]
    return (main or workflows or [{}])[0]


def _cwl_steps(steps: Any) -> list[tuple[str, Mapping[str, Any]]]:
    """Steps as (short id, step): CWL writes them as a map by id or as a list with ``id``."""
    if isinstance(steps, Mapping):
        return [(str(key), value) for key, value in steps.items() if isinstance(value, Mapping)]
    found = []
    for step in steps or []:
        if isinstance(step, Mapping) and step.get("id"):
            found.append((str(step["id"]).lstrip("#").split("/")[-1], step))
    return found


def _cwl_sources(inputs: Any) -> Iterable[str]:
    """Every ``source`` of a step's inputs (``in``: a map or a list; a source: a string or a list)."""
    entries = inputs.values() if isinstance(inputs, Mapping) else inputs or []
    for entry in entries:
        source = entry.get("source") if isinstance(entry, Mapping) else entry
        for item in source if isinstance(source, list) else [source]:
            if isinstance(item, str):
                yield item


def yadage_graph(document: Mapping[str, Any]) -> StepGraph:
    """A yadage workflow's stages, each depending on the stages its ``dependencies`` name."""
    stages = [stage for stage in document.get("stages") or [] if isinstance(stage, Mapping) and stage.get("name")]
    ids = [str(stage["name"]) for stage in stages]
    edges = []
    for stage in stages:
        for dependency in _yadage_dependencies(stage.get("dependencies")):
            name = dependency.removeprefix("$.").split(".")[0].split("[")[0]
            if name in ids and name != stage["name"]:
                edges.append((name, str(stage["name"])))
    return StepGraph(tuple(Node(i, i) for i in ids), tuple(dict.fromkeys(edges)))


def _yadage_dependencies(value: Any) -> list[str]:
    """``[a, b]``, or ``{dependency_type: ..., expressions: [a, b]}`` as yadage's longer form writes it."""
    if isinstance(value, Mapping):
        value = value.get("expressions")
    return [str(item) for item in value or [] if isinstance(item, str)]


def executed_graph(job_logs: Mapping[str, Mapping[str, Any]]) -> StepGraph:
    """The steps a run executed, in the order they started, with their statuses (snakemake's graph)."""
    jobs = sorted(job_logs.values(), key=lambda job: str(job.get("started_at") or "~"))
    nodes: dict[str, Node] = {}
    for job in jobs:
        name = str(job.get("job_name") or "")
        if name:
            nodes[name] = Node(name, name, str(job.get("status") or PENDING))
    return StepGraph(tuple(nodes.values()))


def with_statuses(graph: StepGraph, job_logs: Mapping[str, Mapping[str, Any]]) -> StepGraph:
    """``graph`` with each node's status from the run's logs (REANA's ``job_logs``).

    A step that ran several times (a scatter, a restart) shows its latest job; jobs named after a
    step with a suffix (``fit_0``, ``fit[1]``) count for that step. A step with no job is pending.
    """
    latest: dict[str, Mapping[str, Any]] = {}
    for job in sorted(job_logs.values(), key=lambda job: str(job.get("started_at") or "")):
        node = _node_for(graph, str(job.get("job_name") or ""))
        if node is not None:
            latest[node] = job
    nodes = tuple(
        dataclasses.replace(node, status=str(latest[node.id].get("status") or PENDING)) if node.id in latest else node
        for node in graph.nodes
    )
    return StepGraph(nodes, graph.edges)


def _node_for(graph: StepGraph, job_name: str) -> str | None:
    ids = [node.id for node in graph.nodes]
    if job_name in ids:
        return job_name
    prefixed = [i for i in ids if job_name.startswith(i) and job_name[len(i) : len(i) + 1] in ("_", "[", ".", "-")]
    return max(prefixed, key=len) if prefixed else None


def run_graph(
    specification: Mapping[str, Any], job_logs: Mapping[str, Mapping[str, Any]], read: Reader | None = None
) -> StepGraph:
    """What a run's panel draws: the spec's graph with statuses, or the executed steps when it has none."""
    graph = spec_graph(specification, read)
    if not graph.nodes:
        return executed_graph(job_logs)
    return with_statuses(graph, job_logs)


__all__ = [
    "Node",
    "StepGraph",
    "cwl_graph",
    "executed_graph",
    "run_graph",
    "serial_graph",
    "spec_graph",
    "with_statuses",
    "yadage_graph",
]
