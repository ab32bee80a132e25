"""``data/...``: search the lake, see where data is, make it available here, download and upload.

Every call goes through the session's Rucio client (:meth:`Workspace.lake`) and the helpers of
:mod:`openvre.data`, so the same panel works on the embedded lake and a real Rucio. "Here" is the
session's RSE (``LOCAL`` on the embedded lake, ``OPENVRE_DATALAKE__LOCAL_RSE`` otherwise).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from itertools import islice
from pathlib import Path
from typing import Any

from tornado import web

from openvre.data._connection import DataLake
from openvre.data._ops import download, files_of, local_state, make_available, split_did, upload
from openvre.data._search import search
from openvre.errors import InvalidInput
from openvre.jupyter.handlers.base import WorkspaceHandler, string_arg
from openvre.jupyter.jobs import Job, raise_for_failures
from openvre.jupyter.paths import relative_path

MAX_SEARCH = 500
MAX_AVAILABILITY = 200
MAX_LISTED = 200
PARALLEL_LOOKUPS = 8
SEARCH_TYPES = ("all", "dataset", "container", "file", "collection")


def did_availability(lake: DataLake, did: str, rse: str) -> dict[str, Any]:
    """Whether ``did`` is readable on ``rse``: available, replicating, stuck or not_available, and why."""
    found = local_state(lake, did, rse)
    return {key: value for key, value in asdict(found).items() if key != "paths"}


def search_dids(lake: DataLake, query: str, did_type: str, filters: str, limit: int) -> list[dict[str, Any]]:
    """The panel's rows for :func:`openvre.data.search`, with the type in lower case as the panel shows it."""
    return [
        {
            "did": f"{did['scope']}:{did['name']}",
            "scope": did["scope"],
            "name": did["name"],
            "type": str(did.get("did_type") or did.get("type") or "").lower(),
            "bytes": did.get("bytes"),
            "length": did.get("length"),
        }
        for did in search(lake, query, did_type, filters, limit)
    ]


def did_details(lake: DataLake, did: str) -> dict[str, Any]:
    scope, name = split_did(did)
    info = lake.client.get_did(scope, name)
    content = [] if info["type"] == "FILE" else list(islice(lake.client.list_content(scope, name), MAX_LISTED))
    replicas = islice(lake.client.list_replicas([{"scope": scope, "name": name}], all_states=True), MAX_LISTED)
    rule_keys = (
        "id",
        "rse_expression",
        "state",
        "locks_ok_cnt",
        "locks_replicating_cnt",
        "locks_stuck_cnt",
        "expires_at",
    )
    return {
        "did": did,
        "type": str(info["type"]).lower(),
        "bytes": info.get("bytes"),
        "length": info.get("length"),
        "metadata": lake.client.get_metadata(scope, name),
        "content": [
            {"did": f"{c['scope']}:{c['name']}", "type": str(c["type"]).lower(), "bytes": c.get("bytes")}
            for c in content
        ],
        "replicas": [
            {
                "did": f"{r['scope']}:{r['name']}",
                "bytes": r.get("bytes"),
                "adler32": r.get("adler32"),
                "rses": r.get("states") or {},
            }
            for r in replicas
        ],
        "rules": [{key: rule.get(key) for key in rule_keys} for rule in lake.client.list_did_rules(scope, name)],
    }


def download_did(lake: DataLake, did: str, dest: Path, root: Path, job: Job) -> dict[str, Any]:
    wanted = files_of(lake, did, dest)
    job.task(f"downloading {did}", sum(f.expected.bytes for f in wanted))
    results = list(download(lake, did, dest, progress=job.advance))
    raise_for_failures(results, "files")
    return {"paths": [relative_path(root, f.target) for f in wanted]}


def upload_files(
    lake: DataLake, files: list[Path], rse: str, scope: str, dataset: str | None, job: Job
) -> dict[str, Any]:
    job.task(f"uploading {len(files)} file(s) to {rse}", sum(path.stat().st_size for path in files))
    results = list(upload(lake, files, rse, scope, dataset=dataset, progress=job.advance))
    raise_for_failures(results, "files")
    dids = [result.target for result in results]
    return {"dids": ([f"{scope}:{dataset}"] if dataset else []) + dids}


class DataHandler(WorkspaceHandler):
    """A data route: the lake connected as the session, and the session's RSE."""

    async def lake(self) -> DataLake:
        return await self.blocking(self.workspace.lake)

    def rse(self) -> str:
        rse = self.workspace.local_rse
        if rse is None:
            raise InvalidInput(
                "this data lake has no RSE this machine reads: "
                "set OPENVRE_DATALAKE__LOCAL_RSE to make data available here"
            )
        return rse


class ScopesHandler(DataHandler):
    @web.authenticated
    async def get(self) -> None:
        lake = await self.lake()
        self.reply({"scopes": sorted(await self.blocking(lake.client.list_scopes))})


class SearchHandler(DataHandler):
    @web.authenticated
    async def get(self) -> None:
        did_type = self.get_argument("type", "all").lower()
        if did_type not in SEARCH_TYPES:
            raise InvalidInput(f"type {did_type!r} is not one of {', '.join(SEARCH_TYPES)}", field="type")
        limit = self.int_arg("limit", 100, MAX_SEARCH)
        lake = await self.lake()
        started = time.perf_counter()
        query, filters = self.get_argument("q", "*") or "*", self.get_argument("filters", "")
        items = await self.blocking(search_dids, lake, query, did_type, filters, limit)
        self.reply({"items": items, "elapsed_ms": round((time.perf_counter() - started) * 1000, 1)})


class AvailabilityHandler(DataHandler):
    @web.authenticated
    async def post(self) -> None:
        dids = self.body().get("dids")
        if not isinstance(dids, list) or not all(isinstance(d, str) for d in dids) or len(dids) > MAX_AVAILABILITY:
            raise InvalidInput(f"dids must be a list of at most {MAX_AVAILABILITY} DIDs (scope:name)", field="dids")
        lake, rse = await self.lake(), self.rse()

        def all_of() -> dict[str, Any]:
            unique = list(dict.fromkeys(dids))
            with ThreadPoolExecutor(max_workers=PARALLEL_LOOKUPS) as pool:  # a few requests each, in parallel
                return dict(zip(unique, pool.map(lambda did: did_availability(lake, did, rse), unique), strict=True))

        self.reply({"items": await self.blocking(all_of)})


class DidHandler(DataHandler):
    @web.authenticated
    async def get(self) -> None:
        did = string_arg(self.get_argument("did", None), "did")
        lake = await self.lake()
        self.reply(await self.blocking(did_details, lake, did))


class MakeAvailableHandler(DataHandler):
    @web.authenticated
    async def post(self) -> None:
        body = self.body()
        did = string_arg(body.get("did"), "did")
        lifetime = body.get("lifetime")
        if lifetime is not None and (not isinstance(lifetime, int) or lifetime <= 0):
            raise InvalidInput("lifetime is a number of seconds, or null to keep the data", field="lifetime")
        lake, rse = await self.lake(), self.rse()

        def make() -> dict[str, Any]:
            rule_id = make_available(lake, did, rse, lifetime)
            return {"rule_id": rule_id, "availability": did_availability(lake, did, rse)}

        self.reply(await self.blocking(make))


class PathsHandler(DataHandler):
    @web.authenticated
    async def get(self) -> None:
        did = string_arg(self.get_argument("did", None), "did")
        lake, rse = await self.lake(), self.rse()

        def paths() -> dict[str, Any]:
            found = local_state(lake, did, rse)
            return {"did": did, "state": found.state, "paths": [str(path) for path in found.paths]}

        self.reply(await self.blocking(paths))


class DownloadHandler(DataHandler):
    @web.authenticated
    async def post(self) -> None:
        body = self.body()
        did = string_arg(body.get("did"), "did")
        scope, _name = split_did(did)
        given = body.get("path")
        dest = self.path_in_root(given) if given else None
        await self.require("datalake")
        root, workspace = self.root, self.workspace

        def work(job: Job) -> dict[str, Any]:
            with workspace.connections("datalake") as services:
                lake = services.lake
                target = dest
                if target is None:  # data/<scope>/<name>/... for collections, data/<scope>/<name> for a file
                    is_file = lake.client.get_did(*split_did(did))["type"] == "FILE"
                    target = root / "data" if is_file else root / "data" / scope
                return download_did(lake, did, target, root, job)

        self.start_job("download", "bytes", work)


class UploadHandler(DataHandler):
    @web.authenticated
    async def post(self) -> None:
        body = self.body()
        given = body.get("paths")
        if not isinstance(given, list) or not given:
            raise InvalidInput("paths must list the files to upload (relative to the Jupyter root)", field="paths")
        files = _files_under([self.path_in_root(p, "paths") for p in given])
        scope = string_arg(body.get("scope"), "scope")
        dataset = string_arg(body.get("dataset"), "dataset", required=False) or None
        rse = string_arg(body.get("rse"), "rse", required=False) or self.rse()
        workspace = self.workspace
        await self.require("datalake")

        def work(job: Job) -> dict[str, Any]:
            with workspace.connections("datalake") as services:
                return upload_files(services.lake, files, rse, scope, dataset, job)

        self.start_job("upload", "bytes", work)


def _files_under(paths: list[Path]) -> list[Path]:
    """The files to upload: each file given, and the files inside each folder given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            files.append(path)
        else:
            raise InvalidInput(f"{path.name} does not exist in the Jupyter root", field="paths")
    if not files:
        raise InvalidInput("the folders given hold no files to upload", field="paths")
    return files


ROUTES: list[tuple[str, type[WorkspaceHandler]]] = [
    (r"data/scopes", ScopesHandler),
    (r"data/search", SearchHandler),
    (r"data/availability", AvailabilityHandler),
    (r"data/did", DidHandler),
    (r"data/make-available", MakeAvailableHandler),
    (r"data/paths", PathsHandler),
    (r"data/download", DownloadHandler),
    (r"data/upload", UploadHandler),
]
