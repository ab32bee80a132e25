"""The repository's exceptions, under :mod:`openvre.errors` so one handler catches a whole family.

    OpenVREError
    └── RepositoryError
        ├── InvalidMetadata          (InvalidInput) deposit metadata Zenodo would refuse; ``problems`` lists all
        ├── InvalidFileName          (InvalidInput) a file key that cannot name a file in a record
        ├── FileTooLarge             (InvalidInput) a file or a bucket would pass its size or count limit
        ├── InvalidQuery             (InvalidInput) a search query, sort or page that cannot be answered
        ├── DepositionNotFound       (NotFound) no deposition with that id, or not one the caller may see
        ├── RecordNotFound           (NotFound) no published record with that id
        ├── DepositFileNotFound      (NotFound) no file with that id or key in the deposition or bucket
        ├── BucketNotFound           (NotFound)
        ├── CommunityNotFound        (NotFound)
        ├── InclusionRequestNotFound (NotFound)
        ├── LicenseNotFound          (NotFound)
        ├── DOINotFound              (NotFound) a DOI this repository did not mint
        ├── CommunityExists          (AlreadyExists)
        ├── FileExists               (AlreadyExists) the legacy upload names a file the deposition has
        ├── DepositionLocked         (PermissionDenied) publishing froze it: files, deletion
        ├── NotCurator               (PermissionDenied) only a community's curators decide on its requests
        ├── FileAccessDenied         (PermissionDenied) a closed, restricted or embargoed record's files
        ├── WrongState               (Conflict) the action does not apply in the deposition's current state
        └── CorruptedFile            (Conflict) stored bytes differ from the md5 recorded at upload

The Zenodo-compatible API maps these families to Zenodo's status codes in one place
(:mod:`openvre.repository.zenodo_api._wire`); core code never raises HTTP errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openvre.errors import AlreadyExists, Conflict, InvalidInput, NotFound, OpenVREError, PermissionDenied


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request, at a field path in Zenodo's dotted form (``metadata.creators.0.name``)."""

    field: str
    message: str


class RepositoryError(OpenVREError):
    """Root of the repository's errors."""


class InvalidMetadata(RepositoryError, InvalidInput):
    """Deposit metadata that Zenodo would refuse. ``problems`` holds every error, not only the first.

    The message is the first problem and how many more there are, so one line says where to start.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("InvalidMetadata needs at least one problem")
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{first.field}: {first.message}{more}", field=first.field)
        self.problems: tuple[Problem, ...] = tuple(problems)

    def __reduce__(self) -> tuple[type[InvalidMetadata], tuple[tuple[Problem, ...]]]:
        # The default rebuilds from the message alone, which this signature does not accept.
        return (type(self), (self.problems,))


class InvalidFileName(RepositoryError, InvalidInput):
    pass


class FileTooLarge(RepositoryError, InvalidInput):
    """A file or the bucket's total would pass a limit; the message names the limit and what to do."""


class InvalidQuery(RepositoryError, InvalidInput):
    pass


class DepositionNotFound(RepositoryError, NotFound):
    pass


class RecordNotFound(RepositoryError, NotFound):
    pass


class DepositFileNotFound(RepositoryError, NotFound):
    pass


class BucketNotFound(RepositoryError, NotFound):
    pass


class CommunityNotFound(RepositoryError, NotFound):
    pass


class InclusionRequestNotFound(RepositoryError, NotFound):
    pass


class LicenseNotFound(RepositoryError, NotFound):
    pass


class DOINotFound(RepositoryError, NotFound):
    pass


class CommunityExists(RepositoryError, AlreadyExists):
    pass


class FileExists(RepositoryError, AlreadyExists):
    pass


class DepositionLocked(RepositoryError, PermissionDenied):
    """Publishing froze this part of the deposition (its files, its existence); the message says what remains."""


class NotCurator(RepositoryError, PermissionDenied):
    pass


class FileAccessDenied(RepositoryError, PermissionDenied):
    pass


class WrongState(RepositoryError, Conflict):
    """The action exists but does not apply now (discard without an edit, a new version of a draft)."""


class CorruptedFile(RepositoryError, Conflict):
    """A stored file no longer has the size or md5 recorded when it was uploaded; it is never served."""


__all__ = [
    "BucketNotFound",
    "CommunityExists",
    "CommunityNotFound",
    "CorruptedFile",
    "DOINotFound",
    "DepositFileNotFound",
    "DepositionLocked",
    "DepositionNotFound",
    "FileAccessDenied",
    "FileExists",
    "FileTooLarge",
    "InclusionRequestNotFound",
    "InvalidFileName",
    "InvalidMetadata",
    "InvalidQuery",
    "LicenseNotFound",
    "NotCurator",
    "Problem",
    "RecordNotFound",
    "RepositoryError",
    "WrongState",
]
