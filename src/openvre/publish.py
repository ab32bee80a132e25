"""Publishing to the configured repository: a finished workflow run, or plain files, as one record.

Both speak only the services' protocols (REANA's for the run, Rucio's for data-lake inputs, Zenodo's for
the record), so they work the same against this machine's embedded services, a real REANA or Rucio,
and https://zenodo.org or its sandbox (``OPENVRE_REPOSITORY__URL`` and ``__TOKEN``). Each step yields a
:class:`~openvre.results.Result`; the last one of a successful publication names the DOI, its message
the landing page::

    for result in publish_run("dimuon.1", community="cms"):
        print(result.status, result.action, result.target, result.message)
    # ok download code/histogram.py ... ok upload dimuon.1.crate.zip ... ok publish 10.5072/openvre.7 http://...

    paths = [Path("spectra.csv")]
    publish_files(paths, files_metadata(paths, title="Muon spectra", creators=[parse_creator("Doe, Jane;CERN")]))

A run is published as ``README.md``, ``codemeta.json`` and ``<run>.crate.zip`` (the RO-Crate with the
workspace: see :mod:`openvre.repository.run_package`). Metadata starts from the workspace's
codemeta.json when it has one, and from the run: title ``<workflow> run N``, the account as creator.
A parameter whose value names a DID of the data lake (``dataset: user.demo:dimuon-2012``) is an input
the run read from the lake: it is referenced with its files' checksums, not copied.
"""

from __future__ import annotations

import copy
import html
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from openvre.clients.reana import ReanaClient
from openvre.clients.zenodo import ZenodoClient
from openvre.connections import SILENT, Connections, Progress
from openvre.data._ops import files_of, split_did
from openvre.datalake.errors import DataIdentifierNotFound, ScopeNotFound
from openvre.errors import InvalidInput, OpenVREError
from openvre.repository.codemeta import codemeta_to_deposit, run_codemeta
from openvre.repository.licenses import DEFAULT_LICENSE
from openvre.repository.rocrate import run_crate
from openvre.repository.run_package import (
    CODEMETA,
    CRATE_METADATA,
    LAKE_INPUTS,
    README,
    SPECIFICATION,
    WORKSPACE,
    ExecutedStep,
    LakeFile,
    LakeInput,
    PackagedFile,
    Role,
    RunPackage,
    crate_name,
    dump_json,
    lake_inputs_document,
    readme_text,
    write_crate,
)
from openvre.results import Result
from openvre.workflows.errors import RunStateError, WorkspaceFileNotFound

# Rucio's scope and name rules, loosely: what a parameter must look like to be asked about.
_DID = re.compile(r"^[A-Za-z0-9][\w.-]{0,29}:[A-Za-z0-9][\w.\-/]{0,249}$")


# -- plain files --------------------------------------------------------------------------------------
def parse_creator(text: str) -> dict[str, str]:
    """``"Family, Given[;affiliation[;orcid]]"`` as a Zenodo creator."""
    parts = [part.strip() for part in text.split(";")]
    if len(parts) > 3 or not parts[0]:
        raise InvalidInput(
            f"creator {text!r} is not NAME[;AFFILIATION[;ORCID]], e.g. 'Doe, Jane;CERN;0000-0002-1825-0097'",
            field="creators",
        )
    keys = ("name", "affiliation", "orcid")
    return {key: value for key, value in zip(keys, parts, strict=False) if value}


def files_metadata(
    paths: list[Path],
    *,
    title: str | None = None,
    creators: Iterable[dict[str, str]] = (),
    description: str | None = None,
    keywords: Iterable[str] = (),
    license: str | None = None,
    communities: Iterable[str] = (),
    upload_type: str | None = None,
    codemeta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Deposit metadata for plain files: what is given, over what ``codemeta`` says, over defaults."""
    base = codemeta_to_deposit(codemeta) if codemeta else {}
    given = {"title": title, "description": description, "license": license, "upload_type": upload_type}
    metadata = {**base, **{key: value for key, value in given.items() if value}}
    metadata["creators"] = list(creators) or base.get("creators", [])
    metadata["keywords"] = list(dict.fromkeys([*base.get("keywords", []), *keywords]))
    metadata["communities"] = [{"identifier": slug} for slug in communities]
    missing = [hint for key, hint in (("title", "--title"), ("creators", "--creator")) if not metadata.get(key)]
    if missing:
        raise InvalidInput(
            f"give {' and '.join(missing)} (or --codemeta with a codemeta.json naming them), "
            "e.g. --title 'Muon spectra' --creator 'Doe, Jane;CERN'",
            field="metadata",
        )
    metadata.setdefault("description", "Files: " + ", ".join(path.name for path in paths) + ".")
    metadata.setdefault("upload_type", "dataset")
    metadata.setdefault("license", DEFAULT_LICENSE)
    metadata.setdefault("access_right", "open")
    return {key: value for key, value in metadata.items() if value not in ([], None, "")}


def publish_files(
    paths: list[Path],
    metadata: dict[str, Any],
    *,
    connections: Connections | None = None,
    progress: Progress = SILENT,
) -> Iterator[Result]:
    """Publish ``paths`` (each under its file name) with ``metadata`` (see :func:`files_metadata`)."""
    names = [path.name for path in paths]
    problems = [f"{path} is not a file" for path in paths if not path.is_file()]
    problems += [f"two files are named {name}" for name in sorted({n for n in names if names.count(n) > 1})]
    if problems:
        raise InvalidInput("; ".join(problems) + ": a record holds files by name; rename or leave out the clash")
    own = connections is None
    services = connections or Connections()
    try:
        yield from deposit(services.repository, metadata, lambda _deposition: [(p.name, p) for p in paths], progress)
    finally:
        if own:
            services.close()


# -- a workflow run -------------------------------------------------------------------------------------
def publish_run(
    run: str,
    community: str | None = None,
    *,
    connections: Connections | None = None,
    progress: Progress = SILENT,
) -> Iterator[Result]:
    """Publish finished run ``NAME.N``: its workspace's specification, code, inputs and outputs, and provenance."""
    own = connections is None
    services = connections or Connections()
    try:
        with tempfile.TemporaryDirectory(prefix="vre-publish-") as staging:
            package = yield from collect_run(services, run, Path(staging), progress)
            metadata = run_metadata(package, community)

            def files_for(deposition: dict[str, Any]) -> list[tuple[str, Path]]:
                return run_record_files(package, metadata, deposition, Path(staging))

            yield from deposit(services.repository, metadata, files_for, progress)
    finally:
        if own:
            services.close()


def export_run(
    run: str,
    target: Path,
    *,
    connections: Connections | None = None,
    progress: Progress = SILENT,
) -> Iterator[Result]:
    """Write finished run ``NAME.N`` into ``target`` exactly as :func:`publish_run` would deposit it.

    The RO-Crate (Workflow Run Crate profile), README and codemeta.json, without a DOI: for archiving,
    inspecting what a publication would hold, or depositing elsewhere. Works against any REANA endpoint.
    """
    own = connections is None
    services = connections or Connections()
    try:
        with tempfile.TemporaryDirectory(prefix="vre-export-") as staging:
            package = yield from collect_run(services, run, Path(staging), progress)
            metadata = run_metadata(package)
            target.mkdir(parents=True, exist_ok=True)
            for name, path in run_record_files(package, metadata, {}, Path(staging)):
                shutil.copy2(path, target / name)
                yield Result("export", name, "ok", str(target / name))
    finally:
        if own:
            services.close()


def collect_run(
    services: Connections, run: str, staging: Path, progress: Progress = SILENT
) -> Generator[Result, None, RunPackage]:
    """Fetch what a finished run published needs, through REANA's protocol, into ``staging``."""
    reana = services.workflows
    status = reana.get_workflow_status(run)
    name = str(status["name"])
    if status["status"] != "finished":
        raise RunStateError(
            f"{name} is {status['status']}: only finished runs can be published; "
            f"`vre runs status {name}` says why, `vre runs restart {name}` runs it again"
        )
    answer = reana.get_workflow_specification(name)
    parameters = dict(answer.get("parameters") or {})
    specification = specification_as_run(answer["specification"], parameters)
    listing = {item["name"]: int(item["size"]["raw"]) for item in reana.get_files(name)}
    files = yield from _fetch_files(reana, name, declared_files(specification, listing), listing, staging, progress)
    files.append(_write_specification(specification, name, staging))
    lake_inputs = yield from reference_lake_inputs(services, parameters)
    you = reana.ping()
    progress_times = status.get("progress") or {}
    return RunPackage(
        run=name,
        workflow_type=str((specification.get("workflow") or {}).get("type", "")),
        specification=specification,
        parameters=parameters,
        account=str(you.get("username") or ""),
        full_name=str(you.get("full_name") or ""),
        created_at=status.get("created"),
        started_at=progress_times.get("run_started_at"),
        finished_at=progress_times.get("run_finished_at"),
        steps=_steps(reana.get_workflow_logs(name)),
        files=tuple(files),
        lake_inputs=lake_inputs,
        codemeta=_workspace_codemeta(reana, name, listing, staging),
        software=tuple(str(you[key]) for key in ("reana_server_version",) if you.get(key)),
    )


def specification_as_run(specification: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """The reana.yaml to publish: the parameters the run used (defaults and ``-p`` alike) written in.

    A serial workflow submitted from ``workflow.file`` arrives with that file's steps inlined as
    ``specification`` too; the file is published, so the inlined copy is dropped as reana.yaml had it.
    """
    document = copy.deepcopy(specification)
    if parameters:
        document["inputs"] = {**(document.get("inputs") or {}), "parameters": parameters}
    workflow = document.get("workflow") or {}
    if workflow.get("type") == "serial" and workflow.get("file"):
        workflow.pop("specification", None)
    return document


def declared_files(specification: dict[str, Any], listing: dict[str, int]) -> list[tuple[str, Role]]:
    """The workspace files reana.yaml names as inputs (code included) and outputs, each once.

    A declared file or directory the workspace does not have is an error: the record would not
    hold what reana.yaml promises.
    """
    inputs, outputs = specification.get("inputs") or {}, specification.get("outputs") or {}
    workflow = specification.get("workflow") or {}
    named: list[tuple[str, Role, bool]] = [
        *((str(name), "input", False) for name in inputs.get("files") or []),
        *((str(name), "input", True) for name in inputs.get("directories") or []),
        *((str(workflow[key]), "input", False) for key in ("file",) if workflow.get(key)),
        *((str(name), "output", False) for name in outputs.get("files") or []),
        *((str(name), "output", True) for name in outputs.get("directories") or []),
    ]
    chosen: dict[str, Role] = {}
    missing = []
    for name, role, is_directory in named:
        clean = name.strip("/").removeprefix("./")
        found = [n for n in listing if n.startswith(clean + "/")] if is_directory else [clean] * (clean in listing)
        if not found:
            missing.append(name)
        for path in sorted(found):
            if path != SPECIFICATION:  # the workspace's reana.yaml is replaced by the one as run
                chosen.setdefault(path, role)
    if missing:
        raise WorkspaceFileNotFound(
            f"reana.yaml declares {', '.join(missing)}, which the run's workspace does not hold: "
            "fix inputs/outputs in reana.yaml and run it again, or upload them with `vre runs upload`"
        )
    return list(chosen.items())


def _fetch_files(
    reana: ReanaClient,
    run: str,
    wanted: list[tuple[str, Role]],
    listing: dict[str, int],
    staging: Path,
    progress: Progress,
) -> Generator[Result, None, list[PackagedFile]]:
    advance = progress.task(f"downloading {run}'s files", sum(listing[path] for path, _ in wanted))
    files = []
    for path, role in wanted:
        local = download_workspace_file(reana, run, path, staging / WORKSPACE)
        advance(listing[path])
        files.append(PackagedFile.from_local(path, local, role))
        yield Result("download", path, "ok", f"{role}, {listing[path]} bytes")
    return files


def download_workspace_file(reana: ReanaClient, run: str, path: str, root: Path) -> Path:
    """One workspace file saved at ``root/path``; a name leading out of ``root`` is refused."""
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts:
        raise WorkspaceFileNotFound(f"the workflows service listed {path!r}, which is not a workspace path")
    target = root.joinpath(*relative.parts)
    saved = reana.download_file(run, path, target.parent)
    if saved != target:
        saved.replace(target)
    return target


def _write_specification(specification: dict[str, Any], run: str, staging: Path) -> PackagedFile:
    local = staging / WORKSPACE / SPECIFICATION
    local.parent.mkdir(parents=True, exist_ok=True)
    header = f"# The specification of {run} as it ran: the input parameters it was started with are written in.\n"
    local.write_text(header + yaml.safe_dump(specification, sort_keys=False, allow_unicode=True))
    return PackagedFile.from_local(SPECIFICATION, local, "specification")


def _steps(logs: dict[str, Any]) -> tuple[ExecutedStep, ...]:
    jobs = sorted((logs.get("job_logs") or {}).values(), key=lambda job: str(job.get("started_at") or ""))
    return tuple(
        ExecutedStep(
            name=str(job.get("job_name") or ""),
            command=str(job.get("cmd") or ""),
            status=str(job.get("status") or ""),
            image=job.get("docker_img"),
            started_at=job.get("started_at"),
            finished_at=job.get("finished_at"),
        )
        for job in jobs
    )


def _workspace_codemeta(reana: ReanaClient, run: str, listing: dict[str, int], staging: Path) -> dict[str, Any] | None:
    """The workspace's own codemeta.json, if it has one at its root (published or not)."""
    if CODEMETA not in listing:
        return None
    local = staging / WORKSPACE / CODEMETA
    if not local.is_file():
        local = download_workspace_file(reana, run, CODEMETA, staging / "codemeta-source")
    try:
        document = json.loads(local.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput(f"the workspace's codemeta.json is not JSON ({error}); fix or remove it") from None
    return document if isinstance(document, dict) else None


def reference_lake_inputs(
    services: Connections, parameters: dict[str, Any]
) -> Generator[Result, None, tuple[LakeInput, ...]]:
    """The DIDs the run's parameters name, with their files' checksums, as the data lake lists them."""
    candidates = [(name, value) for name, value in parameters.items() if isinstance(value, str) and _DID.match(value)]
    if not candidates:
        return ()
    try:
        lake = services.lake
    except OpenVREError as error:
        names = ", ".join(f"{name}={value}" for name, value in candidates)
        message = f"{names} looks like a data-lake DID, and checking it needs the data lake: {error.message}"
        raise type(error)(message) from None
    found = []
    for parameter, did in candidates:
        scope, name = split_did(did)
        try:
            did_type = str(lake.client.get_did(scope, name)["type"])
        except (DataIdentifierNotFound, ScopeNotFound):
            yield Result("reference", did, "notneeded", f"parameter {parameter} names no DID; kept as a plain value")
            continue
        files = tuple(
            LakeFile(f"{f.scope}:{f.name}", f.expected.bytes, f.expected.adler32, f.expected.md5)
            for f in files_of(lake, did)
        )
        found.append(LakeInput(did, did_type, parameter, files))
        yield Result(
            "reference", did, "ok", f"{did_type.lower()}, {len(files)} file(s), {found[-1].bytes} bytes: not copied"
        )
    return tuple(found)


def run_metadata(package: RunPackage, community: str | None = None) -> dict[str, Any]:
    """The record's metadata: the workspace's codemeta.json where it has something to say, then the run."""
    base = codemeta_to_deposit(package.codemeta) if package.codemeta else {}
    base.pop("publication_date", None)  # the software's release date, not this record's
    metadata: dict[str, Any] = {
        **base,
        "title": f"{package.workflow} run {package.number}",
        "upload_type": base.get("upload_type", "dataset"),
        "description": _run_description(package, base.get("description")),
        "creators": base.get("creators") or [{"name": package.full_name or package.account}],
        "keywords": list(dict.fromkeys([*base.get("keywords", []), "workflow run", "REANA", "openvre"])),
        "license": base.get("license", DEFAULT_LICENSE),
        "access_right": "open",
    }
    if community:
        metadata["communities"] = [{"identifier": community}]
    return metadata


def _run_description(package: RunPackage, software: str | None) -> str:
    lake = " Data-lake inputs are referenced with their checksums in datalake-inputs.json." * bool(package.lake_inputs)
    text = (
        f"<p>Workflow run <code>{html.escape(package.run)}</code> of the {html.escape(package.workflow_type)} "
        f"workflow <code>{html.escape(package.workflow)}</code> ({len(package.steps)} steps), run by "
        f"{html.escape(package.full_name or package.account)}, finished {html.escape(package.finished_at or '')}. "
        f"{crate_name(package.run)} holds the specification as run, its code and inputs, the declared outputs and "
        f"the run's provenance as an RO-Crate.{lake} Reproduce it with <code>vre reproduce</code> and this "
        "record's DOI.</p>"
    )
    return (f"<p>{html.escape(software)}</p>" if software else "") + text


def run_record_files(
    package: RunPackage, metadata: dict[str, Any], deposition: dict[str, Any], staging: Path
) -> list[tuple[str, Path]]:
    """README.md, codemeta.json and the crate zip, written for the deposition's reserved DOI."""
    doi = ((deposition.get("metadata") or {}).get("prereserve_doi") or {}).get("doi")
    codemeta = run_codemeta(
        package.run,
        package.specification,
        metadata=metadata,
        doi=doi,
        base=package.codemeta,
        date_created=package.created_at,
        software=package.software,
    )
    documents = {README: readme_text(package, metadata, doi), CODEMETA: dump_json(codemeta)}
    if package.lake_inputs:
        documents[LAKE_INPUTS] = dump_json(lake_inputs_document(package.lake_inputs))
    documents[CRATE_METADATA] = dump_json(run_crate(package, metadata=metadata, doi=doi))
    record = staging / "record"
    record.mkdir(exist_ok=True)
    crate = write_crate(package, record / crate_name(package.run), documents)
    for name in (README, CODEMETA):
        (record / name).write_text(documents[name], encoding="utf-8")
    return [(README, record / README), (CODEMETA, record / CODEMETA), (crate.name, crate)]


# -- the deposition ---------------------------------------------------------------------------------------
def deposit(
    repository: ZenodoClient,
    metadata: dict[str, Any],
    files_for: Callable[[dict[str, Any]], list[tuple[str, Path]]],
    progress: Progress,
) -> Iterator[Result]:
    """Create a draft with ``metadata`` (checked before any byte is sent), upload, publish.

    If anything fails after the draft exists, the draft is deleted, so no half-made record is left.
    """
    deposition = repository.create_deposition(metadata)
    recid = deposition["id"]
    reserved = ((deposition.get("metadata") or {}).get("prereserve_doi") or {}).get("doi")
    yield Result("create", f"deposition {recid}", "ok", f"DOI {reserved} reserved" if reserved else "draft")
    try:
        for key, path in files_for(deposition):
            size = path.stat().st_size
            stored = repository.upload_file(deposition, path, key=key, progress=progress.task(f"uploading {key}", size))
            md5 = str(stored.get("checksum", "")).removeprefix("md5:")
            yield Result("upload", key, "ok", f"{size} bytes, md5 {md5} verified")
        published = repository.publish_deposition(recid)
    except OpenVREError as error:
        yield Result("publish", f"deposition {recid}", "error", f"{error.message}; {_discard(repository, recid)}")
        return
    doi = str(published.get("doi") or (published.get("metadata") or {}).get("doi") or reserved or "")
    yield Result("publish", doi, "ok", landing_url(published))


def landing_url(deposition: dict[str, Any]) -> str:
    """Where people see the record: Zenodo's ``record_html`` link, else ``html``."""
    links = deposition.get("links") or {}
    return str(links.get("record_html") or links.get("latest_html") or links.get("html") or "")


def _discard(repository: ZenodoClient, recid: int) -> str:
    try:
        repository.delete_deposition(recid)
    except OpenVREError as error:
        return f"the draft {recid} is left on the repository ({error.message}); delete it there"
    return f"the draft {recid} was deleted; nothing was published"
