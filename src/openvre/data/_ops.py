"""Data lake operations for people: upload, download, make available, availability.

They run on the client side of the Rucio protocol, exactly like the official client: checksums are
computed locally in one pass, bytes go straight to (or come straight from) the storage element, and
the catalog is only told a replica is AVAILABLE after the stored bytes were read back and matched.
Each operation yields one :class:`~openvre.results.Result` per file, so the CLI can render progress
and the Python API can return them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openvre.data._connection import DataLake
from openvre.datalake import protocols
from openvre.datalake.checksums import ChecksumAccumulator, Checksums, checksum_file, verify
from openvre.datalake.errors import (
    ChecksumMismatch,
    DataIdentifierAlreadyExists,
    DataIdentifierNotFound,
    DuplicateRule,
    UnsupportedOperation,
)
from openvre.datalake.lfn2pfn import safe_join
from openvre.datalake.storage import StorageElement, reachable
from openvre.errors import OpenVREError
from openvre.results import Result

Progress = Callable[[int], None]
CHUNK = 1024 * 1024


def split_did(did: str) -> tuple[str, str]:
    scope, colon, name = did.partition(":")
    if not colon or not scope or not name:
        raise DataIdentifierNotFound(f"{did!r} is not a DID: write it as scope:name, e.g. user.alice:data.root")
    return scope, name


def storage_for(lake: DataLake, rse: str, operation: str) -> StorageElement:
    """The RSE's storage as the client reaches it, from the protocols the server advertises."""
    info = lake.client.get_rse(rse)
    candidates = [
        protocols.Protocol(
            p["scheme"],
            p["hostname"],
            int(p.get("port") or 0),
            p["prefix"],
            p["impl"],
            p.get("domains") or {},
            p.get("extended_attributes"),
        )
        for p in info.get("protocols", [])
    ]
    usable = [p for p in candidates if reachable(p) and p.priority(operation) is not None]
    if not usable:
        raise UnsupportedOperation(f"RSE {rse} offers no protocol this machine can {operation} through")
    return StorageElement(rse, min(usable, key=lambda p: p.priority(operation) or 0))


def _chunks(path: Path, progress: Progress | None) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            if progress:
                progress(len(chunk))
            yield chunk


def upload(
    lake: DataLake,
    paths: Iterable[Path],
    rse: str,
    scope: str,
    *,
    dataset: str | None = None,
    progress: Progress | None = None,
) -> Iterator[Result]:
    """Register and store files on ``rse`` (as ``scope:<file name>``), optionally inside a dataset."""
    storage = storage_for(lake, rse, "write")
    if dataset:
        _ensure_dataset(lake, scope, dataset, rse)
    for path in paths:
        did = f"{scope}:{path.name}"
        try:
            yield _upload_one(lake, storage, path, scope, dataset, progress)
        except OpenVREError as error:
            yield Result("upload", did, "error", error.message)


def _upload_one(
    lake: DataLake, storage: StorageElement, path: Path, scope: str, dataset: str | None, progress: Progress | None
) -> Result:
    did, name = f"{scope}:{path.name}", path.name
    if not path.is_file():
        return Result("upload", did, "impossible", f"{path} is not a file")
    checksums = checksum_file(path)
    if _already_there(lake, scope, name, storage.rse, checksums):
        return Result("upload", did, "notneeded", f"already on {storage.rse} with the same checksums")
    files = [
        {
            "scope": scope,
            "name": name,
            "bytes": checksums.bytes,
            "adler32": checksums.adler32,
            "md5": checksums.md5,
            "state": "C",
        }
    ]
    lake.client.add_replicas(storage.rse, files)
    if not dataset:
        _tolerate(
            DuplicateRule, lambda: lake.client.add_replication_rule([{"scope": scope, "name": name}], 1, storage.rse)
        )
    storage.write_stream(storage.path(scope, name), _chunks(path, progress), checksums, reread=True, overwrite=True)
    lake.client.update_replicas_states(storage.rse, [{"scope": scope, "name": name, "state": "A"}])
    if dataset:
        lake.client.attach_dids(scope, dataset, [{"scope": scope, "name": name}])
    return Result("upload", did, "ok", f"{checksums.bytes} bytes to {storage.rse}, adler32 {checksums.adler32}")


def _already_there(lake: DataLake, scope: str, name: str, rse: str, checksums: Checksums) -> bool:
    try:
        meta = lake.client.get_metadata(scope, name)
    except DataIdentifierNotFound:
        return False
    if meta.get("adler32") != checksums.adler32 or meta.get("bytes") != checksums.bytes:
        raise DataIdentifierAlreadyExists(
            f"{scope}:{name} exists with other content (adler32 {meta.get('adler32')}); upload under another name"
        )
    found = next(iter(lake.client.list_replicas([{"scope": scope, "name": name}], all_states=True)), None)
    return found is not None and found.get("states", {}).get(rse) == "AVAILABLE"


def _ensure_dataset(lake: DataLake, scope: str, dataset: str, rse: str) -> None:
    _tolerate(DataIdentifierAlreadyExists, lambda: lake.client.add_did(scope, dataset, "DATASET"))
    _tolerate(DuplicateRule, lambda: lake.client.add_replication_rule([{"scope": scope, "name": dataset}], 1, rse))


def _tolerate(error: type[Exception], call: Callable[[], Any]) -> None:
    """Run ``call``; ``error`` means the thing is already as wanted (it exists), which is fine."""
    with contextlib.suppress(error):
        call()


@dataclass(frozen=True)
class FileToFetch:
    scope: str
    name: str
    target: Path
    expected: Checksums


def files_of(lake: DataLake, did: str, dest: Path | None = None) -> list[FileToFetch]:
    """The files a DID stands for, with where a download puts them (Rucio's layout)."""
    scope, name = split_did(did)
    info = lake.client.get_did(scope, name)
    if info["type"] == "FILE":
        entries = [(scope, name, {"bytes": info["bytes"], "adler32": info["adler32"], "md5": info.get("md5")})]
        folder = scope
    else:
        entries = [(f["scope"], f["name"], f) for f in lake.client.list_files(scope, name)]
        folder = name
    base = dest or Path(".")
    return [
        FileToFetch(
            s,
            n,
            Path(safe_join(str(base / folder), n.rsplit("/", 1)[-1])),
            Checksums(bytes=int(meta["bytes"] or 0), adler32=meta.get("adler32"), md5=meta.get("md5")),
        )
        for s, n, meta in entries
    ]


def download(lake: DataLake, did: str, dest: Path, progress: Progress | None = None) -> Iterator[Result]:
    """Copy a DID's files to ``dest``, verifying each against the catalog's checksums."""
    storages: dict[str, StorageElement] = {}
    for wanted in files_of(lake, did, dest):
        target = f"{wanted.scope}:{wanted.name}"
        try:
            yield _download_one(lake, wanted, storages, progress)
        except OpenVREError as error:
            yield Result("download", target, "error", error.message)


def _download_one(
    lake: DataLake, wanted: FileToFetch, storages: dict[str, StorageElement], progress: Progress | None
) -> Result:
    target = f"{wanted.scope}:{wanted.name}"
    if wanted.target.is_file():
        try:
            verify(wanted.expected, checksum_file(wanted.target))
            return Result("download", target, "notneeded", f"{wanted.target} is already there, verified")
        except ChecksumMismatch:
            pass  # a different or damaged file: fetched again below
    replica = next(iter(lake.client.list_replicas([{"scope": wanted.scope, "name": wanted.name}])), None)
    sources = sorted((replica or {}).get("rses", {}), key=lambda rse: rse != lake.local_rse)
    if not sources:
        return Result("download", target, "impossible", "no AVAILABLE replica; make it available first")
    last_error = ""
    for rse in sources:
        try:
            storage = storages.get(rse) or storages.setdefault(rse, storage_for(lake, rse, "read"))
            _fetch(storage, wanted, progress)
            return Result("download", target, "ok", f"{wanted.expected.bytes} bytes from {rse} to {wanted.target}")
        except (OpenVREError, OSError) as error:
            last_error = f"{rse}: {error}"
    return Result("download", target, "error", last_error)


def _fetch(storage: StorageElement, wanted: FileToFetch, progress: Progress | None) -> None:
    wanted.target.parent.mkdir(parents=True, exist_ok=True)
    partial = wanted.target.with_name(wanted.target.name + ".part")
    accumulator = ChecksumAccumulator()
    try:
        with partial.open("wb") as sink:
            for chunk in storage.read_stream(storage.path(wanted.scope, wanted.name)):
                accumulator.update(chunk)
                sink.write(chunk)
                if progress:
                    progress(len(chunk))
        verify(wanted.expected, accumulator.result())
        partial.replace(wanted.target)
    finally:
        partial.unlink(missing_ok=True)


@dataclass(frozen=True)
class Availability:
    """How far a DID is from being readable on an RSE."""

    rse: str
    total: int
    available: int
    rule_state: str | None
    rule_error: str | None
    local_paths: list[Path] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.available == self.total


def make_available(lake: DataLake, did: str, rse: str, lifetime: int | None = None) -> str:
    """A rule keeping the DID on ``rse``; the account's existing rule is reused."""
    scope, name = split_did(did)
    for rule in lake.client.list_did_rules(scope, name):
        if rule["rse_expression"] == rse and rule["account"] == lake.account:
            return str(rule["id"])
    return lake.client.add_replication_rule([{"scope": scope, "name": name}], 1, rse, lifetime=lifetime)[0]


def availability(lake: DataLake, did: str, rse: str, rule_id: str | None = None) -> Availability:
    scope, name = split_did(did)
    found = list(lake.client.list_replicas([{"scope": scope, "name": name}], all_states=True))
    ready = [f for f in found if f.get("states", {}).get(rse) == "AVAILABLE"]
    rule = lake.client.get_replication_rule(rule_id) if rule_id else None
    storage = storage_for(lake, rse, "read") if ready else None
    paths = []
    for item in sorted(ready, key=lambda entry: (entry["scope"], entry["name"])):
        local = storage.local_path(storage.path(item["scope"], item["name"])) if storage else None
        if local is not None:
            paths.append(local)
    return Availability(
        rse, len(found), len(ready), rule["state"] if rule else None, rule.get("error") if rule else None, paths
    )


@dataclass
class LocalState:
    """A DID as a user on this machine sees it: ``state`` in the workspace's words, and why.

    ``state`` is available (every file on ``rse``, ``paths`` set), replicating (a rule is bringing
    the rest), stuck (the rule gave up: ``message`` says why) or not_available (no rule to ``rse``).
    """

    state: str
    files: int
    available_files: int
    rule_id: str | None
    message: str
    paths: list[Path] = field(default_factory=list)


def local_state(lake: DataLake, did: str, rse: str) -> LocalState:
    """Where ``did`` is for a reader of ``rse``; one answer for the Data Lake panel and notebook kernels."""
    scope, name = split_did(did)
    rules = [rule for rule in lake.client.list_did_rules(scope, name) if rule.get("rse_expression") == rse]
    rule = min(rules, key=lambda r: (r.get("account") != lake.account, r.get("state") == "STUCK"), default=None)
    found = availability(lake, did, rse)
    ready = f"{found.available} of {found.total} file(s) on {rse}"
    rule_id = str(rule["id"]) if rule else None
    if found.complete:
        state, message = "available", ready
    elif rule is not None and rule.get("state") == "STUCK":
        state, message = "stuck", f"{ready}; rule {rule_id} is stuck: {rule.get('error') or 'the transfer failed'}"
    elif rule is not None:
        state, message = "replicating", f"{ready}; rule {rule_id} is bringing the rest"
    else:
        state, message = "not_available", f"{ready}: make it available to read it here"
    paths = found.local_paths if found.complete else []
    return LocalState(state, found.total, found.available, rule_id, message, paths)
