"""The data lake's exceptions, named exactly as Rucio names them.

The class name is the Rucio ``ExceptionClass`` the Rucio-compatible HTTP layer sends, so that layer
maps errors by name, and the official ``rucio`` client raises its own class of the same name. Each one
also sits under the right family of :mod:`openvre.errors`, so openvre's own endpoints map it to an HTTP
status without knowing about Rucio.

    OpenVREError
    ├── InvalidInput
    │   ├── InvalidObject                a scope, DID name, path or checksum is malformed
    │   ├── InvalidMetadata              a metadata key or value cannot be stored
    │   ├── InvalidRSEExpression         an RSE expression has a syntax error or selects no RSE
    │   └── InvalidReplicationRule       a rule's options contradict each other
    ├── NotFound
    │   ├── RSENotFound
    │   ├── ScopeNotFound
    │   ├── DataIdentifierNotFound
    │   ├── ReplicaNotFound
    │   ├── KeyNotFound
    │   └── RuleNotFound
    ├── AlreadyExists
    │   ├── Duplicate                    an RSE, scope, attribute or protocol that exists already
    │   ├── DataIdentifierAlreadyExists
    │   ├── DuplicateContent             a DID already attached to that container
    │   ├── DuplicateRule                same DID, account, RSE expression and copies as an existing rule
    │   └── FileAlreadyExists            the storage element already holds a file at that path
    ├── PermissionDenied
    │   ├── AccessDenied                 the policy refuses the action
    │   └── InsufficientAccountLimit     the action would exceed the account's quota on an RSE
    ├── Conflict
    │   ├── UnsupportedOperation             not possible in the DID's or rule's current state
    │   └── ChecksumMismatch                 stored or transferred bytes differ from what was declared

The ``AlreadyExists`` and ``NotFound`` children are siblings, as in Rucio, so a handler catching
``Duplicate`` never swallows ``DuplicateRule``.
"""

from __future__ import annotations

from openvre.errors import AlreadyExists, Conflict, InvalidInput, NotFound, PermissionDenied


class InvalidObject(InvalidInput):
    """A value does not follow the data lake's naming or format rules; the message says which rule."""


class InvalidMetadata(InvalidInput):
    pass


class InvalidRSEExpression(InvalidInput):
    """The message says what is wrong and at which character, or that no RSE matched."""


class InvalidReplicationRule(InvalidInput):
    pass


class RSENotFound(NotFound):
    pass


class ScopeNotFound(NotFound):
    pass


class DataIdentifierNotFound(NotFound):
    pass


class ReplicaNotFound(NotFound):
    pass


class KeyNotFound(NotFound):
    """A metadata key the DID does not have."""


class RuleNotFound(NotFound):
    pass


class Duplicate(AlreadyExists):
    pass


class DataIdentifierAlreadyExists(AlreadyExists):
    pass


class DuplicateContent(AlreadyExists):
    """The DID is already attached to that container."""


class DuplicateRule(AlreadyExists):
    pass


class FileAlreadyExists(AlreadyExists):
    pass


class AccessDenied(PermissionDenied):
    pass


class InsufficientAccountLimit(PermissionDenied):
    pass


class UnsupportedOperation(Conflict):
    """The operation exists but cannot apply now, e.g. attaching files to a closed dataset."""


class ChecksumMismatch(Conflict):
    """Bytes on storage or in transit differ from the declared checksum or size.

    ``checksum`` names what differs (``"adler32"``, ``"md5"`` or ``"bytes"``); ``expected`` is what was
    declared and ``actual`` what the data has. Rucio has no exception of this name: its nearest is
    ``FileConsistencyMismatch``.
    """

    def __init__(self, checksum: str, expected: str, actual: str) -> None:
        super().__init__(
            f"{checksum} mismatch: expected {expected}, got {actual}; the data changed on the way "
            "or the declared value is wrong, so send the file again or correct the declared value",
            field=checksum,
        )
        self.checksum = checksum
        self.expected = expected
        self.actual = actual

    def __reduce__(self) -> tuple[type[ChecksumMismatch], tuple[str, str, str]]:
        # The default rebuilds from the message alone, which this signature does not accept.
        return (type(self), (self.checksum, self.expected, self.actual))


__all__ = [
    "AccessDenied",
    "ChecksumMismatch",
    "DataIdentifierAlreadyExists",
    "DataIdentifierNotFound",
    "Duplicate",
    "DuplicateContent",
    "DuplicateRule",
    "FileAlreadyExists",
    "InsufficientAccountLimit",
    "InvalidMetadata",
    "InvalidObject",
    "InvalidRSEExpression",
    "InvalidReplicationRule",
    "KeyNotFound",
    "RSENotFound",
    "ReplicaNotFound",
    "RuleNotFound",
    "ScopeNotFound",
    "UnsupportedOperation",
]
