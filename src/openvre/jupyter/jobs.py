"""Long work of the workspace (downloads, uploads, submissions, publishing) in background threads.

A route that starts long work answers ``202 {"job": id}`` at once; the panel then polls
``GET jobs/<id>`` for the state, progress (``done`` of ``total`` ``unit``), a message, and at the end
the result or the error. Work runs in a thread because openvre's protocol clients block; the Jupyter
server's IO loop stays free. Only the latest ``MAX_KEPT`` jobs are remembered (running ones always).

    jobs = Jobs(describe_error)
    job = jobs.start("download", "bytes", lambda job: {"paths": fetch(progress=job.advance)})
    jobs.get(job.id).as_json()  # {"id": ..., "state": "running", "done": 1024, "total": 4096, ...}
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Literal

from openvre.errors import Conflict, NotFound
from openvre.results import Result

log = logging.getLogger(__name__)

MAX_KEPT = 200
State = Literal["running", "done", "failed"]
Unit = Literal["bytes", "files", "steps"]


class JobNotFound(NotFound):
    """No job with that id: it never existed, or it ended long ago and was forgotten."""


class ItemsFailed(Conflict):
    """Some items of a job (files to download, upload, publish) failed; the message lists each one."""


def raise_for_failures(results: list[Result], what: str) -> None:
    """Fail the job when any per-item result failed, naming every failure and its reason."""
    failed = [result for result in results if result.failed]
    if failed:
        listing = "; ".join(f"{result.target}: {result.message}" for result in failed)
        raise ItemsFailed(f"{len(failed)} of {len(results)} {what} failed: {listing}")


class Job:
    """One piece of long work; the worker thread updates it, request handlers read it."""

    def __init__(self, kind: str, unit: Unit) -> None:
        self.id = uuid.uuid4().hex[:16]
        self.kind = kind
        self.unit: Unit = unit
        self.state: State = "running"
        self.done = 0
        self.total = 0
        self.message = ""
        self.result: dict[str, Any] | None = None
        self.error: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def advance(self, amount: float) -> None:
        with self._lock:
            self.done += int(amount)

    def set_total(self, total: float, unit: Unit | None = None) -> None:
        with self._lock:
            self.total = int(total)
            if unit is not None:
                self.unit = unit

    def task(self, description: str, total: float | None, unit: str = "bytes") -> Callable[[float], None]:
        """A step of ``total`` more units (:class:`openvre.connections.Progress`, as publishing reports)."""
        with self._lock:
            self.total += int(total or 0)
            self.message = description
        return self.advance

    def say(self, message: str) -> None:
        with self._lock:
            self.message = message

    def as_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "id": self.id,
                "kind": self.kind,
                "state": self.state,
                "done": self.done,
                "total": self.total,
                "unit": self.unit,
                "message": self.message,
                "result": self.result,
                "error": self.error,
            }

    def _end(self, result: dict[str, Any] | None, error: dict[str, Any] | None) -> None:
        with self._lock:
            self.result, self.error = result, error
            self.state = "failed" if error is not None else "done"
            if error is None and self.total and self.done < self.total:
                self.done = self.total


Work = Callable[[Job], dict[str, Any]]


class Jobs:
    """The jobs of one Jupyter server; ``describe_error`` turns an exception into the error JSON."""

    def __init__(self, describe_error: Callable[[BaseException], dict[str, Any]], max_kept: int = MAX_KEPT) -> None:
        self._describe_error = describe_error
        self._max_kept = max_kept
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, kind: str, unit: Unit, work: Work) -> Job:
        """Run ``work(job)`` in a thread; what it returns is the job's result, what it raises its error."""
        job = Job(kind, unit)
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
        threading.Thread(target=self._run, args=(job, work), name=f"openvre-{kind}-{job.id}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise JobNotFound(
                f"no job {job_id!r}: jobs are kept until the server restarts, the latest {self._max_kept}"
            )
        return job

    def _run(self, job: Job, work: Work) -> None:
        try:
            result = work(job)
        except Exception as error:  # any failure becomes the job's error, shown in the panel
            log.info("openvre job %s (%s) failed: %s", job.id, job.kind, error, exc_info=True)
            job._end(None, self._describe_error(error))
        else:
            job._end(result, None)

    def _forget_old(self) -> None:
        ended = [job_id for job_id, job in self._jobs.items() if job.state != "running"]
        for job_id in ended[: max(0, len(self._jobs) - self._max_kept)]:
            del self._jobs[job_id]


__all__ = ["ItemsFailed", "Job", "JobNotFound", "Jobs", "raise_for_failures"]
