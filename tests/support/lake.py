"""Build a small data lake in a test database: accounts, scopes, local RSEs and files with real bytes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from openvre import identity
from openvre.datalake import limits, replicas, rses, scopes
from openvre.datalake.checksums import Checksums
from openvre.datalake.storage import open_storage
from openvre.db import Database

UNLIMITED = -1


@dataclass(frozen=True)
class LakeFile:
    scope: str
    name: str
    content: bytes
    checksums: Checksums


def make_lake(database: Database, root: Path, rse_names: tuple[str, ...] = ("SITE_A", "SITE_B")) -> Path:
    """Account ``alice`` with scope ``user.alice``, and local RSEs under ``root`` with no quota limit."""
    with database.transaction() as session:
        identity.create_account(session, identity.NewAccount("alice", "alice-password"))
        scopes.add_scope(session, "user.alice", "alice")
        for name in rse_names:
            rses.add_local_rse(session, name, root / name)
            limits.set_local_account_limit(session, "alice", name, UNLIMITED)
    return root


def put_file(database: Database, rse: str, scope: str, name: str, size: int = 4096, seed: int = 0) -> LakeFile:
    """Write real bytes to an RSE and register them AVAILABLE there, as an upload does."""
    content = os.urandom(size) if seed == 0 else bytes((seed + i) % 251 for i in range(size))
    with database.transaction() as session:
        storage = open_storage(session, rse, "write")
    written = storage.write_stream(storage.path(scope, name), [content])
    with database.transaction() as session:
        replicas.add_replicas(
            session,
            rse,
            [replicas.NewReplica(scope, name, written.bytes, adler32=written.adler32, md5=written.md5)],
            "alice",
        )
    return LakeFile(scope, name, content, written)
