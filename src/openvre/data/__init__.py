"""Data lake access from notebooks and scripts.

    import openvre.data

    path = openvre.data.get("user.alice:run2024.root")       # a file: its local path
    paths = openvre.data.get("user.alice:run2024")           # a dataset: its files' local paths
    with openvre.data.open("user.alice:run2024.root") as f:  # a file object
        header = f.read(16)

``get`` makes the data available on the RSE this machine reads directly (``LOCAL`` in the embedded
lake; ``OPENVRE_DATALAKE__LOCAL_RSE`` for a real Rucio) by adding a replication rule, and waits with a
progress bar until every file is there. Without a local RSE it downloads into ``$OPENVRE_HOME/cache``,
verifying checksums. ``get(..., wait=False)`` raises :class:`DataNotAvailable` while data is on its way.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import BinaryIO

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from openvre.data._connection import DataLake, connect
from openvre.data._ops import Availability, availability, download, files_of, make_available, split_did
from openvre.errors import OpenVREError

POLL_SECONDS = 0.2


class DataNotAvailable(OpenVREError):
    """The data is not (yet) readable here; the message says how far along it is and what to do."""


def get(
    did: str,
    *,
    wait: bool = True,
    timeout: float | None = None,
    lifetime: int | None = None,
    lake: DataLake | None = None,
) -> Path | list[Path]:
    """Local path(s) of a DID's files, making them available here first."""
    own = lake is None
    lake = lake or connect()
    try:
        scope, name = split_did(did)
        is_file = lake.client.get_did(scope, name)["type"] == "FILE"
        paths = _local_paths(lake, did, wait, timeout, lifetime) if lake.local_rse else _cached(lake, did)
    finally:
        if own:
            lake.close()
    return paths[0] if is_file and paths else paths


def open(did: str, *, lake: DataLake | None = None) -> BinaryIO:
    """A binary file object on a file DID, made available here first."""
    path = get(did, lake=lake)
    if isinstance(path, list):
        raise DataNotAvailable(f"{did} is a collection of {len(path)} files; open one of them, or use get()")
    return path.open("rb")


def _local_paths(lake: DataLake, did: str, wait: bool, timeout: float | None, lifetime: int | None) -> list[Path]:
    assert lake.local_rse is not None
    rule_id = make_available(lake, did, lake.local_rse, lifetime)
    state = availability(lake, did, lake.local_rse, rule_id)
    if state.complete:
        return state.local_paths
    if not wait:
        raise _not_yet(did, state)
    deadline = None if timeout is None else time.monotonic() + timeout
    with Progress(
        TextColumn(f"making {did} available on {lake.local_rse}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task("files", total=state.total)
        while not state.complete:
            if state.rule_state == "STUCK":
                raise DataNotAvailable(f"{did} cannot be made available on {lake.local_rse}: {state.rule_error}")
            if deadline is not None and time.monotonic() > deadline:
                raise _not_yet(did, state)
            time.sleep(POLL_SECONDS)
            state = availability(lake, did, lake.local_rse, rule_id)
            bar.update(task, completed=state.available, total=state.total)
    return state.local_paths


def _not_yet(did: str, state: Availability) -> DataNotAvailable:
    return DataNotAvailable(
        f"{did} is not available on {state.rse} yet: {state.available} of {state.total} files there "
        f"(rule {state.rule_state}); call openvre.data.get({did!r}) to wait for it"
    )


def _cached(lake: DataLake, did: str) -> list[Path]:
    results = list(download(lake, did, lake.cache_dir))
    failed = [r for r in results if r.failed]
    if failed:
        raise DataNotAvailable(
            f"{did} could not be downloaded: " + "; ".join(f"{r.target}: {r.message}" for r in failed)
        )
    return sorted(f.target for f in files_of(lake, did, lake.cache_dir))


__all__ = ["DataLake", "DataNotAvailable", "connect", "get", "open"]
