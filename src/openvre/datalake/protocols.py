"""How a storage element is reached: its protocols, as Rucio describes them to clients.

Apart from :mod:`openvre.datalake.rses` (the catalog's side, with the database) so that clients, which
read protocols from ``GET /rses/{rse}``, need no database layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

Operation: TypeAlias = Literal["read", "write", "delete"]
Domains: TypeAlias = dict[str, dict[str, int | None]]

POSIX_IMPL = "rucio.rse.protocols.posix.Default"
FSSPEC_IMPL = "openvre.fsspec"
"""The impl of protocols whose prefix is an fsspec URL; no Rucio client class has this name."""

# What `rucio rse protocol add --domain-json` is given for a posix RSE: everything allowed, priority 1.
POSIX_DOMAINS: Domains = {
    "wan": {"read": 1, "write": 1, "delete": 1, "third_party_copy_read": 1, "third_party_copy_write": 1},
    "lan": {"read": 1, "write": 1, "delete": 1},
}


@dataclass(frozen=True)
class Protocol:
    scheme: str
    hostname: str
    port: int
    prefix: str
    impl: str
    domains: Domains
    extended_attributes: Any = None

    def priority(self, operation: str, domain: str = "wan") -> int | None:
        """The priority for ``operation`` in ``domain`` (lower is preferred), ``None`` if not supported."""
        return self.domains.get(domain, {}).get(operation)


__all__ = ["FSSPEC_IMPL", "POSIX_DOMAINS", "POSIX_IMPL", "Domains", "Operation", "Protocol"]
