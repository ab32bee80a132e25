"""Runs, steps and diffs in the shapes reana-client 0.9.6 reads (and bravado validates)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from openvre.workflows.reana_api._wire import reana_date
from openvre.workflows.runs import Run
from openvre.workflows.steps import Step

_UNITS = ("Bytes", "KiB", "MiB", "GiB", "TiB")


def human_size(size: int) -> str:
    value, unit = float(size), 0
    while value >= 1024 and unit < len(_UNITS) - 1:
        value, unit = value / 1024, unit + 1
    return f"{int(value)} {_UNITS[unit]}" if unit == 0 else f"{value:.1f} {_UNITS[unit]}"


def size_json(size: int) -> dict[str, Any]:
    return {"raw": size, "human_readable": human_size(size)}


def progress_json(run: Run, steps: list[Step] | None) -> dict[str, Any]:
    """REANA's progress: run times always; step counts and job ids when ``steps`` are given."""
    progress: dict[str, Any] = {
        "run_started_at": reana_date(run.started_at),
        "run_finished_at": reana_date(run.finished_at),
        "run_stopped_at": reana_date(run.stopped_at),
    }
    if steps is None:
        return progress
    by_status: dict[str, list[str]] = defaultdict(list)
    for step in steps:
        by_status["finished" if step.status == "cached" else step.status].append(step.id)
    counts = run.progress
    progress.update(
        total={"total": counts.total, "job_ids": [step.id for step in steps]},
        finished={"total": counts.finished, "job_ids": by_status["finished"]},
        failed={"total": counts.failed, "job_ids": by_status["failed"]},
        running={"total": counts.running, "job_ids": by_status["running"]},
        current_step_name=counts.current_step,
        current_command=counts.current_command,
    )
    return progress


def status_json(run: Run, steps: list[Step]) -> dict[str, Any]:
    return {
        "id": run.id,
        "name": run.full_name,
        "created": reana_date(run.created_at),
        "status": run.status.value,
        "user": run.owner,
        "logs": run.message,
        "progress": progress_json(run, steps),
    }


def list_item_json(run: Run, steps: list[Step] | None, size: int | None) -> dict[str, Any]:
    return {
        "id": run.id,
        "name": run.full_name,
        "status": run.status.value,
        "user": run.owner,
        "created": reana_date(run.created_at),
        "launcher_url": None,
        "progress": progress_json(run, steps),
        "size": size_json(size) if size is not None else {"raw": -1, "human_readable": ""},
    }


def run_answer(run: Run, text: str, *, status: str | None = None) -> dict[str, Any]:
    """The answer to start/stop/delete: REANA names the workflow without its run number here."""
    return {
        "message": text,
        "workflow_id": run.id,
        "workflow_name": run.name,
        "run_number": run.run_number,
        "status": status or run.status.value,
        "user": run.owner,
    }


def logs_json(run: Run, workflow_log: str, steps: list[Step]) -> dict[str, Any]:
    """``logs`` is a JSON *string*: reana-client does ``json.loads(response["logs"])``."""
    job_logs = {
        step.id: {
            "workflow_uuid": run.id,
            "job_name": step.name,
            "compute_backend": step.compute_backend or "local",
            "backend_job_id": step.id,
            "docker_img": step.image,
            "cmd": step.command,
            "status": step.status,
            "logs": step.read_log(),
            "started_at": reana_date(step.started_at),
            "finished_at": reana_date(step.finished_at),
        }
        for step in steps
    }
    logs = {"workflow_logs": workflow_log, "job_logs": job_logs, "engine_specific": None}
    return {"workflow_id": run.id, "workflow_name": run.full_name, "user": run.owner, "logs": json.dumps(logs)}
