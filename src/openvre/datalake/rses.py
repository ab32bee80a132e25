"""RSEs: the storage elements of the data lake, their attributes and the protocols that reach them.

An RSE (Rucio Storage Element) is a named place that holds replicas. Its **attributes** are free
key/value tags that RSE expressions select on (``tier=1&type=DISK``); as in Rucio, every RSE carries a
tag named after itself, which is how a bare RSE name works as an expression. Its **protocols** say how
clients reach the bytes: a scheme, host, port and prefix, the Rucio client class (``impl``) that
speaks it, and a priority per operation and network domain.

openvre's own storage (see :mod:`openvre.datalake.storage`) uses two kinds of protocol:

* a local directory, registered by :func:`add_local_rse` exactly as the official client expects a
  posix RSE (``file://localhost/abs/dir/...``), so ``rucio upload``/``download`` read and write it
  directly;
* any fsspec URL (``memory://``, ``s3://bucket/prefix``), registered by :func:`add_storage_rse` with the
  impl :data:`FSSPEC_IMPL`: only openvre (its API and transfer agent) moves bytes there.

Example::

    add_local_rse(session, "SITE_A", "/srv/openvre/rse/SITE_A")
    add_rse_attribute(session, "SITE_A", "tier", 1)
    resolve_rse_expression(session, "tier=1")  # ['SITE_A']
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from openvre.datalake import rse_expression
from openvre.datalake._tables import RseAttributeRow, RseProtocolRow, RseRow
from openvre.datalake.errors import Duplicate, InvalidObject, RSENotFound
from openvre.datalake.names import validate_rse_name
from openvre.datalake.protocols import FSSPEC_IMPL, POSIX_DOMAINS, POSIX_IMPL, Domains, Protocol

_DOMAIN_OPERATIONS = {
    "lan": ("read", "write", "delete"),
    "wan": ("read", "write", "delete", "third_party_copy_read", "third_party_copy_write"),
}
_RSE_TYPES = ("DISK", "TAPE")
_ATTRIBUTE_KEY = re.compile(r"[A-Za-z0-9._-]{1,100}")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]{0,31}")


@dataclass(frozen=True)
class RSE:
    id: str
    name: str
    rse_type: str
    deterministic: bool
    volatile: bool
    availability_read: bool
    availability_write: bool
    availability_delete: bool
    created_at: datetime
    updated_at: datetime

    @property
    def availability(self) -> int:
        """Rucio's legacy bit field: read 4, write 2, delete 1."""
        return 4 * self.availability_read + 2 * self.availability_write + self.availability_delete


class ProtocolInfo(TypedDict):
    scheme: str
    hostname: str
    port: int
    prefix: str
    impl: str
    domains: Domains
    extended_attributes: Any


class RSEInfo(TypedDict):
    """What Rucio's ``rsemanager`` needs to reach an RSE (``GET /rses/{rse}``), in Rucio's key names."""

    id: str
    rse: str
    rse_type: str
    deterministic: bool
    volatile: bool
    staging_area: bool
    availability: int
    availability_read: bool
    availability_write: bool
    availability_delete: bool
    credentials: None
    domain: list[str]
    lfn2pfn_algorithm: str
    qos_class: None
    sign_url: Any
    verify_checksum: bool
    protocols: list[ProtocolInfo]


def add_rse(
    session: Session, name: str, deterministic: bool = True, rse_type: str = "DISK", volatile: bool = False
) -> RSE:
    """Create an RSE tagged with its own name (``NAME: True``), as Rucio does, so ``NAME`` selects it."""
    validate_rse_name(name)
    if rse_type not in _RSE_TYPES:
        raise InvalidObject(f"invalid RSE type {rse_type!r}: use DISK or TAPE", field="rse_type")
    if _find(session, name) is not None:
        raise Duplicate(f"RSE '{name}' already exists; change it with update_rse or pick another name")
    row = RseRow(id=uuid.uuid4().hex, name=name, rse_type=rse_type, deterministic=deterministic, volatile=volatile)
    session.add(row)
    session.flush()
    session.add(RseAttributeRow(rse_id=row.id, key=name, value=True))
    session.flush()
    return _public(row)


def get_rse(session: Session, name: str) -> RSE:
    return _public(_row(session, name))


def get_rse_by_id(session: Session, rse_id: str) -> RSE:
    row = session.get(RseRow, rse_id)
    if row is None:
        raise RSENotFound(f"RSE with id '{rse_id}' cannot be found; list the RSEs with `rucio rse list`")
    return _public(row)


def list_rses(session: Session) -> list[RSE]:
    return [_public(row) for row in session.scalars(select(RseRow).order_by(RseRow.name))]


def update_rse(
    session: Session,
    name: str,
    *,
    availability_read: bool | None = None,
    availability_write: bool | None = None,
    availability_delete: bool | None = None,
) -> RSE:
    """Switch reading, writing or deleting on an RSE on or off; ``None`` leaves that one as it is."""
    row = _row(session, name)
    if availability_read is not None:
        row.availability_read = availability_read
    if availability_write is not None:
        row.availability_write = availability_write
    if availability_delete is not None:
        row.availability_delete = availability_delete
    session.flush()
    return _public(row)


def add_rse_attribute(session: Session, rse: str, key: str, value: str | bool | int | float) -> None:
    """Set an attribute, replacing an existing value of the same key (as Rucio does)."""
    row = _row(session, rse)
    if not _ATTRIBUTE_KEY.fullmatch(key):
        raise InvalidObject(
            f"invalid RSE attribute key {key!r}: use 1 to 100 letters, digits, '.', '_' or '-'", field="key"
        )
    if value is None or isinstance(value, (list, dict)):
        raise InvalidObject(f"invalid value for RSE attribute {key!r}: give text, a number or a boolean", field="value")
    existing = session.scalars(
        select(RseAttributeRow).where(RseAttributeRow.rse_id == row.id, RseAttributeRow.key == key)
    ).one_or_none()
    if existing is None:
        session.add(RseAttributeRow(rse_id=row.id, key=key, value=value))
    else:
        existing.value = value
    session.flush()


def list_rse_attributes(session: Session, rse: str) -> dict[str, Any]:
    row = _row(session, rse)
    query = select(RseAttributeRow).where(RseAttributeRow.rse_id == row.id).order_by(RseAttributeRow.key)
    return {attribute.key: attribute.value for attribute in session.scalars(query)}


def delete_rse_attribute(session: Session, rse: str, key: str) -> None:
    row = _row(session, rse)
    existing = session.scalars(
        select(RseAttributeRow).where(RseAttributeRow.rse_id == row.id, RseAttributeRow.key == key)
    ).one_or_none()
    if existing is None:
        raise RSENotFound(f"RSE '{rse}' has no attribute {key!r}; list them with `rucio rse show {rse}`")
    session.delete(existing)
    session.flush()


def resolve_rse_expression(session: Session, expression: str) -> list[str]:
    """The sorted names of the RSEs ``expression`` selects, by their attributes in the database.

    Raises :class:`InvalidRSEExpression` if the expression is malformed or selects nothing.
    """
    attributes: dict[str, dict[str, Any]] = {row.name: {} for row in session.scalars(select(RseRow))}
    rows = session.execute(select(RseRow.name, RseAttributeRow.key, RseAttributeRow.value).join(RseAttributeRow))
    for rse, key, value in rows:
        attributes[rse][key] = value
    return rse_expression.resolve_rse_expression(expression, attributes)


def add_protocol(
    session: Session,
    rse: str,
    scheme: str,
    hostname: str,
    port: int | None,
    prefix: str,
    impl: str,
    domains: dict[str, dict[str, Any]] | None,
) -> Protocol:
    """Register a way to reach an RSE; the same scheme, host and port twice is a ``Duplicate``.

    ``port=None`` is stored as 0, as Rucio does; the posix client checks that the port it parses from
    a PFN (0 when absent) equals the protocol's. Missing operations in ``domains`` are unsupported.
    """
    row = _row(session, rse)
    if not _SCHEME.fullmatch(scheme):
        raise InvalidObject(f"invalid protocol scheme {scheme!r}: use a URL scheme such as file or s3", field="scheme")
    port = 0 if port is None else port
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise InvalidObject(f"invalid port {port!r}: give a number from 0 to 65535", field="port")
    if not impl:
        raise InvalidObject("the protocol needs an impl, e.g. rucio.rse.protocols.posix.Default", field="impl")
    hostname = hostname or "localhost"
    duplicate = session.scalars(
        select(RseProtocolRow).where(
            RseProtocolRow.rse_id == row.id,
            RseProtocolRow.scheme == scheme,
            RseProtocolRow.hostname == hostname,
            RseProtocolRow.port == port,
        )
    ).one_or_none()
    if duplicate is not None:
        raise Duplicate(
            f"Protocol '{scheme}' on port {port} already registered for '{rse}' with hostname '{hostname}'."
        )
    protocol = RseProtocolRow(
        rse_id=row.id,
        scheme=scheme,
        hostname=hostname,
        port=port,
        prefix=prefix or "",
        impl=impl,
        domains=_normalise_domains(domains),
    )
    session.add(protocol)
    session.flush()
    return _public_protocol(protocol)


def list_protocols(session: Session, rse: str) -> list[Protocol]:
    """The RSE's protocols in Rucio's order (hostname, scheme, port)."""
    row = _row(session, rse)
    query = select(RseProtocolRow).where(RseProtocolRow.rse_id == row.id)
    protocols = [_public_protocol(protocol) for protocol in session.scalars(query)]
    return sorted(protocols, key=lambda p: (p.hostname, p.scheme, p.port))


def add_local_rse(session: Session, name: str, directory: str | Path) -> RSE:
    """An RSE in a local directory, reachable by the official client's posix protocol.

    The directory is made absolute but not created: storage creates directories as files arrive.
    """
    rse = add_rse(session, name)
    prefix = str(Path(directory).expanduser().absolute())
    prefix = prefix if prefix.endswith("/") else prefix + "/"
    add_protocol(session, name, "file", "localhost", 0, prefix, POSIX_IMPL, POSIX_DOMAINS)
    return rse


def add_storage_rse(session: Session, name: str, url: str | Path) -> RSE:
    """An RSE at a local directory (a path or ``file://`` URL) or at any fsspec URL (``s3://bucket/x``)."""
    text = str(url)
    parts = urlsplit(text)
    if "://" not in text:
        return add_local_rse(session, name, text)
    if parts.scheme == "file":
        return add_local_rse(session, name, parts.path)
    rse = add_rse(session, name)
    prefix = text if text.endswith("/") else text + "/"
    add_protocol(session, name, parts.scheme, parts.hostname or "localhost", 0, prefix, FSSPEC_IMPL, POSIX_DOMAINS)
    return rse


def rse_info(session: Session, name: str) -> RSEInfo:
    """Everything the official client's ``rsemanager`` needs to compute PFNs and pick a protocol.

    ``lfn2pfn_algorithm`` is always ``hash``: it is the only one openvre computes, and a client told
    otherwise would look for files where openvre never puts them.
    """
    rse = get_rse(session, name)
    attributes = list_rse_attributes(session, name)
    return {
        "id": rse.id,
        "rse": rse.name,
        "rse_type": rse.rse_type,
        "deterministic": rse.deterministic,
        "volatile": rse.volatile,
        "staging_area": False,
        "availability": rse.availability,
        "availability_read": rse.availability_read,
        "availability_write": rse.availability_write,
        "availability_delete": rse.availability_delete,
        "credentials": None,
        "domain": ["lan", "wan"],
        "lfn2pfn_algorithm": "hash",
        "qos_class": None,
        "sign_url": attributes.get("sign_url"),
        "verify_checksum": attributes.get("verify_checksum", True) not in (False, "false", "False"),
        "protocols": [protocol_info(protocol) for protocol in list_protocols(session, name)],
    }


def protocol_info(protocol: Protocol) -> ProtocolInfo:
    return {
        "scheme": protocol.scheme,
        "hostname": protocol.hostname,
        "port": protocol.port,
        "prefix": protocol.prefix,
        "impl": protocol.impl,
        "domains": protocol.domains,
        "extended_attributes": protocol.extended_attributes,
    }


def _normalise_domains(domains: dict[str, dict[str, Any]] | None) -> Domains:
    """Every domain and operation present, ``None`` where unsupported, as Rucio's columns are."""
    given = domains or {}
    for domain, operations in given.items():
        if domain not in _DOMAIN_OPERATIONS:
            raise InvalidObject(f"unknown protocol domain {domain!r}: use 'lan' or 'wan'", field="domains")
        if not isinstance(operations, dict):
            raise InvalidObject(f"domain {domain!r} must map operations to priorities", field="domains")
        for operation, priority in operations.items():
            if operation not in _DOMAIN_OPERATIONS[domain]:
                allowed = ", ".join(_DOMAIN_OPERATIONS[domain])
                raise InvalidObject(f"unknown operation {operation!r} in {domain!r}: use {allowed}", field="domains")
            if priority is not None and (isinstance(priority, bool) or not isinstance(priority, int) or priority < 0):
                raise InvalidObject(
                    f"invalid priority {priority!r} for {domain} {operation}: give 0 or more, or null",
                    field="domains",
                )
    return {
        domain: {operation: given.get(domain, {}).get(operation) for operation in operations}
        for domain, operations in _DOMAIN_OPERATIONS.items()
    }


def _find(session: Session, name: str) -> RseRow | None:
    return session.scalars(select(RseRow).where(RseRow.name == name)).one_or_none()


def _row(session: Session, name: str) -> RseRow:
    row = _find(session, name)
    if row is None:
        raise RSENotFound(f"RSE '{name}' cannot be found in vo 'def'; list the RSEs with `rucio rse list`")
    return row


def _public(row: RseRow) -> RSE:
    return RSE(
        id=row.id,
        name=row.name,
        rse_type=row.rse_type,
        deterministic=row.deterministic,
        volatile=row.volatile,
        availability_read=row.availability_read,
        availability_write=row.availability_write,
        availability_delete=row.availability_delete,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _public_protocol(row: RseProtocolRow) -> Protocol:
    return Protocol(
        scheme=row.scheme,
        hostname=row.hostname,
        port=row.port,
        prefix=row.prefix,
        impl=row.impl,
        domains=row.domains,
        extended_attributes=row.extended_attributes,
    )
