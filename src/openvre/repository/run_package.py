"""A finished workflow run as a record holds it: the description, the README and the crate zip.

:mod:`openvre.publish` collects a run through the REANA protocol into a staging directory and
describes it with a :class:`RunPackage`; this module turns that into files, and back
(:func:`extract_crate` for ``vre reproduce``). The run travels as one zip, ``<run>.crate.zip``, which
is an RO-Crate: every path in it is described in its ``ro-crate-metadata.json``. One zip rather than
loose files, because Zenodo file names cannot hold folders and a workspace needs its paths::

    ro-crate-metadata.json   provenance, as a Workflow Run Crate (openvre.repository.rocrate)
    README.md                what the run is and how to reproduce it
    codemeta.json            the record's metadata for software tools
    datalake-inputs.json     data-lake DIDs the run read: referenced with their checksums, not copied
    workspace/reana.yaml     the specification as run, parameters given at start folded in
    workspace/...            code and input files, and the declared outputs, at their workspace paths

Everything here is local and pure: no HTTP, no database.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from openvre.errors import InvalidInput

WORKSPACE = "workspace"
SPECIFICATION = "reana.yaml"
LAKE_INPUTS = "datalake-inputs.json"
README = "README.md"
CODEMETA = "codemeta.json"
CRATE_METADATA = "ro-crate-metadata.json"
CRATE_SUFFIX = ".crate.zip"
_CHUNK = 1024 * 1024

Role = Literal["specification", "input", "output"]


@dataclass(frozen=True)
class PackagedFile:
    """One workspace file in the package, with the checksums the crate records."""

    path: str  # POSIX path in the workspace (and under workspace/ in the crate)
    local: Path  # where its bytes are now
    role: Role
    size: int
    md5: str
    sha256: str

    @classmethod
    def from_local(cls, path: str, local: Path, role: Role) -> PackagedFile:
        size, md5, sha256 = file_digests(local)
        return cls(path, local, role, size, md5, sha256)

    @property
    def crate_path(self) -> str:
        return f"{WORKSPACE}/{self.path}"


@dataclass(frozen=True)
class ExecutedStep:
    """A step as the workflow engine ran it (REANA's job logs)."""

    name: str
    command: str
    status: str
    image: str | None = None
    started_at: str | None = None
    finished_at: str | None = None


@dataclass(frozen=True)
class LakeFile:
    did: str
    bytes: int
    adler32: str | None
    md5: str | None


@dataclass(frozen=True)
class LakeInput:
    """A DID a run read from the data lake, named by one of its input parameters."""

    did: str
    did_type: str
    parameter: str
    files: tuple[LakeFile, ...]

    @property
    def bytes(self) -> int:
        return sum(file.bytes for file in self.files)


@dataclass(frozen=True)
class RunPackage:
    """Everything published about one finished run."""

    run: str  # NAME.N or NAME.N.M, as REANA names it
    workflow_type: str
    specification: dict[str, Any]  # as run: the given parameters folded into inputs.parameters
    parameters: dict[str, Any]
    account: str
    full_name: str
    created_at: str | None
    started_at: str | None
    finished_at: str | None
    steps: tuple[ExecutedStep, ...]
    files: tuple[PackagedFile, ...]
    lake_inputs: tuple[LakeInput, ...] = ()
    codemeta: dict[str, Any] | None = None  # the workspace's own codemeta.json
    software: tuple[str, ...] = field(default=())  # e.g. "openvre 0.1.0 (REANA 0.9 API)"

    @property
    def workflow(self) -> str:
        return self.run.split(".", 1)[0]

    @property
    def number(self) -> str:
        return self.run.split(".", 1)[1] if "." in self.run else ""

    def files_with(self, role: Role) -> list[PackagedFile]:
        return [file for file in self.files if file.role == role]


def root_documents(package: RunPackage) -> list[str]:
    """The metadata files at the crate's root besides ro-crate-metadata.json, in the order written."""
    return [README, CODEMETA, *([LAKE_INPUTS] if package.lake_inputs else [])]


def file_digests(path: Path) -> tuple[int, str, str]:
    """Size, md5 (what Zenodo records) and sha256 (what the crate records) in one read."""
    md5, sha256, size = hashlib.md5(usedforsecurity=False), hashlib.sha256(), 0
    with path.open("rb") as source:
        while chunk := source.read(_CHUNK):
            md5.update(chunk)
            sha256.update(chunk)
            size += len(chunk)
    return size, md5.hexdigest(), sha256.hexdigest()


def crate_name(run: str) -> str:
    return f"{run}{CRATE_SUFFIX}"


def run_of_crate(key: str) -> str | None:
    """The run a record file is the crate of (``dimuon.1.crate.zip`` → ``dimuon.1``), else ``None``."""
    return key.removesuffix(CRATE_SUFFIX) if key.endswith(CRATE_SUFFIX) and key != CRATE_SUFFIX else None


def lake_inputs_document(inputs: tuple[LakeInput, ...]) -> dict[str, Any]:
    """``datalake-inputs.json``: what to fetch again, and the checksums the fetched bytes must have."""
    return {
        "about": "Data-lake inputs of this run, referenced rather than copied. `vre reproduce` fetches them "
        "from the configured data lake (Rucio protocol) and checks them against these checksums.",
        "dids": [
            {
                "did": item.did,
                "type": item.did_type,
                "parameter": item.parameter,
                "bytes": item.bytes,
                "files": [
                    {"did": f.did, "bytes": f.bytes, "adler32": f.adler32, **({"md5": f.md5} if f.md5 else {})}
                    for f in item.files
                ],
            }
            for item in inputs
        ],
    }


def write_crate(package: RunPackage, target: Path, documents: dict[str, str]) -> Path:
    """Write ``<run>.crate.zip`` to ``target``: the metadata ``documents`` (name → text) and the files.

    Files are stored at ``workspace/<path>``; ``documents`` go at the crate's root. The zip is written
    to a temporary name first, so a crash never leaves something that looks like a whole crate.
    """
    partial = target.with_name(f".{target.name}.part")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in documents.items():
                archive.writestr(name, text)
            for file in sorted(package.files, key=lambda f: f.path):
                archive.write(file.local, arcname=file.crate_path)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def extract_crate(archive_path: Path, directory: Path) -> list[str]:
    """Unpack a crate into ``directory``, refusing members that would land outside it; the names unpacked."""
    with zipfile.ZipFile(archive_path) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        for info in members:
            parts = PurePosixPath(info.filename).parts
            if info.filename.startswith("/") or ".." in parts or "\\" in info.filename:
                raise InvalidInput(
                    f"{archive_path.name} holds {info.filename!r}, which would land outside {directory}; "
                    "the crate was not made by openvre: unpack it by hand after checking it"
                )
        archive.extractall(directory, members)  # every member was checked above
    return [info.filename for info in members]


def readme_text(package: RunPackage, metadata: dict[str, Any], doi: str | None) -> str:
    """The README a record shows first: what the run is, how to reproduce it, what is inside."""
    cite = f"https://doi.org/{doi}" if doi else "this record's DOI"
    lines = [
        f"# {metadata.get('title') or package.run}",
        "",
        f"Workflow run `{package.run}` ({package.workflow_type} workflow, {len(package.steps)} steps, "
        f"finished {package.finished_at or 'at an unknown time'}), run by {package.full_name or package.account} "
        "and published with openvre.",
        "",
        "## Reproduce it",
        "",
        "```",
        f"vre reproduce {doi or '<DOI>'}",
        "```",
        "",
        f"reruns the workflow from {crate_name(package.run)} and compares every declared output with the published "
        f"one by checksum. By hand: unzip {crate_name(package.run)}, `cd workspace`, `reana-client run -w "
        f"{package.workflow}`. Cite it as {cite}.",
        *_file_table(package),
        *_lake_table(package.lake_inputs),
        *_step_list(package.steps),
    ]
    return "\n".join(lines) + "\n"


def _file_table(package: RunPackage) -> list[str]:
    lines = ["", "## Files", "", "| path in the crate | role | bytes | sha256 |", "|---|---|---|---|"]
    for file in sorted(package.files, key=lambda f: (f.role != "specification", f.role, f.path)):
        lines.append(f"| `{file.crate_path}` | {file.role} | {file.size} | `{file.sha256[:16]}…` |")
    return lines


def _lake_table(inputs: tuple[LakeInput, ...]) -> list[str]:
    if not inputs:
        return []
    lines = ["", "## Data-lake inputs (referenced, see datalake-inputs.json)", ""]
    lines += ["| DID | parameter | files | bytes |", "|---|---|---|---|"]
    lines += [f"| `{i.did}` | `{i.parameter}` | {len(i.files)} | {i.bytes} |" for i in inputs]
    return lines


def _step_list(steps: tuple[ExecutedStep, ...]) -> list[str]:
    lines = ["", "## Steps as run", ""]
    for index, step in enumerate(steps, 1):
        # One line: a Markdown code span cannot hold line breaks; a step's commands run one after the other.
        command = "; ".join(line.strip() for line in step.command.splitlines() if line.strip())
        lines.append(f"{index}. `{step.name}` ({step.status}): `{command}`")
    return lines


def dump_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
