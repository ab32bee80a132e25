"""Reproducing a published run from its DOI: fetch the record, rerun it, compare every output.

:func:`reproduce` resolves the DOI through the configured repository (Zenodo's records search, so it
works with openvre's repository and zenodo.org alike), downloads the run's crate (md5-verified),
restores its workspace, fetches the data-lake inputs it references (checking they still have the
published checksums), submits the workflow through REANA's protocol, waits for it, and compares each
declared output with the published one by sha256. One :class:`~openvre.results.Result` per step and
one per output: ``ok`` when identical, ``error`` when different or missing::

    for result in reproduce("10.5072/openvre.7", directory=Path("repro")):
        print(result.status, result.action, result.target, result.message)
    # ok resolve 10.5072/openvre.7 ... ok compare results/histogram.csv identical (sha256 3f2a…)

The restored directory keeps both sides: the published run under ``workspace/`` (as unpacked from the
crate) and the rerun's outputs under ``reproduced/`` at the same paths, so differences can be read.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import yaml

from openvre.clients.reana import ReanaClient
from openvre.clients.zenodo import ZenodoClient
from openvre.connections import SILENT, Connections, Progress
from openvre.data import get as make_available_here
from openvre.data._ops import files_of
from openvre.datalake.errors import DataIdentifierNotFound, ScopeNotFound
from openvre.errors import InvalidInput, OpenVREError
from openvre.publish import download_workspace_file
from openvre.repository.dois import normalise_doi
from openvre.repository.errors import DOINotFound, RecordNotFound
from openvre.repository.run_package import (
    LAKE_INPUTS,
    SPECIFICATION,
    WORKSPACE,
    extract_crate,
    file_digests,
    run_of_crate,
)
from openvre.results import Result
from openvre.workflows.submit import follow, submit_run

REPRODUCED = "reproduced"


def reproduce(
    doi: str,
    *,
    directory: Path | None = None,
    connections: Connections | None = None,
    progress: Progress = SILENT,
    interval: float = 1.0,
) -> Iterator[Result]:
    """Rerun the run published under ``doi`` in ``directory`` (default ``reproduce-<record id>``)."""
    own = connections is None
    services = connections or Connections()
    try:
        if directory is not None:
            _check_empty(directory)  # before anything is fetched
        record = resolve_record(services.repository, doi)
        yield Result("resolve", doi, "ok", f"record {record['id']}: {record.get('title') or ''}")
        crate, run = _crate_file(record)
        target = directory or Path(f"reproduce-{record['id']}")
        _check_empty(target)
        yield from restore_workspace(services.repository, crate, target, progress)
        if not (yield from fetch_lake_inputs(services, target / LAKE_INPUTS)):
            return
        spec_path = target / WORKSPACE / SPECIFICATION
        submitted = list(submit_run(services.workflows, spec_path, name=run.split(".", 1)[0]))
        yield from submitted
        rerun = submitted[-1].target
        status = _wait(services.workflows, rerun, progress, interval)
        if status["status"] != "finished":
            reason = status.get("logs") or f"`vre runs logs {rerun}` says why"
            yield Result("run", rerun, "error", f"{status['status']}: {reason}")
            return
        yield Result("run", rerun, "ok", "finished")
        specification = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
        yield from compare_outputs(services.workflows, rerun, specification, target)
    finally:
        if own:
            services.close()


def resolve_record(repository: ZenodoClient, doi: str) -> dict[str, Any]:
    """The published record a DOI names; a concept DOI gives the newest version, as on Zenodo."""
    bare = normalise_doi(doi)
    for field, all_versions in (("doi", True), ("conceptdoi", False)):
        hits = repository.search_records(f'{field}:"{bare}"', size=1, all_versions=all_versions)["hits"]["hits"]
        if hits:
            return repository.get_record(hits[0]["id"])
    suffix = re.search(r"\.(\d+)$", bare)  # zenodo.N and openvre.N name record N: try it before giving up
    if suffix:
        try:
            record = repository.get_record(suffix.group(1))
        except RecordNotFound:
            record = {}
        if bare in (str(record.get("doi", "")).lower(), str(record.get("conceptdoi", "")).lower()):
            return record
    raise DOINotFound(
        f"no record at {repository.base_url} has the DOI {bare}: check it, or point OPENVRE_REPOSITORY__URL "
        "at the repository that minted it (https://zenodo.org, https://sandbox.zenodo.org, another openvre)"
    )


def _crate_file(record: dict[str, Any]) -> tuple[dict[str, Any], str]:
    crates = [(file, run_of_crate(str(file.get("key", "")))) for file in record.get("files") or []]
    found = [(file, run) for file, run in crates if run]
    if len(found) != 1:
        names = ", ".join(str(file.get("key")) for file in record.get("files") or []) or "none it may show you"
        raise InvalidInput(
            f"record {record.get('id')} is not a run published by `vre publish run`: it needs exactly one "
            f"*.crate.zip, and its files are {names}"
        )
    return found[0][0], str(found[0][1])


def _check_empty(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InvalidInput(f"{target} is not an empty directory; choose another with --dir", field="directory")


def restore_workspace(
    repository: ZenodoClient, crate: dict[str, Any], target: Path, progress: Progress
) -> Iterator[Result]:
    """Download the crate (md5-verified) and unpack it into ``target``."""
    with tempfile.TemporaryDirectory(prefix="vre-reproduce-") as scratch:
        advance = progress.task(f"downloading {crate['key']}", int(crate.get("size") or 0) or None)
        archive = repository.download_file(crate, Path(scratch), progress=advance)
        yield Result("download", str(crate["key"]), "ok", f"{archive.stat().st_size} bytes, md5 verified")
        names = extract_crate(archive, target)
    yield Result("restore", str(target), "ok", f"{len(names)} files; the published run is in {target / WORKSPACE}")


def fetch_lake_inputs(services: Connections, listing: Path) -> Generator[Result, None, bool]:
    """Make each referenced DID available here, after checking the lake still holds the published bytes.

    Returns (as the generator's value) whether every input is ready; the run is not submitted otherwise,
    since its outputs could not be compared with the published ones.
    """
    if not listing.is_file():
        return True
    ready = True
    for entry in json.loads(listing.read_text(encoding="utf-8"))["dids"]:
        result = _fetch_one(services, entry)
        ready = ready and not result.failed
        yield result
    return ready


def _fetch_one(services: Connections, entry: dict[str, Any]) -> Result:
    did = str(entry["did"])
    try:
        lake = services.lake
        current = {f"{f.scope}:{f.name}": f.expected for f in files_of(lake, did)}
    except (DataIdentifierNotFound, ScopeNotFound):
        advice = "restore it, or point OPENVRE_DATALAKE__URL at the lake the run read it from"
        return Result("fetch", did, "impossible", f"the data lake has no such DID now; {advice}")
    published = {str(f["did"]): f for f in entry["files"]}
    changed = sorted(
        name
        for name in set(published) | set(current)
        if name not in current
        or name not in published
        or (current[name].bytes, current[name].adler32) != (published[name]["bytes"], published[name]["adler32"])
    )
    if changed:
        what = f"differs from what the run read ({', '.join(changed)}): the rerun would not see the same inputs"
        return Result("fetch", did, "error", what)
    try:
        make_available_here(did, lake=lake)
    except OpenVREError as error:
        return Result("fetch", did, "error", error.message)
    return Result("fetch", did, "ok", f"{len(published)} file(s) with the published checksums, available here")


def _wait(reana: ReanaClient, run: str, progress: Progress, interval: float) -> dict[str, Any]:
    """Follow the run to its end, advancing a bar of finished steps once their number is known."""
    advance, done, status = None, 0, {}
    for status in follow(reana, run, interval=interval):
        counts = status.get("progress") or {}
        total = (counts.get("total") or {}).get("total") or 0
        finished = (counts.get("finished") or {}).get("total") or 0
        if advance is None and total:
            advance = progress.task(f"running {run}", total, unit="steps")
        if advance is not None and finished > done:
            advance(finished - done)
            done = finished
    return status


def compare_outputs(reana: ReanaClient, run: str, specification: dict[str, Any], target: Path) -> Iterator[Result]:
    """One result per declared output: identical (sha256) or different, missing, or new in the rerun."""
    outputs = specification.get("outputs") or {}
    directories = [str(name).strip("/") for name in outputs.get("directories") or []]
    published_root = target / WORKSPACE
    published = {str(name) for name in outputs.get("files") or [] if (published_root / str(name)).is_file()}
    published |= {
        path.relative_to(published_root).as_posix()
        for directory in directories
        for path in (published_root / directory).rglob("*")
        if path.is_file()
    }
    rerun_files = {item["name"] for item in reana.get_files(run)}
    declared = set(published) | {str(name) for name in outputs.get("files") or []}
    declared |= {name for name in rerun_files if any(name.startswith(d + "/") for d in directories)}
    if not declared:
        yield Result("compare", run, "notneeded", "reana.yaml declares no outputs to compare")
    for name in sorted(declared):
        if name not in rerun_files:
            yield Result("compare", name, "error", "missing: the rerun did not write it")
        elif name not in published:
            yield Result("compare", name, "error", "new: the rerun wrote it, the published run did not")
        else:
            yield _compare_one(reana, run, name, published_root / name, target / REPRODUCED)


def _compare_one(reana: ReanaClient, run: str, name: str, published: Path, into: Path) -> Result:
    reproduced = download_workspace_file(reana, run, name, into)
    expected, found = file_digests(published)[2], file_digests(reproduced)[2]
    if expected == found:
        return Result("compare", name, "ok", f"identical (sha256 {expected[:12]}…)")
    what = f"different: published sha256 {expected[:12]}…, reproduced {found[:12]}… ({published} vs {reproduced})"
    return Result("compare", name, "error", what)
