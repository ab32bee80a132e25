"""Fixtures for the repository's core: a config in a temporary directory and three accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from openvre import identity
from openvre.db import Database
from openvre.identity import Account
from openvre.repository import deposits, files
from openvre.repository.config import RepositoryConfig
from openvre.repository.deposits import Deposition

METADATA: dict[str, Any] = {
    "title": "Muon spectra from the 2024 run",
    "upload_type": "dataset",
    "description": "<p>Calibrated <b>muon</b> spectra.</p>",
    "creators": [{"name": "Doe, Jane", "affiliation": "CERN", "orcid": "0000-0002-1825-0097"}],
    "keywords": ["muons", "Spectroscopy"],
}


@pytest.fixture
def config(tmp_path: Path) -> RepositoryConfig:
    return RepositoryConfig(files_root=tmp_path / "repository", doi_prefix="10.5072")


@pytest.fixture
def accounts(database: Database) -> dict[str, Account]:
    with database.transaction() as session:
        created = identity.create_accounts(
            session,
            [identity.NewAccount("alice"), identity.NewAccount("bob"), identity.NewAccount("root", is_admin=True)],
        )
    return {account.username: account for account in created}


@pytest.fixture
def alice(accounts: dict[str, Account]) -> Account:
    return accounts["alice"]


@pytest.fixture
def bob(accounts: dict[str, Account]) -> Account:
    return accounts["bob"]


def draft_with_file(
    database: Database, config: RepositoryConfig, owner: str = "alice", metadata: dict[str, Any] | None = None
) -> Deposition:
    with database.transaction() as session:
        draft = deposits.create_deposition(session, config, owner, metadata or METADATA)
    files.upload_file(database, config, draft.bucket_id, "spectra.csv", [b"energy,count\n", b"1.0,42\n"])
    return draft


def published(
    database: Database, config: RepositoryConfig, publisher: Account, metadata: dict[str, Any] | None = None
) -> Deposition:
    draft = draft_with_file(database, config, publisher.username, metadata)
    with database.transaction() as session:
        return deposits.publish(session, config, draft.recid, publisher)


def blobs(config: RepositoryConfig) -> list[str]:
    """Every file under the repository's root, hidden ones too, relative to it."""
    root = config.files_root
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []
