"""``publish/...``: files or a finished run as a record with a DOI, record search, and importing a record.

Publishing is :mod:`openvre.publish`'s, over the session's Zenodo client, so the panel deposits to the
embedded repository, zenodo.org or its sandbox alike. Metadata is checked before anything is sent
(every field problem answers 400 at once, as the repository would list them); the metadata form
starts from a codemeta.json beside the selected files or at the root (:func:`codemeta_to_deposit`).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Generator
from pathlib import Path
from typing import Any, TypeVar

from tornado import web

from openvre.clients.zenodo import ZenodoClient
from openvre.connections import Connections
from openvre.errors import InvalidInput
from openvre.jupyter.handlers.base import WorkspaceHandler, string_arg
from openvre.jupyter.jobs import Job, raise_for_failures
from openvre.jupyter.paths import relative_path
from openvre.publish import collect_run, deposit, landing_url, publish_files, run_metadata, run_record_files
from openvre.repository.codemeta import codemeta_to_deposit
from openvre.repository.licenses import DEFAULT_LICENSE
from openvre.repository.metadata import validate_metadata
from openvre.results import Result

CODEMETA = "codemeta.json"
T = TypeVar("T")


def find_codemeta(root: Path, paths: list[Path]) -> Path | None:
    """The codemeta.json beside the selection (a selected folder's own first), else the root's."""
    folders = [path if path.is_dir() else path.parent for path in paths]
    for folder in [*folders, root]:
        candidate = folder / CODEMETA
        if candidate.is_file():
            return candidate
    return None


def prefill(root: Path, paths: list[Path]) -> dict[str, Any]:
    source = find_codemeta(root, paths)
    metadata: dict[str, Any] = {"upload_type": "dataset", "license": DEFAULT_LICENSE, "creators": [], "keywords": []}
    if source is not None:
        try:
            document = json.loads(source.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise InvalidInput(f"{relative_path(root, source)} is not JSON ({error}); fix it or remove it") from None
        if isinstance(document, dict):
            metadata |= codemeta_to_deposit(document)
    metadata.pop("publication_date", None)  # the software's release date, not this record's
    names = [path.name for path in paths]
    metadata.setdefault("title", "")
    metadata.setdefault("description", "Files: " + ", ".join(names) + "." if names else "")
    return {"metadata": metadata, "source": relative_path(root, source) if source else None}


def deposit_metadata(given: dict[str, Any], files: list[Path]) -> dict[str, Any]:
    """The form's metadata with the defaults plain files get, checked as the repository would check it."""
    metadata = {key: value for key, value in given.items() if value not in (None, "", [])}
    metadata.setdefault("upload_type", "dataset")
    metadata.setdefault("license", DEFAULT_LICENSE)
    metadata.setdefault("access_right", "open")
    metadata.setdefault("description", "Files: " + ", ".join(path.name for path in files) + ".")
    validate_metadata(metadata)  # every problem at once, as 400 with fields, before a draft exists
    return metadata


def published(repository: ZenodoClient, results: list[Result]) -> dict[str, Any]:
    """The job's answer from the results of :mod:`openvre.publish`: draft id, DOI, landing page."""
    raise_for_failures(results, "steps")
    recid = int(next(r.target for r in results if r.action == "create").split()[-1])
    last = results[-1]
    doi = last.target if last.action == "publish" else None
    return record_links(repository, recid, doi, last.message if doi else None)


def record_links(repository: ZenodoClient, recid: int, doi: str | None, record_url: str | None) -> dict[str, Any]:
    return {
        "id": recid,
        "doi": doi,
        "doi_url": f"https://doi.org/{doi}" if doi else None,
        "record_url": record_url,
        "deposit_url": f"{repository.base_url}/deposit/{recid}",
    }


def deposit_files(
    services: Connections, files: list[Path], metadata: dict[str, Any], publish: bool, job: Job
) -> dict[str, Any]:
    """Publish the files (draft, uploads, publication), or leave them in a draft to publish later."""
    repository = services.repository
    if publish:
        return published(repository, list(publish_files(files, metadata, connections=services, progress=job)))
    draft = repository.create_deposition(metadata)
    for path in files:
        repository.upload_file(draft, path, progress=job.task(f"uploading {path.name}", path.stat().st_size))
    return record_links(repository, int(draft["id"]), None, None)


def _drain(steps: Generator[Result, None, T], results: list[Result]) -> T:
    """Run a step generator of :mod:`openvre.publish` to its end, keeping its results; its return value."""
    while True:
        try:
            results.append(next(steps))
        except StopIteration as done:
            value: T = done.value
            return value


def publish_workflow_run(services: Connections, run: str, overrides: dict[str, Any] | None, job: Job) -> dict[str, Any]:
    """A finished run as a record: its crate, README and codemeta.json; ``overrides`` over the run's metadata.

    The steps are :func:`openvre.publish.publish_run`'s, taken apart only to put the user's edits of the
    metadata over the run's before the draft is made.
    """
    with tempfile.TemporaryDirectory(prefix="openvre-publish-") as staging:
        results: list[Result] = []
        package = _drain(collect_run(services, run, Path(staging), job), results)
        metadata = {**run_metadata(package), **{k: v for k, v in (overrides or {}).items() if v not in (None, "", [])}}
        validate_metadata(metadata)

        def files_for(deposition: dict[str, Any]) -> list[tuple[str, Path]]:
            return run_record_files(package, metadata, deposition, Path(staging))

        results += deposit(services.repository, metadata, files_for, job)
    return published(services.repository, results)


def record_item(record: dict[str, Any]) -> dict[str, Any]:
    metadata = record.get("metadata") or {}
    doi = record.get("doi") or metadata.get("doi")
    return {
        "id": record["id"],
        "title": metadata.get("title") or record.get("title"),
        "doi": doi,
        "doi_url": record.get("doi_url") or (f"https://doi.org/{doi}" if doi else None),
        "record_url": landing_url(record),
        "creators": metadata.get("creators") or [],
        "publication_date": metadata.get("publication_date"),
        "files": [{"key": f.get("key"), "size": f.get("size")} for f in record.get("files") or []],
    }


def communities(repository: ZenodoClient, query: str = "") -> list[dict[str, Any]]:
    """The communities to filter records by, as the panel lists them: slug and title."""
    hits = (repository.search_communities(query).get("hits") or {}).get("hits") or []
    return [
        {"id": c.get("slug") or c["id"], "title": (c.get("metadata") or {}).get("title") or c.get("title")}
        for c in hits
    ]


def import_record(repository: ZenodoClient, recid: str, dest: Path, root: Path, job: Job) -> dict[str, Any]:
    record = repository.get_record(recid)
    files = record.get("files") or []
    job.set_total(sum(int(f.get("size") or 0) for f in files), "bytes")
    paths = []
    for file in files:
        job.say(f"downloading {file['key']}")
        paths.append(relative_path(root, repository.download_file(file, dest, progress=job.advance)))
    return {"paths": paths}


class PublishHandler(WorkspaceHandler):
    def paths(self, body: dict[str, Any], *, files_only: bool) -> list[Path]:
        given = body.get("paths")
        if not isinstance(given, list) or not given:
            raise InvalidInput("paths must list files (relative to the Jupyter root)", field="paths")
        paths = [self.path_in_root(p, "paths") for p in given]
        missing = [p.name for p in paths if not (p.is_file() if files_only else p.exists())]
        if missing:
            raise InvalidInput(f"not files in the Jupyter root: {', '.join(missing)}", field="paths")
        return paths

    async def repository(self) -> ZenodoClient:
        return await self.blocking(self.workspace.repository)


class PrefillHandler(PublishHandler):
    @web.authenticated
    async def post(self) -> None:
        paths = self.paths(self.body(), files_only=False)
        self.reply(await self.blocking(prefill, self.root, paths))


class DepositHandler(PublishHandler):
    @web.authenticated
    async def post(self) -> None:
        body = self.body()
        files = self.paths(body, files_only=True)
        given = body.get("metadata")
        if not isinstance(given, dict):
            raise InvalidInput("metadata is an object: title, creators, description...", field="metadata")
        metadata = deposit_metadata(given, files)
        await self.require("repository")  # not logged in: 401 now rather than a failed job
        workspace, publish = self.workspace, bool(body.get("publish"))

        def work(job: Job) -> dict[str, Any]:
            with workspace.connections("repository") as services:
                return deposit_files(services, files, metadata, publish, job)

        self.start_job("deposit", "bytes", work)


class DepositPublishHandler(PublishHandler):
    @web.authenticated
    async def post(self, recid: str) -> None:
        repository = await self.repository()
        done = await self.blocking(repository.publish_deposition, int(recid))
        doi = str(done.get("doi") or "") or None
        answer = record_links(repository, int(recid), doi, landing_url(done))
        answer.pop("deposit_url")
        self.reply(answer)


class PublishRunHandler(PublishHandler):
    @web.authenticated
    async def post(self) -> None:
        body = self.body()
        run = string_arg(body.get("workflow"), "workflow")
        overrides = body.get("metadata")
        if overrides is not None and not isinstance(overrides, dict):
            raise InvalidInput("metadata is an object, or null for the run's own", field="metadata")
        workspace = self.workspace
        await self.require("workflows", "repository")

        def work(job: Job) -> dict[str, Any]:
            with workspace.connections("workflows", "repository") as services:
                return publish_workflow_run(services, run, overrides, job)

        self.start_job("publish-run", "bytes", work)


class RecordsHandler(PublishHandler):
    @web.authenticated
    async def get(self) -> None:
        page, size = self.int_arg("page", 1, 10_000), self.int_arg("size", 10, 100)
        query, community = self.get_argument("q", ""), self.get_argument("communities", "")
        repository = await self.repository()

        def search() -> dict[str, Any]:
            if community:
                return repository.search_records(query, size=size, page=page, communities=community)
            return repository.search_records(query, size=size, page=page)

        found = await self.blocking(search)
        hits = found.get("hits") or {}
        self.reply({"items": [record_item(r) for r in hits.get("hits") or []], "total": hits.get("total", 0)})


class CommunitiesHandler(PublishHandler):
    @web.authenticated
    async def get(self) -> None:
        repository = await self.repository()
        self.reply({"items": await self.blocking(communities, repository, self.get_argument("q", ""))})


class ImportHandler(PublishHandler):
    @web.authenticated
    async def post(self, recid: str) -> None:
        body = self.body()
        dest = self.path_in_root(body["path"]) if body.get("path") else self.path_in_root(f"records/{recid}")
        await self.require("repository")
        root, workspace = self.root, self.workspace

        def work(job: Job) -> dict[str, Any]:
            with workspace.connections("repository") as services:
                return import_record(services.repository, recid, dest, root, job)

        self.start_job("import", "bytes", work)


ROUTES: list[tuple[str, type[WorkspaceHandler]]] = [
    (r"publish/prefill", PrefillHandler),
    (r"publish/deposit", DepositHandler),
    (r"publish/deposit/(\d+)/publish", DepositPublishHandler),
    (r"publish/run", PublishRunHandler),
    (r"publish/records", RecordsHandler),
    (r"publish/communities", CommunitiesHandler),
    (r"publish/records/(\d+)/import", ImportHandler),
]
