"""Submitting a reana.yaml from a directory, as ``reana-client run`` does, through any REANA endpoint.

This is the client side: it reads and checks the specification locally, then speaks REANA's protocol
through :class:`openvre.clients.reana.ReanaClient`, so it works the same against openvre's embedded
workflows service and a real REANA server. Each step yields a :class:`~openvre.results.Result`.

    with ReanaClient(url, token=token) as client:
        for result in submit_run(client, Path("reana.yaml"), name="hello", parameters={"greeting": "Hi"}):
            print(result.status, result.action, result.target)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from openvre.clients.reana import ReanaClient
from openvre.results import Result
from openvre.workflows.errors import InvalidWorkflowSpec
from openvre.workflows.validation import validate_spec

ENDED = frozenset({"finished", "failed", "stopped", "deleted"})


def load_submission(path: Path) -> dict[str, Any]:
    """The reana.yaml as the JSON document REANA receives, after the checks REANA would refuse it for.

    A serial workflow given as ``workflow.file`` gets that file's steps inlined as ``specification``,
    as reana-client does; other engines read their workflow file from the workspace.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        raise InvalidWorkflowSpec(f"cannot read {path}: {reason}; give the path of your reana.yaml") from None
    report = validate_spec(text, source=str(path), base_dir=path.parent)
    if report.errors:
        problems = "\n".join(f"  {problem}" for problem in report.errors)
        raise InvalidWorkflowSpec(
            f"{path} is not a valid REANA specification (`vre validate -f {path}` explains):\n{problems}",
            problems=report.errors,
        )
    document: dict[str, Any] = yaml.safe_load(text)
    workflow = document["workflow"]
    if workflow.get("type") == "serial" and workflow.get("file") and not workflow.get("specification"):
        workflow["specification"] = yaml.safe_load((path.parent / workflow["file"]).read_text(encoding="utf-8"))
    return document


def files_to_upload(document: dict[str, Any], base_dir: Path) -> list[str]:
    """The workspace names of what the run needs: inputs.files, inputs.directories, the workflow file."""
    inputs = document.get("inputs") or {}
    names: list[str] = [str(name) for name in inputs.get("files") or []]
    for directory in inputs.get("directories") or []:
        root = base_dir / str(directory)
        names += sorted(path.relative_to(base_dir).as_posix() for path in root.rglob("*") if path.is_file())
    workflow_file = (document.get("workflow") or {}).get("file")
    if workflow_file and str(workflow_file) not in names:
        names.append(str(workflow_file))
    return list(dict.fromkeys(names))


def submit_run(
    client: ReanaClient,
    path: Path,
    *,
    name: str,
    parameters: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
) -> Iterator[Result]:
    """Create ``name.N``, upload the specification and its inputs, start it; the last result names the run."""
    document = load_submission(path)
    created = client.create_workflow(document, name)
    workflow = str(created["workflow_name"])
    yield Result("create", workflow, "ok", f"from {path}")
    yield from upload_files(client, workflow, path.parent, [path.name, *files_to_upload(document, path.parent)])
    client.start_workflow(workflow, parameters=parameters, options=options)
    yield Result("start", workflow, "ok", "queued")


def upload_files(client: ReanaClient, workflow: str, base_dir: Path, names: list[str]) -> Iterator[Result]:
    """Upload each named file from ``base_dir``; a missing one is ``impossible``, the rest go on."""
    for name in names:
        source = base_dir / name
        if not source.is_file():
            yield Result("upload", name, "impossible", f"{source} does not exist; fix inputs in reana.yaml")
            continue
        with source.open("rb") as content:
            client.upload_file(workflow, name, content)
        yield Result("upload", name, "ok", f"{source.stat().st_size} bytes")


def follow(client: ReanaClient, workflow: str, *, interval: float = 1.0) -> Iterator[dict[str, Any]]:
    """The run's status now and every ``interval`` seconds until it has ended (the last one yielded)."""
    while True:
        status = client.get_workflow_status(workflow)
        yield status
        if status["status"] in ENDED:
            return
        time.sleep(interval)
