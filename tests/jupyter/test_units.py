"""The workspace's small parts without servers: the extension's entry points, paths, jobs, error mapping."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

import openvre.jupyter
from openvre import errors
from openvre.jupyter.handlers.base import error_json, error_status
from openvre.jupyter.jobs import Job, JobNotFound, Jobs, raise_for_failures
from openvre.jupyter.paths import PathOutsideRoot, relative_path, resolve_path
from openvre.jupyter.workspace import NotLoggedIn, ServiceUnreachable
from openvre.repository.errors import InvalidMetadata, Problem
from openvre.results import Result
from openvre.workflows._problems import Problem as SpecProblem
from openvre.workflows.errors import InvalidWorkflowSpec


def test_public_surface_and_entry_points() -> None:
    assert openvre.jupyter.__all__ == [
        "_jupyter_labextension_paths",
        "_jupyter_server_extension_points",
        "_load_jupyter_server_extension",
    ]
    assert openvre.jupyter._jupyter_server_extension_points() == [{"module": "openvre.jupyter"}]
    assert openvre.jupyter._jupyter_labextension_paths() == [{"src": "labextension", "dest": "openvre"}]


def test_paths_stay_inside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "analysis").mkdir(parents=True)
    assert resolve_path(root, "analysis/reana.yaml") == root.resolve() / "analysis" / "reana.yaml"
    assert resolve_path(root, "") == root.resolve()
    assert relative_path(root, root / "analysis" / "x.csv") == "analysis/x.csv"
    for given, reason in (("../x", "'..'"), ("/etc/passwd", "absolute"), ("a/../../x", "'..'"), ("~/x", "absolute")):
        with pytest.raises(PathOutsideRoot, match=reason):
            resolve_path(root, given)
    (root / "out").symlink_to(tmp_path)
    with pytest.raises(PathOutsideRoot, match="symbolic link"):
        resolve_path(root, "out/secret")
    (root / "inside").symlink_to(root / "analysis")
    assert resolve_path(root, "inside/x") == root.resolve() / "inside" / "x"


def test_a_job_reports_progress_result_and_errors() -> None:
    jobs = Jobs(error_json)
    release = threading.Event()

    def work(job: Job) -> dict[str, object]:
        advance = job.task("copying", 10)
        advance(4)
        release.wait(5)
        return {"paths": ["a"]}

    running = jobs.start("download", "bytes", work)
    deadline = time.monotonic() + 5
    while running.as_json()["done"] < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    state = jobs.get(running.id).as_json()
    assert (state["state"], state["done"], state["total"], state["message"]) == ("running", 4, 10, "copying")
    release.set()

    def fail(job: Job) -> dict[str, object]:
        raise_for_failures([Result("upload", "x", "error", "no")], "files")
        return {}

    failing = jobs.start("upload", "files", fail)
    for job in (running, failing):
        while job.state == "running":
            time.sleep(0.01)
    assert running.as_json()["result"] == {"paths": ["a"]} and running.as_json()["done"] == 10
    assert failing.as_json()["error"] == {"error": "ItemsFailed", "message": "1 of 1 files failed: x: no"}
    with pytest.raises(JobNotFound):
        jobs.get("nope")


def test_only_the_latest_ended_jobs_are_kept() -> None:
    jobs = Jobs(error_json, max_kept=2)
    started = [jobs.start("x", "files", lambda job: {}) for _ in range(4)]
    for job in started:
        while job.state == "running":
            time.sleep(0.01)
    jobs.start("x", "files", lambda job: {})
    with pytest.raises(JobNotFound):
        jobs.get(started[0].id)


def test_one_error_mapping() -> None:
    spec = InvalidWorkflowSpec("bad", problems=[SpecProblem("workflow.type", 3, "unknown type", "use serial")])
    assert error_status(spec) == 422
    assert error_json(spec)["problems"] == [{"line": 3, "message": "unknown type", "fix": "use serial"}]
    metadata = InvalidMetadata([Problem("metadata.title", "required"), Problem("metadata.creators", "required")])
    assert error_status(metadata) == 400
    assert [f["field"] for f in error_json(metadata)["fields"]] == ["metadata.title", "metadata.creators"]
    assert error_status(NotLoggedIn("log in")) == 401 and error_json(NotLoggedIn("log in"))["error"] == "NotLoggedIn"
    assert error_status(ServiceUnreachable("down")) == 502
    assert error_status(errors.PermissionDenied("no")) == 403 and error_status(errors.Conflict("no")) == 409
    unexpected = error_json(RuntimeError("secret detail"))
    assert unexpected["error"] == "InternalError" and "secret detail" not in unexpected["message"]
