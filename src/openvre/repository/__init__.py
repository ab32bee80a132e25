"""The repository: a Zenodo-compatible store of depositions, immutable records, DOIs and communities.

Core modules, one per noun, each taking a SQLAlchemy ``Session`` first and never committing:
:mod:`~openvre.repository.deposits` (drafts, publish, edit, versions), :mod:`~openvre.repository.files`
(buckets, verified bytes), :mod:`~openvre.repository.records` (read and search published records),
:mod:`~openvre.repository.communities`, :mod:`~openvre.repository.dois`,
:mod:`~openvre.repository.metadata` (Zenodo's deposit metadata) and
:mod:`~openvre.repository.licenses`. The Zenodo REST API is :func:`openvre.repository.zenodo_api.create_zenodo_app`.

Example::

    config = RepositoryConfig.from_settings(settings)
    with database.transaction() as session:
        draft = deposits.create_deposition(session, config, "alice", {"title": "Spectra", ...})
    files.upload_file(database, config, draft.bucket_id, "spectra.csv", open("spectra.csv", "rb"))
    with database.transaction() as session:
        record = deposits.publish(session, config, draft.recid, alice)   # record.doi == "10.5072/openvre.2"
"""

from openvre.repository.communities import Community, InclusionRequest
from openvre.repository.config import RepositoryConfig
from openvre.repository.deposits import Deposition
from openvre.repository.files import Bucket, StoredFile
from openvre.repository.metadata import DepositMetadata, validate_metadata
from openvre.repository.records import Record, RecordQuery, SearchResult

__all__ = [
    "Bucket",
    "Community",
    "DepositMetadata",
    "Deposition",
    "InclusionRequest",
    "Record",
    "RecordQuery",
    "RepositoryConfig",
    "SearchResult",
    "StoredFile",
    "validate_metadata",
]
